#include "live_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QSignalBlocker>
#include <QTime>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "widgets/repaint_coalescer.h"

namespace sparselab {

namespace {
constexpr int kHistory = 12;
constexpr int kFloorDb = -60;
}  // namespace

LivePanel::LivePanel(QWidget* parent)
    : QWidget(parent),
      m_devices(new QComboBox(this)),
      m_refresh(new QToolButton(this)),
      m_status(new QLabel(tr("Live input is off. Press Live (Ctrl+L) to listen."), this)),
      m_level(new QProgressBar(this)),
      m_word(new QLabel(QStringLiteral("—"), this)),
      m_history(new QListWidget(this)),
      m_figures(new QLabel(this)),
      m_coalescer(new RepaintCoalescer([this] { refresh(); }, this)) {
    m_devices->addItem(tr("Default input"), QString());
    m_devices->setToolTip(tr("Audio input used by Live (remembered)."));
    m_refresh->setText(tr("↻"));
    m_refresh->setToolTip(tr("Re-scan audio inputs"));
    m_status->setObjectName(QStringLiteral("liveStatus"));
    m_status->setWordWrap(true);
    m_level->setRange(kFloorDb, 0);
    m_level->setValue(kFloorDb);
    m_level->setFormat(tr("%v dBFS"));
    m_level->setToolTip(tr("Input level: RMS of the newest hop, dB full scale."));
    QFont big = m_word->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    m_word->setFont(big);
    m_word->setToolTip(tr("The last word detected (averaged scores over the threshold)."));
    m_history->setMaximumHeight(90);
    m_figures->setObjectName(QStringLiteral("liveFigures"));
    m_figures->setToolTip(
        tr("Inference: features + model per window. End to end: from the arrival of the newest "
           "sample of the window that fired to the detection. CPU: share of one core."));

    auto* deviceRow = new QHBoxLayout;
    deviceRow->addWidget(m_devices, 1);
    deviceRow->addWidget(m_refresh);
    auto* form = new QFormLayout;
    form->addRow(tr("Input"), deviceRow);
    form->addRow(tr("Level"), m_level);
    form->addRow(tr("Heard"), m_word);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_status);
    layout->addLayout(form);
    layout->addWidget(m_history);
    layout->addWidget(m_figures);

    connect(m_devices, &QComboBox::currentIndexChanged, this,
            [this](int i) { emit deviceChosen(m_devices->itemData(i).toString()); });
    connect(m_refresh, &QToolButton::clicked, this, &LivePanel::refreshRequested);
}

QString LivePanel::statusText() const {
    return m_status->text();
}

QStringList LivePanel::history() const {
    QStringList out;
    for (int i = 0; i < m_history->count(); ++i) out << m_history->item(i)->text();
    return out;
}

void LivePanel::setCurrentDevice(const QString& device) {
    const QSignalBlocker block(m_devices);
    int i = m_devices->findData(device);
    if (i < 0) {
        m_devices->addItem(device, device);
        i = m_devices->count() - 1;
    }
    m_devices->setCurrentIndex(i);
}

void LivePanel::setDevices(const QStringList& names, const QString& error) {
    const QString current = m_devices->currentData().toString();
    {
        const QSignalBlocker block(m_devices);
        m_devices->clear();
        m_devices->addItem(tr("Default input"), QString());
        for (const QString& n : names) m_devices->addItem(n, n);
    }
    setCurrentDevice(current);
    if (!error.isEmpty())
        m_status->setText(tr("Cannot list audio inputs: %1").arg(error));
    else if (names.isEmpty())
        m_status->setText(tr("No audio input device found (none connected, or no sound server)."));
}

void LivePanel::setStatus(const LiveStatus& status) {
    QString text = status.message;
    if (status.state == LiveStatus::State::WaitingForDevice)
        text += tr(" (clips and files still work)");
    m_status->setText(text);
    if (status.state != LiveStatus::State::Running) {
        m_level->setValue(kFloorDb);
        m_haveWindow = false;
    }
}

void LivePanel::addWindow(const LiveWindow& window) {
    m_last = window;
    m_haveWindow = true;
    m_coalescer->request();
}

void LivePanel::addDetection(const Detection& detection) {
    const QString word = QString::fromStdString(detection.word);
    m_word->setText(word);
    m_history->insertItem(0, tr("%1  %2  (%3, %4 ms)")
                                 .arg(QTime::currentTime().toString(QStringLiteral("hh:mm:ss")),
                                      word, QString::number(detection.score, 'f', 2),
                                      QString::number(detection.latencyMs, 'f', 0)));
    while (m_history->count() > kHistory) delete m_history->takeItem(m_history->count() - 1);
}

void LivePanel::flush() {
    m_coalescer->flush();
}

void LivePanel::refresh() {
    if (!m_haveWindow) return;
    const WindowResult& r = m_last.result;
    m_level->setValue(std::clamp(int(r.levelDb), kFloorDb, 0));
    m_figures->setText(tr("inference %1 ms · end to end %2 ms · CPU %3 % of a core")
                           .arg(r.inferenceMs, 0, 'f', 1)
                           .arg(m_last.meanLatencyMs, 0, 'f', 0)
                           .arg(m_last.cpuLoad * 100, 0, 'f', 1));
}

}  // namespace sparselab

#include "input_panel.h"

#include <qcustomplot.h>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/audio_features.h"
#include "widgets/audio_source.h"
#include "widgets/heatmap_view.h"
#include "widgets/theme.h"

namespace sparselab {

namespace {
constexpr int kRate = 16000;
constexpr int kHopMs = 250;
}  // namespace

InputPanel::InputPanel(QWidget* parent)
    : QWidget(parent),
      m_clips(new QListWidget(this)),
      m_openButton(new QPushButton(tr("Open audio file…"), this)),
      m_liveButton(new QPushButton(tr("Live input"), this)),
      m_waveform(new QCustomPlot(this)),
      m_spectrogram(new QCustomPlot(this)),
      m_colorMap(new QCPColorMap(m_spectrogram->xAxis, m_spectrogram->yAxis)),
      m_hopTimer(new QTimer(this)) {
    m_clips->setToolTip(
        tr("Sample clips (spoken digits). Click one to run it through the "
           "network."));
    m_clips->setMaximumHeight(120);
    m_liveButton->setObjectName(QStringLiteral("liveButton"));
    m_liveButton->setCheckable(true);
    m_liveButton->setEnabled(false);
    m_liveButton->setToolTip(
        tr("No live source in this build (the live-microphone module adds "
           "it). Clips and files use the same pipeline."));
    m_waveform->setMinimumHeight(110);
    m_waveform->addGraph()->setPen(QPen(QColor(33, 145, 140)));
    m_waveform->xAxis->setLabel(tr("time (s)"));
    m_waveform->yAxis->setRange(-1, 1);
    m_waveform->setToolTip(tr("The 1 s clip at 16 kHz that the network hears."));
    m_spectrogram->setMinimumHeight(150);
    m_spectrogram->xAxis->setLabel(tr("frame"));
    m_spectrogram->yAxis->setLabel(tr("mel band"));
    m_spectrogram->setToolTip(
        tr("32x32 log-mel spectrogram (dB, Numenta's features): the "
           "network's input image."));
    QCPColorGradient viridis;
    viridis.clearColorStops();
    for (int i = 0; i <= 4; ++i) viridis.setColorStopAt(i / 4.0, heatColour(i / 4.0));
    m_colorMap->setGradient(viridis);
    m_colorMap->setInterpolate(false);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_openButton);
    buttons->addWidget(m_liveButton);
    followPalette(m_waveform);
    followPalette(m_spectrogram);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Sample clips"), this));
    layout->addWidget(m_clips);
    layout->addLayout(buttons);
    layout->addWidget(m_waveform, 1);
    layout->addWidget(m_spectrogram, 2);

    connect(m_clips, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { openFile(item->data(Qt::UserRole).toString()); });
    connect(m_clips, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { openFile(item->data(Qt::UserRole).toString()); });
    connect(m_openButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open audio"), m_dir, tr("Audio (*.wav *.flac *.ogg *.aiff);;All files (*)"));
        if (!path.isEmpty()) openFile(path);
    });
    connect(m_liveButton, &QPushButton::clicked, this, &InputPanel::toggleLive);
    m_hopTimer->setInterval(kHopMs);
    connect(m_hopTimer, &QTimer::timeout, this, [this] {
        if (!m_liveFresh) return;  // no samples since the last hop (e.g. no device yet)
        m_liveFresh = false;
        showWaveform();
        emit audioReady(m_samples, m_source ? m_source->displayName() : tr("live"));
    });
}

void InputPanel::setClipDirectory(const QString& dir) {
    m_dir = dir;
    m_clips->clear();
    const QDir d(dir);
    for (const QString& f : d.entryList({"*.wav"}, QDir::Files, QDir::Name)) {
        auto* item = new QListWidgetItem(QStringLiteral("%1  (%2)").arg(f, labelFromClipName(f)));
        item->setData(Qt::UserRole, d.filePath(f));
        m_clips->addItem(item);
    }
}

QStringList InputPanel::clipFiles() const {
    QStringList out;
    for (int i = 0; i < m_clips->count(); ++i)
        out << m_clips->item(i)->data(Qt::UserRole).toString();
    return out;
}

bool InputPanel::openFile(const QString& path) {
    if (isLive()) toggleLive();  // a clip replaces the live input
    try {
        const std::vector<float> s = loadAudioSamples(path, kRate);
        m_samples = QVector<float>(s.begin(), s.end());
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
        return false;
    }
    showWaveform();
    emit audioReady(m_samples, QFileInfo(path).fileName());
    return true;
}

void InputPanel::showWaveform() {
    QVector<double> x(m_samples.size()), y(m_samples.size());
    for (qsizetype i = 0; i < m_samples.size(); ++i) {
        x[i] = double(i) / kRate;
        y[i] = m_samples[i];
    }
    m_waveform->graph(0)->setData(x, y, true);
    m_waveform->xAxis->setRange(0, std::max(1.0, double(m_samples.size()) / kRate));
    m_waveform->replot(QCustomPlot::rpQueuedReplot);
}

void InputPanel::setFeatures(const Tensor& features) {
    if (features.rank() != 2) return;
    const int rows = int(features.dim(0)), cols = int(features.dim(1));
    m_colorMap->data()->setSize(cols, rows);
    m_colorMap->data()->setRange(QCPRange(0, cols - 1), QCPRange(0, rows - 1));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) m_colorMap->data()->setCell(c, r, features[r * cols + c]);
    m_colorMap->rescaleDataRange(true);
    m_spectrogram->rescaleAxes();
    m_spectrogram->replot(QCustomPlot::rpQueuedReplot);
}

void InputPanel::attachSource(AudioSource* source) {
    m_source = source;
    m_liveButton->setEnabled(source != nullptr);
    if (!source) return;
    m_liveButton->setText(source->displayName());
    m_liveButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));  // setText() clears it
    m_liveButton->setToolTip(
        tr("Listen (Ctrl+L): analyse the last second of live audio every %1 ms.").arg(kHopMs));
    connect(source, &AudioSource::samplesReady, this, &InputPanel::appendLiveSamples);
    connect(source, &AudioSource::failed, this, &InputPanel::failed);
}

void InputPanel::toggleLive() {
    if (!m_source) return;
    if (m_hopTimer->isActive()) {
        m_source->stop();
        m_hopTimer->stop();
        m_liveButton->setChecked(false);
        emit liveToggled(false);
        return;
    }
    m_samples = QVector<float>(kRate, 0.0f);
    m_liveFresh = false;
    const bool started = m_source->start();
    if (started) m_hopTimer->start();
    m_liveButton->setChecked(started);
    emit liveToggled(started);
}

bool InputPanel::isLive() const {
    return m_hopTimer->isActive();
}

void InputPanel::appendLiveSamples(const QVector<float>& block) {
    m_samples += block;
    if (m_samples.size() > kRate) m_samples.remove(0, m_samples.size() - kRate);
    m_liveFresh = true;
}

}  // namespace sparselab

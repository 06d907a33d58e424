#include "prediction_panel.h"

#include <qcustomplot.h>
#include <QLabel>
#include <QListWidget>
#include <QTime>
#include <QVBoxLayout>

#include "widgets/repaint_coalescer.h"
#include "widgets/theme.h"

namespace sparselab {

namespace {
constexpr int kHistory = 10;
}

PredictionPanel::PredictionPanel(QWidget* parent)
    : QWidget(parent),
      m_plot(new QCustomPlot(this)),
      m_bars(new QCPBars(m_plot->xAxis, m_plot->yAxis)),
      m_word(new QLabel(this)),
      m_history(new QListWidget(this)),
      m_coalescer(new RepaintCoalescer([this] { refresh(); }, this)) {
    QFont big = m_word->font();
    big.setPointSizeF(big.pointSizeF() * 2.2);
    big.setBold(true);
    m_word->setFont(big);
    m_word->setAlignment(Qt::AlignCenter);
    m_word->setText(tr("—"));
    m_word->setToolTip(tr("The most probable class of the last clip."));
    m_plot->setMinimumHeight(150);
    m_plot->yAxis->setRange(0, 1);
    m_plot->yAxis->setLabel(tr("probability"));
    m_bars->setBrush(QColor(33, 145, 140));
    m_bars->setPen(Qt::NoPen);
    m_history->setMaximumHeight(110);
    m_history->setToolTip(tr("Recent detections, newest first."));
    followPalette(m_plot);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_word);
    layout->addWidget(m_plot, 1);
    layout->addWidget(new QLabel(tr("History"), this));
    layout->addWidget(m_history);
}

void PredictionPanel::setResult(const InferenceResult& result) {
    if (!result.error.isEmpty()) return;
    m_result = result;
    const int top = result.topClass();
    if (top >= 0) {
        const QString word = top < int(result.labels.size())
                                 ? QString::fromStdString(result.labels[size_t(top)])
                                 : QString::number(top);
        m_history->insertItem(
            0, QStringLiteral("%1  %2  (%3%, %4)")
                   .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), word)
                   .arg(100.0 * result.probabilities[size_t(top)], 0, 'f', 0)
                   .arg(result.source));
        while (m_history->count() > kHistory) delete m_history->takeItem(m_history->count() - 1);
    }
    m_coalescer->request();
}

void PredictionPanel::flush() {
    m_coalescer->flush();
}

void PredictionPanel::refresh() {
    const auto& p = m_result.probabilities;
    QVector<double> keys, values;
    for (size_t i = 0; i < p.size(); ++i) {
        keys << double(i);
        values << double(p[i]);
    }
    m_bars->setData(keys, values, true);
    if (m_result.labels != m_shownLabels) {
        m_shownLabels = m_result.labels;
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (size_t i = 0; i < m_shownLabels.size(); ++i)
            ticker->addTick(double(i), QString::fromStdString(m_shownLabels[i]));
        m_plot->xAxis->setTicker(ticker);
        m_plot->xAxis->setTickLabelRotation(90);
    }
    m_plot->xAxis->setRange(-0.7, double(p.size()) - 0.3);
    const int top = m_result.topClass();
    if (top >= 0) {
        const QString word = top < int(m_result.labels.size())
                                 ? QString::fromStdString(m_result.labels[size_t(top)])
                                 : QString::number(top);
        m_word->setText(QStringLiteral("%1  %2%").arg(word).arg(100.0 * p[size_t(top)], 0, 'f', 0));
        m_word->setProperty("word", word);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString PredictionPanel::detectedWord() const {
    return m_word->property("word").toString();
}

int PredictionPanel::historySize() const {
    return m_history->count();
}

}  // namespace sparselab

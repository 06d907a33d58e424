#pragma once

#include <QWidget>

#include "widgets/inference_result.h"

class QCustomPlot;
class QCPBars;
class QLabel;
class QListWidget;

namespace sparselab {

class RepaintCoalescer;

/// Class probabilities as bars, the detected word in large type, and a short history of
/// detections (newest first). Repaints are coalesced.
class PredictionPanel : public QWidget {
    Q_OBJECT
  public:
    explicit PredictionPanel(QWidget* parent = nullptr);

    /// The detected word currently shown (empty before the first result).
    QString detectedWord() const;
    int historySize() const;
    void flush();

  public slots:
    void setResult(const sparselab::InferenceResult& result);

  private:
    void refresh();

    InferenceResult m_result;
    QCustomPlot* m_plot;
    QCPBars* m_bars;
    QLabel* m_word;
    QListWidget* m_history;
    RepaintCoalescer* m_coalescer;
    std::vector<std::string> m_shownLabels;
};

}  // namespace sparselab

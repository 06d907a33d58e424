#pragma once

#include <QThread>
#include <QWidget>
#include <map>

#include "widgets/benchmark_export.h"
#include "widgets/benchmark_worker.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;
class QDoubleSpinBox;
class QTableWidget;

namespace sparselab {

class RepaintCoalescer;

/// Dense vs sparse-weights vs sparse-activations vs sparse-sparse, side by side: backend
/// selector (unavailable backends and modes greyed out with the reason), threads, batch and
/// duration, a live latency chart, a results table with throughput and measured vs MAC-limit
/// speedup, and CSV/JSON/PNG export. Runs a BenchmarkWorker on its own QThread.
class BenchmarkPanel : public QWidget {
    Q_OBJECT
  public:
    /// `registry` must outlive the panel.
    explicit BenchmarkPanel(const BackendRegistry* registry, QWidget* parent = nullptr);
    ~BenchmarkPanel() override;

    /// The model to benchmark (the current derived model).
    void setModel(const ModelPtr& model);
    bool isRunning() const { return m_running; }
    /// Points plotted in the latency chart (all modes).
    int pointCount() const;
    const std::vector<BenchmarkRow>& rows() const { return m_rows; }
    QComboBox* backendCombo() const { return m_backend; }
    QSpinBox* threadsSpin() const { return m_threads; }
    QSpinBox* batchSpin() const { return m_batch; }
    QDoubleSpinBox* secondsSpin() const { return m_seconds; }
    /// Whether the checkbox of `mode` is enabled (offered by the selected backend).
    bool isModeEnabled(ExecutionMode mode) const;
    /// Writes results as "csv", "json" or the chart as "png" (atomically); returns an error
    /// message or an empty string.
    QString exportTo(const QString& path, const QString& format);

  public slots:
    void start();
    void stop();
    /// Asks for a file name and exports (format from the extension).
    void exportWithDialog();

  signals:
    void runningChanged(bool running);
    void finished();
    void failed(const QString& message);

  private:
    void onBackendChanged();
    void onSamples(const QVector<sparselab::BenchmarkSample>& samples);
    void onFinished(const QVector<sparselab::BenchmarkSummary>& summaries);
    void setRunning(bool running);
    void fillTable();

    const BackendRegistry* m_registry;
    ModelPtr m_model;
    QComboBox* m_backend;
    std::map<ExecutionMode, QCheckBox*> m_modeBoxes;
    QSpinBox* m_threads;
    QSpinBox* m_batch;
    QDoubleSpinBox* m_seconds;
    QPushButton* m_run;
    QPushButton* m_export;
    QCustomPlot* m_chart;
    QTableWidget* m_table;
    QLabel* m_status;
    RepaintCoalescer* m_replot;
    QThread m_thread;
    BenchmarkWorker* m_worker;
    std::vector<BenchmarkRow> m_rows;
    std::map<ExecutionMode, int> m_graphOf;
    bool m_running = false;
};

/// "dense", "sparse-weights", ... as a QString.
QString modeName(ExecutionMode mode);

}  // namespace sparselab

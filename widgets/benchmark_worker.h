#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <atomic>
#include <string>
#include <vector>

#include "core/backend.h"
#include "widgets/model_controller.h"

namespace sparselab {

/// What to benchmark: one backend, several modes, run round-robin for `seconds`.
struct BenchmarkRequest {
    ModelPtr model;
    std::string backend = "cpu-dense";
    std::vector<ExecutionMode> modes;
    int threads = 1;
    int batch = 1;
    double seconds = 3.0;
};

/// One timed run of one batch.
struct BenchmarkSample {
    ExecutionMode mode{};
    double atSeconds = 0.0;    ///< since the benchmark started
    double msPerSample = 0.0;  ///< batch time / batch size
};

/// Per-mode outcome of a whole benchmark.
struct BenchmarkSummary {
    ExecutionMode mode{};
    int runs = 0;
    double medianMsPerSample = 0.0;
    double samplesPerSecond = 0.0;
    /// Empty, or what went wrong on the way, e.g. the FPGA failed mid-run and the remaining runs
    /// were timed on the CPU fallback.
    QString note;
};

/// Runs benchmarks on a worker QThread. Samples are sent in small groups (every ~25 ms) so the
/// GUI is never flooded; stop() is thread-safe and ends the run after the current batch.
class BenchmarkWorker : public QObject {
    Q_OBJECT
  public:
    /// `registry` must outlive the worker.
    explicit BenchmarkWorker(const BackendRegistry* registry, QObject* parent = nullptr);

    /// Thread-safe: asks a running benchmark to stop soon.
    void stop() { m_stop.store(true); }

  public slots:
    void run(sparselab::BenchmarkRequest request);

  signals:
    void started();
    void samples(QVector<sparselab::BenchmarkSample> samples);
    /// A requested mode could not be prepared (the reason names backend and mode).
    void modeSkipped(sparselab::ExecutionMode mode, QString reason);
    void finished(QVector<sparselab::BenchmarkSummary> summaries);
    void failed(QString message);

  private:
    const BackendRegistry* m_registry;
    std::atomic<bool> m_stop{false};
};

}  // namespace sparselab

Q_DECLARE_METATYPE(sparselab::BenchmarkRequest)
Q_DECLARE_METATYPE(sparselab::BenchmarkSample)
Q_DECLARE_METATYPE(sparselab::BenchmarkSummary)
Q_DECLARE_METATYPE(sparselab::ExecutionMode)

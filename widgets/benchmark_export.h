#pragma once

#include <QString>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/model_stats.h"

namespace sparselab {

/// One line of the benchmark table, as shown and exported.
struct BenchmarkRow {
    ExecutionMode mode{};
    int runs = 0;
    double medianMsPerSample = 0.0;
    double samplesPerSecond = 0.0;
    double measuredSpeedup = 0.0;  ///< dense median / this median; 0 when dense was not run
    double macLimitSpeedup = 1.0;  ///< dense MACs / MACs this mode must still compute
};

/// Context written next to the rows.
struct BenchmarkInfo {
    std::string model, backend;
    int threads = 1, batch = 1;
};

/// Dense MACs divided by the MACs a mode still computes: sparse weights skip zero weights,
/// sparse activations skip inputs k-winners zeroed, sparse-sparse skips both (ModelStats).
double macLimitSpeedup(const ModelStats& stats, ExecutionMode mode);

/// CSV with a header line (mode,runs,median_ms_per_sample,samples_per_second,...).
std::string benchmarkToCsv(const BenchmarkInfo& info, const std::vector<BenchmarkRow>& rows);
/// JSON object {model, backend, threads, batch, results: [...]} (indented).
std::string benchmarkToJson(const BenchmarkInfo& info, const std::vector<BenchmarkRow>& rows);

/// Writes `bytes` to `path` atomically; returns an empty string or the error message.
QString writeExport(const QString& path, const std::string& bytes);

}  // namespace sparselab

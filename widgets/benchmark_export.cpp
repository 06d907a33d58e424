#include "benchmark_export.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

#include "core/atomic_file.h"

namespace sparselab {

double macLimitSpeedup(const ModelStats& stats, ExecutionMode mode) {
    double dense = 0, left = 0;
    for (const LayerStats& l : stats.layers) {
        if (l.denseMacs == 0) continue;
        dense += double(l.denseMacs);
        const double weightDensity = 1.0 - l.weightSparsity;
        switch (mode) {
            case ExecutionMode::Dense:
                left += double(l.denseMacs);
                break;
            case ExecutionMode::SparseWeights:
                left += double(l.denseMacs) * weightDensity;
                break;
            case ExecutionMode::SparseActivations:
                left += double(l.denseMacs) * l.inputDensity;
                break;
            case ExecutionMode::SparseSparse:
                left += l.sparseMacs;
                break;
        }
    }
    return left > 0 ? dense / left : 1.0;
}

std::string benchmarkToCsv(const BenchmarkInfo& info, const std::vector<BenchmarkRow>& rows) {
    std::string out =
        "model,backend,threads,batch,mode,runs,median_ms_per_sample,samples_per_second,"
        "measured_speedup,mac_limit_speedup\n";
    char line[512];
    for (const BenchmarkRow& r : rows) {
        std::snprintf(line, sizeof line, "%s,%s,%d,%d,%s,%d,%.6f,%.3f,%.4f,%.4f\n",
                      info.model.c_str(), info.backend.c_str(), info.threads, info.batch,
                      std::string(toString(r.mode)).c_str(), r.runs, r.medianMsPerSample,
                      r.samplesPerSecond, r.measuredSpeedup, r.macLimitSpeedup);
        out += line;
    }
    return out;
}

std::string benchmarkToJson(const BenchmarkInfo& info, const std::vector<BenchmarkRow>& rows) {
    QJsonArray results;
    for (const BenchmarkRow& r : rows) {
        results.append(QJsonObject{
            {"mode", QString::fromUtf8(toString(r.mode).data())},
            {"runs", r.runs},
            {"median_ms_per_sample", r.medianMsPerSample},
            {"samples_per_second", r.samplesPerSecond},
            {"measured_speedup", r.measuredSpeedup},
            {"mac_limit_speedup", r.macLimitSpeedup},
        });
    }
    const QJsonObject root{{"model", QString::fromStdString(info.model)},
                           {"backend", QString::fromStdString(info.backend)},
                           {"threads", info.threads},
                           {"batch", info.batch},
                           {"results", results}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented).toStdString();
}

QString writeExport(const QString& path, const std::string& bytes) {
    try {
        writeFileAtomically(path.toStdString(), bytes);
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

}  // namespace sparselab

#include "benchmark_worker.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "core/error.h"
#include "fpga/fpga_backend.h"

namespace sparselab {

BenchmarkWorker::BenchmarkWorker(const BackendRegistry* registry, QObject* parent)
    : QObject(parent), m_registry(registry) {}

void BenchmarkWorker::run(BenchmarkRequest request) {
    m_stop.store(false);
    emit started();
    using Clock = std::chrono::steady_clock;
    try {
        if (!request.model) throw Error("no model is loaded");
        const Backend& backend = m_registry->require(request.backend);
        struct Lane {
            ExecutionMode mode;
            std::unique_ptr<Executor> executor;
            std::vector<double> times;
        };
        std::vector<Lane> lanes;
        const auto offered = backend.modes();
        for (ExecutionMode mode : request.modes) {
            if (std::find(offered.begin(), offered.end(), mode) == offered.end()) {
                emit modeSkipped(mode, QStringLiteral("%1 does not implement %2")
                                           .arg(QString::fromStdString(backend.name()),
                                                QString::fromUtf8(toString(mode).data())));
                continue;
            }
            try {
                PrepareOptions options;
                options.mode = mode;
                options.threads = std::max(1, request.threads);
                lanes.push_back({mode, backend.prepare(request.model, options), {}});
            } catch (const std::exception& e) {
                emit modeSkipped(mode, QString::fromStdString(e.what()));
            }
        }
        if (lanes.empty()) throw Error("no requested mode can run on " + backend.name());

        const int batch = std::max(1, request.batch);
        Shape shape{batch};
        shape.insert(shape.end(), request.model->inputShape.begin(),
                     request.model->inputShape.end());
        Tensor input(shape);
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        for (float& v : input.values()) v = normal(rng);
        for (Lane& lane : lanes) lane.executor->run(input);  // warm-up: caches, scratch buffers

        const auto start = Clock::now();
        auto lastEmit = start;
        QVector<BenchmarkSample> pending;
        while (!m_stop.load()) {
            for (Lane& lane : lanes) {
                const auto t0 = Clock::now();
                lane.executor->run(input);
                const auto t1 = Clock::now();
                const double ms =
                    std::chrono::duration<double, std::milli>(t1 - t0).count() / batch;
                lane.times.push_back(ms);
                pending.push_back(
                    {lane.mode, std::chrono::duration<double>(t1 - start).count(), ms});
            }
            const auto now = Clock::now();
            if (now - lastEmit > std::chrono::milliseconds(25)) {
                emit samples(pending);
                pending.clear();
                lastEmit = now;
            }
            if (std::chrono::duration<double>(now - start).count() >= request.seconds) break;
        }
        if (!pending.isEmpty()) emit samples(pending);
        QVector<BenchmarkSummary> out;
        for (Lane& lane : lanes) {
            BenchmarkSummary s;
            s.mode = lane.mode;
            s.runs = static_cast<int>(lane.times.size());
            if (auto* fpga = dynamic_cast<const FpgaExecutor*>(lane.executor.get()))
                if (const FpgaRunStats st = fpga->stats(); st.failedOver)
                    s.note = QString::fromStdString(st.message);
            if (!lane.times.empty()) {
                auto t = lane.times;
                std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
                s.medianMsPerSample = t[t.size() / 2];
                s.samplesPerSecond = s.medianMsPerSample > 0 ? 1000.0 / s.medianMsPerSample : 0;
            }
            out.push_back(s);
        }
        emit finished(out);
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
    }
}

}  // namespace sparselab

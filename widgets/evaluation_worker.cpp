#include "evaluation_worker.h"

#include <QFileInfo>
#include <algorithm>
#include <chrono>

#include "widgets/audio_features.h"
#include "widgets/inference_worker.h"

namespace sparselab {

struct EvaluationWorker::EvalSet {
    Tensor batch;                ///< [n, 1, nMels, frames]
    std::vector<QString> words;  ///< label word per clip
    int count = 0;
};

EvaluationWorker::EvaluationWorker(const BackendRegistry* registry, QObject* parent)
    : QObject(parent), m_registry(registry) {}

EvaluationWorker::~EvaluationWorker() = default;

void EvaluationWorker::setClipFiles(QStringList files) {
    m_files = std::move(files);
    m_set.reset();
    m_basePredicted.reset();
}

std::vector<int> EvaluationWorker::predict(const ModelPtr& model) {
    auto executor = prepareBestCpu(*m_registry, model);
    const Tensor out = executor->run(m_set->batch);
    const int64_t classes = out.dim(1);
    std::vector<int> top(static_cast<size_t>(m_set->count));
    for (int i = 0; i < m_set->count; ++i) {
        const float* row = out.data() + i * classes;
        top[static_cast<size_t>(i)] = static_cast<int>(std::max_element(row, row + classes) - row);
    }
    return top;
}

void EvaluationWorker::evaluate(ModelPtr model, ModelPtr base, quint64 generation) {
    if (generation < m_latest.load() || !model) return;
    EvaluationResult r;
    r.generation = generation;
    try {
        const FeatureParams& fp = model->metadata.features;
        if (!m_set && !m_files.isEmpty()) {
            auto set = std::make_unique<EvalSet>();
            std::vector<float> all;
            for (const QString& f : m_files) {
                const Tensor x = computeFeatures(fp, loadAudioSamples(f, fp.sampleRate));
                all.insert(all.end(), x.values().begin(), x.values().end());
                set->words.push_back(labelFromClipName(f));
            }
            set->count = static_cast<int>(set->words.size());
            set->batch = Tensor({set->count, 1, fp.nMels, fp.frames}, std::move(all));
            m_set = std::move(set);
        }
        // Latency: median of single-clip runs on the best CPU executor.
        auto executor = prepareBestCpu(*m_registry, model);
        r.mode = QStringLiteral("cpu/%1").arg(
            QString::fromStdString(std::string(toString(executor->mode()))));
        Tensor one(Shape(model->inputShape.begin(), model->inputShape.end()), 0.0f);
        if (m_set && m_set->count > 0) std::copy_n(m_set->batch.data(), one.size(), one.data());
        std::vector<double> times;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(120);
        for (int i = 0; i < 25 && (i < 3 || std::chrono::steady_clock::now() < deadline); ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            executor->run(one);
            times.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
        r.latencyMs = times[times.size() / 2];
        if (m_set && m_set->count > 0 && generation >= m_latest.load()) {
            r.clips = m_set->count;
            if (m_basePredicted != base) {
                m_basePredictions = predict(base);
                m_basePredicted = base;
            }
            const std::vector<int> top = predict(model);
            int agree = 0, labelled = 0, right = 0;
            const auto& labels = model->metadata.labels;
            for (int i = 0; i < m_set->count; ++i) {
                agree += top[size_t(i)] == m_basePredictions[size_t(i)];
                const auto it =
                    std::find(labels.begin(), labels.end(), m_set->words[size_t(i)].toStdString());
                if (it == labels.end()) continue;
                ++labelled;
                right += top[size_t(i)] == int(it - labels.begin());
            }
            r.agreement = double(agree) / m_set->count;
            if (labelled) r.accuracy = double(right) / labelled;
        }
    } catch (const std::exception& e) {
        r.error = QString::fromStdString(e.what());
    }
    emit finished(r);
}

}  // namespace sparselab

#include "inference_worker.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "widgets/audio_features.h"

namespace sparselab {

int InferenceResult::topClass() const {
    if (probabilities.empty()) return -1;
    return static_cast<int>(std::max_element(probabilities.begin(), probabilities.end()) -
                            probabilities.begin());
}

struct InferenceWorker::Cached {
    ModelPtr model;
    std::unique_ptr<Executor> executor;
};

std::unique_ptr<Executor> prepareBestCpu(const BackendRegistry& registry, ModelPtr model,
                                         int threads) {
    PrepareOptions options;
    options.threads = threads;
    if (const Backend* sparse = registry.find("cpu-sparse"); sparse && sparse->status().available) {
        const auto modes = sparse->modes();
        if (std::find(modes.begin(), modes.end(), ExecutionMode::SparseSparse) != modes.end()) {
            options.mode = ExecutionMode::SparseSparse;
            return sparse->prepare(std::move(model), options);
        }
    }
    options.mode = ExecutionMode::Dense;
    return registry.require("cpu-dense").prepare(std::move(model), options);
}

std::vector<float> toProbabilities(const Model& model, std::span<const float> output) {
    std::vector<float> p(output.begin(), output.end());
    if (p.empty()) return p;
    const LayerKind last = model.layers.empty() ? LayerKind::Linear : model.layers.back().kind();
    if (last == LayerKind::Softmax) return p;
    if (last == LayerKind::LogSoftmax) {
        for (float& v : p) v = std::exp(v);
    } else {
        const float mx = *std::max_element(p.begin(), p.end());
        for (float& v : p) v = std::exp(v - mx);
    }
    float sum = 0;
    for (float v : p) sum += v;
    if (sum > 0)
        for (float& v : p) v /= sum;
    return p;
}

InferenceWorker::InferenceWorker(const BackendRegistry* registry, QObject* parent)
    : QObject(parent), m_registry(registry) {}

InferenceWorker::~InferenceWorker() = default;

Executor& InferenceWorker::executorFor(const ModelPtr& model, std::unique_ptr<Cached>& cache) {
    if (!cache || cache->model != model) {
        cache = std::make_unique<Cached>();
        cache->model = model;
        cache->executor = prepareBestCpu(*m_registry, model);
    }
    return *cache->executor;
}

namespace {

std::vector<LayerActivation> runWithTap(Executor& executor, const Tensor& input,
                                        Tensor* output = nullptr) {
    std::vector<LayerActivation> acts;
    const Model& model = executor.model();
    const ActivationTap tap = [&](const LayerOutput& lo) {
        LayerActivation a;
        a.index = lo.index;
        a.name = lo.layer->name;
        a.kind = lo.layer->kind();
        a.shape.assign(lo.output->shape().begin() + 1, lo.output->shape().end());
        const int64_t n = numel(a.shape);
        a.values.assign(lo.output->data(), lo.output->data() + n);
        a.nonzeros = n - std::count(a.values.begin(), a.values.end(), 0.0f);
        if (const auto* kw = std::get_if<KWinnersParams>(&lo.layer->params)) {
            const Shape& in = lo.index == 0 ? model.inputShape : acts.back().shape;
            const int64_t perSelection = KWinnersParams::selectionSize(in, kw->local);
            a.expectedWinners =
                int64_t(kw->inferenceK(in)) * (n / std::max<int64_t>(1, perSelection));
        }
        acts.push_back(std::move(a));
    };
    Tensor out = executor.run(input, tap);
    if (output) *output = std::move(out);
    return acts;
}

}  // namespace

void InferenceWorker::analyse(ModelPtr model, ModelPtr denseReference, QVector<float> samples,
                              QString source, quint64 id) {
    InferenceResult r;
    r.id = id;
    r.source = source;
    try {
        if (!model) throw Error("no model is loaded");
        const FeatureParams& fp = model->metadata.features;
        Tensor features =
            computeFeatures(fp, std::span<const float>(samples.data(), samples.size()));
        Executor& sparse = executorFor(model, m_sparseCache);
        Tensor out;
        const auto t0 = std::chrono::steady_clock::now();
        r.sparse = runWithTap(sparse, features, &out);
        r.latencyMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        r.probabilities = toProbabilities(*model, out.values());
        r.labels = model->metadata.labels;
        if (denseReference)
            r.dense = runWithTap(executorFor(denseReference, m_denseCache), features);
        features.reshape({fp.nMels, fp.frames});
        r.features = std::move(features);
    } catch (const std::exception& e) {
        r.error = QString::fromStdString(e.what());
    }
    emit finished(r);
}

}  // namespace sparselab

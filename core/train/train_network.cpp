#include "train_network.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/sparse/pruning.h"
#include "core/sparse/sparse_formats.h"

namespace sparselab::train {

void Parameter::applyMask() {
    if (mask.empty()) return;
    for (size_t i = 0; i < value.size(); ++i)
        if (!mask[i]) value[i] = 0.0f, grad[i] = 0.0f;
}

int64_t Parameter::allowed() const {
    if (mask.empty()) return size();
    return std::count(mask.begin(), mask.end(), uint8_t{1});
}

TrainNetwork TrainNetwork::fromModel(const Model& model, const NetworkOptions& options) {
    TrainNetwork net;
    net.m_inputShape = model.inputShape;
    const std::vector<Shape> shapes = model.layerOutputShapes();
    int lastLinear = -1;
    for (size_t i = 0; i < model.layers.size(); ++i)
        if (model.layers[i].is<LinearParams>()) lastLinear = static_cast<int>(i);
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const Layer& l = model.layers[i];
        const bool last = i + 1 == model.layers.size();
        switch (l.kind()) {
            case LayerKind::Conv2d: {
                const auto& p = l.as<Conv2dParams>();
                net.m_layers.push_back(
                    makeConv2d(l.name, p, options.keepZeroWeights && p.weight.countZeros() > 0));
                if (options.batchNorm)
                    net.m_layers.push_back(makeBatchNorm(l.name + ".bn", p.outChannels()));
                break;
            }
            case LayerKind::Linear: {
                const auto& p = l.as<LinearParams>();
                net.m_layers.push_back(
                    makeLinear(l.name, p, options.keepZeroWeights && p.weight.countZeros() > 0));
                if (options.batchNorm && static_cast<int>(i) != lastLinear)
                    net.m_layers.push_back(makeBatchNorm(l.name + ".bn", p.outFeatures()));
                break;
            }
            case LayerKind::MaxPool2d:
                net.m_layers.push_back(makeMaxPool2d(l.name, l.as<MaxPool2dParams>()));
                break;
            case LayerKind::ReLU:
                net.m_layers.push_back(makeReLU(l.name));
                break;
            case LayerKind::Flatten:
                if (l.as<FlattenParams>().axis != 1)
                    throw Error("layer '" + l.name + "': only Flatten(axis=1) can be trained");
                net.m_layers.push_back(makeFlatten(l.name));
                break;
            case LayerKind::KWinners:
                net.m_layers.push_back(makeKWinners(l.name, l.as<KWinnersParams>()));
                break;
            case LayerKind::Softmax:
            case LayerKind::LogSoftmax:
                if (!last)
                    throw Error("layer '" + l.name + "': softmax is only supported at the end");
                break;
            case LayerKind::BatchNorm:
                throw Error("layer '" + l.name +
                            "': a BatchNorm that is not folded cannot be trained");
        }
    }
    (void)shapes;
    return net;
}

const Tensor& TrainNetwork::forward(const Tensor& input, const PassContext& ctx) {
    m_activations.resize(m_layers.size());
    const Tensor* x = &input;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        m_layers[i]->forward(*x, m_activations[i], ctx);
        x = &m_activations[i];
    }
    return *x;
}

void TrainNetwork::backward(const Tensor& gradLogits, const PassContext& ctx) {
    // m_grads[i] = dLoss/d(input of layer i); one buffer per boundary keeps every size stable
    // from batch to batch (no reallocation or zero-filling).
    m_grads.resize(m_layers.size());
    const Tensor* g = &gradLogits;
    for (size_t i = m_layers.size(); i-- > 0;) {
        m_layers[i]->backward(*g, i > 0 ? &m_grads[i] : nullptr, ctx);
        g = &m_grads[i];
    }
}

std::vector<Parameter*> TrainNetwork::parameters() {
    std::vector<Parameter*> all;
    for (auto& l : m_layers)
        for (Parameter* p : l->parameters()) all.push_back(p);
    return all;
}

void TrainNetwork::zeroGradients() {
    for (Parameter* p : parameters()) std::fill(p->grad.begin(), p->grad.end(), 0.0f);
}

void TrainNetwork::applyMasks() {
    for (Parameter* p : parameters()) p->applyMask();
}

namespace {

/// The weight of a Conv2d or Linear layer (its first, multi-dimensional parameter); nullptr for
/// every other layer.
Parameter* weightOf(const TrainLayer& layer) {
    const std::vector<Parameter*> params = const_cast<TrainLayer&>(layer).parameters();
    return !params.empty() && params[0]->shape.size() >= 2 ? params[0] : nullptr;
}

}  // namespace

bool TrainNetwork::hasWeightLayer(const std::string& name) const {
    return std::any_of(m_layers.begin(), m_layers.end(),
                       [&](const TrainLayerPtr& l) { return l->name() == name && weightOf(*l); });
}

void TrainNetwork::pruneByMagnitude(const std::map<std::string, double>& sparsity) {
    for (auto& l : m_layers)  // from dense (narrowMasks names a layer it cannot prune)
        if (Parameter* w = weightOf(*l); w && sparsity.count(l->name())) w->mask.clear();
    narrowMasks(sparsity, false);
}

void TrainNetwork::narrowMasks(const std::map<std::string, double>& sparsity, bool structured) {
    std::map<std::string, double> left = sparsity;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        TrainLayer& l = *m_layers[i];
        auto it = left.find(l.name());
        if (it == left.end()) continue;
        const double s = it->second;
        left.erase(it);
        Parameter* weight = weightOf(l);
        if (!weight)
            throw Error("layer '" + l.name() + "' is not a Conv2d or Linear layer to prune");
        if (!(s >= 0.0 && s <= 1.0))
            throw Error("weight sparsity of layer '" + l.name() + "' must be in [0, 1], got " +
                        std::to_string(s));
        Parameter& w = *weight;
        const int64_t outs = w.shape[0], fanIn = w.size() / outs;
        std::vector<uint8_t> keep;
        if (structured && outs > kSparseBlock) {
            std::vector<float> scale;
            if (i + 1 < m_layers.size()) scale = m_layers[i + 1]->inferenceScale();
            if (int64_t(scale.size()) != outs) scale.clear();
            keep =
                structuredKeepMask(w.value, outs, w.shape[1], fanIn / w.shape[1], s, scale, w.mask);
        } else {
            // Per output unit (nupic.torch's fixed number of non-zeros per unit).
            const auto count =
                std::clamp<int64_t>(std::llround((1.0 - s) * double(fanIn)), 1, fanIn);
            keep.assign(w.value.size(), 0);
            std::vector<int64_t> idx(static_cast<size_t>(fanIn));
            for (int64_t o = 0; o < outs; ++o) {
                const size_t row = static_cast<size_t>(o * fanIn);
                // Ranked by magnitude; weights outside the mask rank last and are never kept.
                auto rank = [&](int64_t k) {
                    const size_t at = row + static_cast<size_t>(k);
                    return w.mask.empty() || w.mask[at] ? std::abs(w.value[at]) : -1.0f;
                };
                std::iota(idx.begin(), idx.end(), 0);
                std::partial_sort(idx.begin(), idx.begin() + count, idx.end(),
                                  [&](int64_t a, int64_t b) {
                                      const float ra = rank(a), rb = rank(b);
                                      return ra > rb || (ra == rb && a < b);
                                  });
                for (int64_t k = 0; k < count; ++k)
                    if (rank(idx[size_t(k)]) >= 0.0f) keep[row + size_t(idx[size_t(k)])] = 1;
            }
        }
        w.mask = std::move(keep);
        w.applyMask();
    }
    if (!left.empty())
        throw Error("the network has no Conv2d or Linear layer named '" + left.begin()->first +
                    "' to prune");
}

double TrainNetwork::weightSparsity(const std::vector<std::string>& layers) const {
    int64_t zeros = 0, total = 0;
    for (const auto& l : m_layers) {
        if (std::find(layers.begin(), layers.end(), l->name()) == layers.end()) continue;
        const Parameter* w = weightOf(*l);
        if (!w) continue;
        zeros += std::count(w->value.begin(), w->value.end(), 0.0f);
        total += w->size();
    }
    return total > 0 ? double(zeros) / double(total) : 0.0;
}

void TrainNetwork::endEpoch() {
    for (auto& l : m_layers) l->endEpoch();
}

StateMap TrainNetwork::state() const {
    StateMap s;
    for (const auto& l : m_layers) {
        for (Parameter* p : const_cast<TrainLayer&>(*l).parameters()) {
            s[p->name] = p->value;
            if (!p->mask.empty()) s[p->name + ".mask"].assign(p->mask.begin(), p->mask.end());
        }
        l->saveState(s);
    }
    return s;
}

void TrainNetwork::loadState(const StateMap& s) {
    for (auto& l : m_layers) {
        for (Parameter* p : l->parameters()) {
            auto it = s.find(p->name);
            if (it == s.end() || it->second.size() != p->value.size())
                throw Error("checkpoint has no valid '" + p->name + "'");
            p->value = it->second;
            auto m = s.find(p->name + ".mask");
            if (m != s.end()) {
                if (m->second.size() != p->value.size())
                    throw Error("checkpoint has no valid '" + p->name + ".mask'");
                p->mask.assign(m->second.size(), 0);
                for (size_t i = 0; i < m->second.size(); ++i) p->mask[i] = m->second[i] != 0.0f;
            } else {
                p->mask.clear();
            }
        }
        l->loadState(s);
    }
}

Model TrainNetwork::toModel(const ModelMetadata& metadata, const std::string& name) const {
    Model m;
    m.name = name;
    m.inputShape = m_inputShape;
    for (const auto& l : m_layers) l->exportTo(m.layers);
    m.layers.push_back(Layer{"logsoftmax", LogSoftmaxParams{}});
    m.metadata = metadata;
    foldBatchNorms(m);
    m.validate();
    return m;
}

namespace {

/// log(sum(exp(z / t))) of one row, stable.
double logSumExp(const float* z, int64_t c, double t) {
    const double mx = double(*std::max_element(z, z + c)) / t;
    double sum = 0.0;
    for (int64_t i = 0; i < c; ++i) sum += std::exp(double(z[i]) / t - mx);
    return std::log(sum) + mx;
}

}  // namespace

double softmaxCrossEntropy(const Tensor& logits, const std::vector<int>& labels, Tensor& grad,
                           int64_t* correct, const SoftTargets* soft, const LabelTargets* targets) {
    const int64_t n = logits.dim(0), c = logits.dim(1);
    if (static_cast<int64_t>(labels.size()) != n)
        throw Error("softmaxCrossEntropy: " + std::to_string(labels.size()) + " labels for " +
                    std::to_string(n) + " samples");
    if (soft && soft->teacherLogits.shape() != logits.shape())
        throw Error("softmaxCrossEntropy: the teacher's outputs " +
                    shapeToString(soft->teacherLogits.shape()) + " do not match the logits " +
                    shapeToString(logits.shape()));
    const double w = soft ? soft->weight : 0.0, t = soft ? soft->temperature : 1.0;
    const bool mixed = targets && !targets->mixLabels.empty();
    if (mixed && (static_cast<int64_t>(targets->mixLabels.size()) != n ||
                  static_cast<int64_t>(targets->mixWeights.size()) != n))
        throw Error("softmaxCrossEntropy: " + std::to_string(targets->mixLabels.size()) +
                    " mixup labels and " + std::to_string(targets->mixWeights.size()) +
                    " weights for " + std::to_string(n) + " samples");
    const double eps = targets ? targets->smoothing : 0.0;
    std::vector<double> q(static_cast<size_t>(c));
    grad.resize(logits.shape());
    double loss = 0.0;
    int64_t hits = 0;
    for (int64_t b = 0; b < n; ++b) {
        const float* z = logits.data() + b * c;
        float* g = grad.data() + b * c;
        const int64_t best = std::max_element(z, z + c) - z;
        const double logSum = logSumExp(z, c, 1.0);
        const int y = labels[static_cast<size_t>(b)];
        if (y < 0 || y >= c) throw Error("softmaxCrossEntropy: label out of range");
        hits += best == y;
        // The label term's target distribution q (one-hot unless smoothed or mixed).
        std::fill(q.begin(), q.end(), eps / double(c));
        if (mixed) {
            const int y2 = targets->mixLabels[static_cast<size_t>(b)];
            if (y2 < 0 || y2 >= c) throw Error("softmaxCrossEntropy: mixup label out of range");
            const double m = targets->mixWeights[static_cast<size_t>(b)];
            q[size_t(y)] += (1.0 - eps) * (1.0 - m);
            q[size_t(y2)] += (1.0 - eps) * m;
        } else {
            q[size_t(y)] += 1.0 - eps;
        }
        for (int64_t i = 0; i < c; ++i) {
            const double logP = double(z[i]) - logSum;
            if (q[size_t(i)] > 0.0) loss -= (1.0 - w) * q[size_t(i)] * logP;
            g[i] = float((1.0 - w) * (std::exp(logP) - q[size_t(i)]) / double(n));
        }
        if (w == 0.0) continue;
        const float* zt = soft->teacherLogits.data() + b * c;
        const double logSumS = logSumExp(z, c, t), logSumT = logSumExp(zt, c, t);
        for (int64_t i = 0; i < c; ++i) {
            const double logPs = double(z[i]) / t - logSumS, logPt = double(zt[i]) / t - logSumT;
            const double pt = std::exp(logPt);
            loss += w * t * t * pt * (logPt - logPs);
            g[i] += float(w * t * (std::exp(logPs) - pt) / double(n));
        }
    }
    if (correct) *correct = hits;
    return loss / double(n);
}

}  // namespace sparselab::train

#include "train_network.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

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

void TrainNetwork::pruneByMagnitude(const std::map<std::string, double>& sparsity) {
    for (auto& l : m_layers) {
        auto it = sparsity.find(l->name());
        if (it == sparsity.end()) continue;
        Parameter* w = l->parameters().at(0);
        const int64_t outs = static_cast<int64_t>(l->parameters().at(1)->value.size());
        const int64_t fanIn = w->size() / outs;
        const auto keep =
            std::clamp<int64_t>(std::llround((1.0 - it->second) * double(fanIn)), 1, fanIn);
        w->mask.assign(w->value.size(), 0);
        std::vector<int64_t> idx(static_cast<size_t>(fanIn));
        for (int64_t o = 0; o < outs; ++o) {
            const float* row = w->value.data() + o * fanIn;
            std::iota(idx.begin(), idx.end(), 0);
            std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(),
                              [&](int64_t a, int64_t b) {
                                  return std::abs(row[a]) > std::abs(row[b]) ||
                                         (std::abs(row[a]) == std::abs(row[b]) && a < b);
                              });
            for (int64_t i = 0; i < keep; ++i)
                w->mask[static_cast<size_t>(o * fanIn + idx[static_cast<size_t>(i)])] = 1;
        }
        w->applyMask();
    }
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
                           int64_t* correct, const SoftTargets* soft) {
    const int64_t n = logits.dim(0), c = logits.dim(1);
    if (static_cast<int64_t>(labels.size()) != n)
        throw Error("softmaxCrossEntropy: " + std::to_string(labels.size()) + " labels for " +
                    std::to_string(n) + " samples");
    if (soft && soft->teacherLogits.shape() != logits.shape())
        throw Error("softmaxCrossEntropy: the teacher's outputs " +
                    shapeToString(soft->teacherLogits.shape()) + " do not match the logits " +
                    shapeToString(logits.shape()));
    const double w = soft ? soft->weight : 0.0, t = soft ? soft->temperature : 1.0;
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
        loss -= (1.0 - w) * (double(z[y]) - logSum);
        hits += best == y;
        for (int64_t i = 0; i < c; ++i)
            g[i] = float((1.0 - w) * (std::exp(double(z[i]) - logSum) - (i == y ? 1.0 : 0.0)) /
                         double(n));
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

#include "int8_reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/dense_ops.h"
#include "core/error.h"

namespace sparselab::quant {

std::vector<int8_t> quantizeInput(const QuantizedModel& qm, std::span<const float> sample) {
    std::vector<int8_t> q(sample.size());
    for (size_t i = 0; i < sample.size(); ++i)
        q[i] = saturateInt8(std::llround(sample[i] / qm.inputScale));
    return q;
}

namespace ops {

std::vector<int32_t> conv2d(const QuantLayer& l, std::span<const int8_t> in) {
    const auto& p = l.layer.as<Conv2dParams>();
    const int64_t cin = l.inputShape[0], h = l.inputShape[1], w = l.inputShape[2];
    const int64_t cout = l.outputShape[0], ho = l.outputShape[1], wo = l.outputShape[2];
    const int kh = p.kernelH(), kw = p.kernelW();
    std::vector<int32_t> acc(static_cast<size_t>(cout * ho * wo));
    for (int64_t o = 0; o < cout; ++o)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x) {
                int32_t sum = l.bias[static_cast<size_t>(o)];
                for (int64_t c = 0; c < cin; ++c)
                    for (int i = 0; i < kh; ++i) {
                        const int64_t sy = y * p.strideH + i - p.padTop;
                        if (sy < 0 || sy >= h) continue;
                        for (int j = 0; j < kw; ++j) {
                            const int64_t sx = x * p.strideW + j - p.padLeft;
                            if (sx < 0 || sx >= w) continue;
                            sum += int32_t(l.weight[size_t(((o * cin + c) * kh + i) * kw + j)]) *
                                   int32_t(in[size_t((c * h + sy) * w + sx)]);
                        }
                    }
                acc[static_cast<size_t>((o * ho + y) * wo + x)] = sum;
            }
    return acc;
}

std::vector<int32_t> linear(const QuantLayer& l, std::span<const int8_t> in) {
    const int64_t fin = numel(l.inputShape), fout = numel(l.outputShape);
    std::vector<int32_t> acc(static_cast<size_t>(fout));
    for (int64_t o = 0; o < fout; ++o) {
        int32_t sum = l.bias[static_cast<size_t>(o)];
        const int8_t* row = l.weight.data() + o * fin;
        for (int64_t i = 0; i < fin; ++i) sum += int32_t(row[i]) * int32_t(in[size_t(i)]);
        acc[static_cast<size_t>(o)] = sum;
    }
    return acc;
}

std::vector<int8_t> maxPool2d(const QuantLayer& l, std::span<const int8_t> in) {
    const auto& p = l.layer.as<MaxPool2dParams>();
    const int64_t c = l.inputShape[0], h = l.inputShape[1], w = l.inputShape[2];
    const int64_t ho = l.outputShape[1], wo = l.outputShape[2];
    std::vector<int8_t> out(static_cast<size_t>(c * ho * wo));
    for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x) {
                int best = -128;  // below every int8 activation, like -inf for padding
                for (int i = 0; i < p.kernelH; ++i) {
                    const int64_t sy = y * p.strideH + i - p.padTop;
                    if (sy < 0 || sy >= h) continue;
                    for (int j = 0; j < p.kernelW; ++j) {
                        const int64_t sx = x * p.strideW + j - p.padLeft;
                        if (sx >= 0 && sx < w)
                            best = std::max(best, int(in[size_t((ch * h + sy) * w + sx)]));
                    }
                }
                out[static_cast<size_t>((ch * ho + y) * wo + x)] = static_cast<int8_t>(best);
            }
    return out;
}

std::vector<int8_t> relu(std::span<const int8_t> in) {
    std::vector<int8_t> out(in.begin(), in.end());
    for (auto& v : out) v = std::max<int8_t>(v, 0);
    return out;
}

std::vector<int8_t> kWinners(const QuantLayer& l, std::span<const int8_t> in) {
    const auto& p = l.layer.as<KWinnersParams>();
    const bool image = l.inputShape.size() == 3;
    const bool local = p.local && image;
    const int64_t units = numel(l.inputShape);
    const int64_t channels = image ? l.inputShape[0] : units;
    const int64_t inner = units / channels;
    const int64_t sel = local ? channels : units;
    auto key = [&](int64_t u) {
        const int32_t b =
            l.boostQ.empty() ? (1 << kBoostFractionBits) : l.boostQ[static_cast<size_t>(u / inner)];
        return boostedKey(in[static_cast<size_t>(u)], b);
    };
    std::vector<int8_t> out(static_cast<size_t>(units), 0);
    std::vector<int64_t> order(static_cast<size_t>(sel));
    std::vector<int8_t> keys(static_cast<size_t>(sel));
    auto select = [&](int64_t offset, int64_t step) {
        for (int64_t i = 0; i < sel; ++i) keys[size_t(i)] = key(offset + i * step);
        std::iota(order.begin(), order.end(), 0);
        // k largest keys; equal keys: lower index first. A full order, so the result is unique.
        std::stable_sort(order.begin(), order.end(),
                         [&](int64_t a, int64_t b) { return keys[size_t(a)] > keys[size_t(b)]; });
        for (int i = 0; i < l.k; ++i) {
            const auto u = static_cast<size_t>(offset + order[static_cast<size_t>(i)] * step);
            out[u] = p.relu ? std::max<int8_t>(in[u], 0) : in[u];
        }
    };
    if (local) {
        for (int64_t pos = 0; pos < inner; ++pos) select(pos, inner);
    } else {
        select(0, 1);
    }
    return out;
}

}  // namespace ops

std::vector<int32_t> runInt8Logits(const QuantizedModel& qm, std::span<const int8_t> input,
                                   const Int8Tap& tap) {
    std::vector<int8_t> a(input.begin(), input.end());
    if (static_cast<int64_t>(a.size()) != numel(qm.source->inputShape))
        throw Error("int8 input has " + std::to_string(a.size()) + " values, model '" +
                    qm.source->name + "' expects " + shapeToString(qm.source->inputShape));
    for (size_t i = 0; i < qm.layers.size(); ++i) {
        const QuantLayer& l = qm.layers[i];
        std::vector<int32_t> acc;
        switch (l.layer.kind()) {
            case LayerKind::Conv2d:
                acc = ops::conv2d(l, a);
                break;
            case LayerKind::Linear:
                acc = ops::linear(l, a);
                break;
            case LayerKind::MaxPool2d:
                a = ops::maxPool2d(l, a);
                break;
            case LayerKind::KWinners:
                a = ops::kWinners(l, a);
                break;
            case LayerKind::ReLU:
                a = ops::relu(a);
                break;
            case LayerKind::Flatten:
                break;
            default:
                throw Error("layer '" + l.layer.name + "' cannot run in int8");
        }
        if (l.producesLogits) return acc;
        if (!acc.empty()) {
            a.resize(acc.size());
            for (size_t j = 0; j < acc.size(); ++j) a[j] = requantize(acc[j], l.requant);
        }
        if (tap) tap(static_cast<int>(i), a);
    }
    throw Error("quantised model '" + qm.source->name + "' has no logits layer");
}

Tensor finishInFloat(const QuantizedModel& qm, std::span<const int32_t> logits, int64_t n) {
    Shape s{n};
    const Shape& ls = qm.layers.back().outputShape;
    s.insert(s.end(), ls.begin(), ls.end());
    Tensor a(s);
    for (int64_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<float>(double(logits[size_t(i)]) * double(qm.logitScale()));
    Tensor b;
    const auto& layers = qm.source->layers;
    for (size_t i = static_cast<size_t>(qm.logitsLayer) + 1; i < layers.size(); ++i) {
        dense::runLayer(layers[i], a, b);
        std::swap(a, b);
    }
    return a;
}

Tensor runInt8(const QuantizedModel& qm, const Tensor& input) {
    const int64_t per = numel(qm.source->inputShape);
    if (input.size() == 0 || input.size() % per != 0)
        throw Error("input of shape " + shapeToString(input.shape()) + " does not fit model '" +
                    qm.source->name + "' (" + shapeToString(qm.source->inputShape) + ")");
    const int64_t n = input.size() / per;
    std::vector<int32_t> logits;
    for (int64_t b = 0; b < n; ++b) {
        auto q = quantizeInput(qm, input.values().subspan(size_t(b * per), size_t(per)));
        auto l = runInt8Logits(qm, q);
        logits.insert(logits.end(), l.begin(), l.end());
    }
    return finishInFloat(qm, logits, n);
}

Int8Agreement measureAgreement(const QuantizedModel& qm, const Tensor& inputs) {
    const Model& m = *qm.source;
    const int64_t per = numel(m.inputShape);
    const int64_t n = inputs.size() / per;
    Shape s{n};
    s.insert(s.end(), m.inputShape.begin(), m.inputShape.end());
    Tensor batch(s, std::vector<float>(inputs.values().begin(), inputs.values().end()));
    // Float logits: the float model's layers up to the logits layer.
    Tensor a = batch, b;
    for (int i = 0; i <= qm.logitsLayer; ++i) {
        dense::runLayer(m.layers[size_t(i)], a, b);
        std::swap(a, b);
    }
    Int8Agreement r;
    r.samples = n;
    const int64_t classes = qm.logitCount();
    for (int64_t k = 0; k < n; ++k) {
        auto q = quantizeInput(qm, batch.values().subspan(size_t(k * per), size_t(per)));
        const auto logits = runInt8Logits(qm, q);
        const float* f = a.data() + k * classes;
        int64_t fBest = 0, qBest = 0;
        for (int64_t c = 0; c < classes; ++c) {
            const double qv = double(logits[size_t(c)]) * double(qm.logitScale());
            r.maxLogitError = std::max(r.maxLogitError, std::fabs(qv - double(f[c])));
            r.logitRange = std::max(r.logitRange, std::fabs(double(f[c])));
            if (f[c] > f[fBest]) fBest = c;
            if (logits[size_t(c)] > logits[size_t(qBest)]) qBest = c;
        }
        if (fBest == qBest) ++r.sameLabel;
        r.floatLabels.push_back(fBest);
        r.int8Labels.push_back(qBest);
    }
    return r;
}

}  // namespace sparselab::quant

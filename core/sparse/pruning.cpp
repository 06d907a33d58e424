#include "pruning.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "core/error.h"
#include "sparse_formats.h"

namespace sparselab {

namespace {

/// Keeps the `keep` largest magnitudes of w (ties toward the lower index), zeroes the rest.
void pruneUnstructured(Tensor& w, int64_t keep) {
    const int64_t n = w.size();
    if (n - w.countZeros() <= keep) return;
    std::vector<uint64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        const float a = std::fabs(w[i]);
        uint32_t bits;
        std::memcpy(&bits, &a, sizeof bits);  // monotonic for non-negative floats
        order[size_t(i)] = (uint64_t(bits) << 32) | uint64_t(0xFFFFFFFFu - uint32_t(i));
    }
    if (keep <= 0) {
        std::fill(w.values().begin(), w.values().end(), 0.0f);
        return;
    }
    std::nth_element(order.begin(), order.begin() + (keep - 1), order.end(),
                     std::greater<uint64_t>());
    std::vector<char> kept(static_cast<size_t>(n), 0);
    for (int64_t i = 0; i < keep; ++i)
        kept[size_t(0xFFFFFFFFu - uint32_t(order[size_t(i)] & 0xFFFFFFFFu))] = 1;
    for (int64_t i = 0; i < n; ++i)
        if (!kept[size_t(i)]) w[i] = 0.0f;
}

void checkFraction(double v, const std::string& what) {
    if (!(v >= 0.0 && v <= 1.0))
        throw Error(what + " must be a fraction between 0 and 1, got " + std::to_string(v));
}

}  // namespace

std::vector<uint8_t> structuredKeepMask(std::span<const float> w, int64_t outs, int64_t inputs,
                                        int64_t taps, double sparsity,
                                        std::span<const float> outScale,
                                        std::span<const uint8_t> allowed) {
    if (int64_t(w.size()) != outs * inputs * taps ||
        (!outScale.empty() && int64_t(outScale.size()) != outs) ||
        (!allowed.empty() && allowed.size() != w.size()))
        throw Error("structuredKeepMask: sizes do not match the weight's [outs][inputs][taps]");
    const int64_t blocks = (outs + kSparseBlock - 1) / kSparseBlock, slots = taps * blocks;
    const auto keep = std::clamp<int64_t>(std::llround((1.0 - sparsity) * double(slots)),
                                          sparsity < 1.0 ? 1 : 0, slots);
    auto index = [&](int64_t o, int64_t in, int64_t t) {
        return static_cast<size_t>((o * inputs + in) * taps + t);
    };
    std::vector<uint8_t> mask(w.size(), 0);
    std::vector<double> score(static_cast<size_t>(slots));
    std::vector<int64_t> order(static_cast<size_t>(slots));
    for (int64_t in = 0; in < inputs; ++in) {
        for (int64_t t = 0; t < taps; ++t)
            for (int64_t b = 0; b < blocks; ++b) {
                double s = 0.0;
                bool any = allowed.empty();
                for (int64_t o = b * kSparseBlock; o < std::min(outs, (b + 1) * kSparseBlock);
                     ++o) {
                    const double v = double(w[index(o, in, t)]) *
                                     (outScale.empty() ? 1.0 : double(outScale[size_t(o)]));
                    s += v * v;
                    any = any || allowed[index(o, in, t)];
                }
                score[size_t(t * blocks + b)] = any ? s : -1.0;  // nothing left: ranks last
            }
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int64_t a, int64_t b) { return score[size_t(a)] > score[size_t(b)]; });
        for (int64_t i = 0; i < keep; ++i) {
            const int64_t t = order[size_t(i)] / blocks, b = order[size_t(i)] % blocks;
            for (int64_t o = b * kSparseBlock; o < std::min(outs, (b + 1) * kSparseBlock); ++o) {
                const size_t at = index(o, in, t);
                mask[at] = allowed.empty() || allowed[at];
            }
        }
    }
    return mask;
}

ModelPtr pruneWeights(const Model& model, const WeightPruning& options) {
    checkFraction(options.sparsity, "weight sparsity");
    auto out = std::make_shared<Model>(model);
    std::set<std::string> weighted;
    for (const Layer& l : model.layers)
        if (l.weight()) weighted.insert(l.name);
    for (const auto& [name, s] : options.layerSparsity) {
        checkFraction(s, "weight sparsity of layer '" + name + "'");
        if (!weighted.count(name))
            throw Error("model '" + model.name + "' has no Conv2d or Linear layer named '" + name +
                        "' to prune");
    }
    for (const std::string& name : options.layers)
        if (!weighted.count(name))
            throw Error("model '" + model.name + "' has no Conv2d or Linear layer named '" + name +
                        "' to prune");
    for (Layer& l : out->layers) {
        Tensor* w = l.weight();
        if (!w) continue;
        const bool inScope =
            options.layers.empty() ||
            std::find(options.layers.begin(), options.layers.end(), l.name) != options.layers.end();
        const auto it = options.layerSparsity.find(l.name);
        if (!inScope && it == options.layerSparsity.end()) continue;
        const double s = it != options.layerSparsity.end() ? it->second : options.sparsity;
        if (s <= 0.0) continue;
        // Fewer than two blocks per tap (e.g. 12 outputs) leave nothing to choose between:
        // such layers are pruned unstructured.
        if (options.structured && w->dim(0) > kSparseBlock) {
            const int64_t outs = w->dim(0), inputs = w->dim(1);
            const std::vector<uint8_t> keep =
                structuredKeepMask(w->values(), outs, inputs, w->size() / (outs * inputs), s);
            for (int64_t i = 0; i < w->size(); ++i)
                if (!keep[size_t(i)]) (*w)[i] = 0.0f;
        } else {
            pruneUnstructured(*w, std::llround((1.0 - s) * double(w->size())));
        }
    }
    out->metadata.extra["sparselab.pruning"] =
        std::string(options.structured ? "structured" : "unstructured") + " magnitude";
    return out;
}

ModelPtr setActivationSparsity(const Model& model, const ActivationSparsity& options) {
    if (options.density && !(*options.density > 0.0 && *options.density <= 1.0))
        throw Error("activation density must be in (0, 1], got " +
                    std::to_string(*options.density));
    auto out = std::make_shared<Model>(model);
    const std::vector<Shape> shapes = model.layerOutputShapes();
    std::set<std::string> seen;
    for (size_t i = 0; i < out->layers.size(); ++i) {
        Layer& l = out->layers[i];
        if (!l.is<KWinnersParams>()) continue;
        auto& p = l.as<KWinnersParams>();
        const Shape& in = i == 0 ? model.inputShape : shapes[i - 1];
        const int64_t units = KWinnersParams::selectionSize(in, p.local);
        int64_t target = -1;
        if (const auto it = options.k.find(l.name); it != options.k.end()) {
            seen.insert(l.name);
            if (it->second < 1 || it->second > units)
                throw Error("k-winners layer '" + l.name + "' selects among " +
                            std::to_string(units) + " units; k = " + std::to_string(it->second) +
                            " is out of range");
            target = it->second;
        } else if (options.density) {
            target = std::clamp<int64_t>(std::llround(*options.density * double(units)), 1, units);
        }
        if (target < 0) continue;
        KWinnersParams trial = p;
        trial.k = p.kInferenceFactor > 0.0f
                      ? static_cast<int>(std::llround(double(target) / p.kInferenceFactor))
                      : static_cast<int>(target);
        if (trial.inferenceK(in) != target) {
            trial.k = static_cast<int>(target);
            trial.kInferenceFactor = 1.0f;
        }
        p = trial;
    }
    for (const auto& entry : options.k)
        if (!seen.count(entry.first))
            throw Error("model '" + model.name + "' has no k-winners layer named '" + entry.first +
                        "'");
    return out;
}

}  // namespace sparselab

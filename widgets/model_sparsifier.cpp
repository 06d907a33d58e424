#include "model_sparsifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sparselab {

void pruneTensor(Tensor& weight, std::vector<float>& bias, double sparsity, PruningMethod method) {
    const int64_t n = weight.size();
    if (n == 0 || sparsity <= 0.0) return;
    sparsity = std::min(sparsity, 1.0);
    if (method == PruningMethod::Structured) {
        const int64_t rows = weight.dim(0), fanIn = n / rows;
        const auto drop = static_cast<int64_t>(std::llround(sparsity * double(rows)));
        std::vector<std::pair<double, int64_t>> norms;
        for (int64_t r = 0; r < rows; ++r) {
            double s = 0;
            for (int64_t i = 0; i < fanIn; ++i)
                s += double(weight[r * fanIn + i]) * weight[r * fanIn + i];
            norms.emplace_back(s, r);
        }
        std::sort(norms.begin(), norms.end());
        for (int64_t j = 0; j < std::min(drop, rows); ++j) {
            const int64_t r = norms[static_cast<size_t>(j)].second;
            std::fill(weight.data() + r * fanIn, weight.data() + (r + 1) * fanIn, 0.0f);
            if (static_cast<size_t>(r) < bias.size()) bias[static_cast<size_t>(r)] = 0.0f;
        }
        return;
    }
    const auto wantZeros = static_cast<int64_t>(std::llround(sparsity * double(n)));
    const int64_t haveZeros = weight.countZeros();
    if (haveZeros >= wantZeros) return;
    // Among the non-zeros, zero the (wantZeros - haveZeros) smallest magnitudes.
    std::vector<int64_t> idx;
    idx.reserve(static_cast<size_t>(n - haveZeros));
    for (int64_t i = 0; i < n; ++i)
        if (weight[i] != 0.0f) idx.push_back(i);
    const auto cut = static_cast<size_t>(wantZeros - haveZeros);
    std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(cut), idx.end(),
                     [&](int64_t a, int64_t b) {
                         const float fa = std::fabs(weight[a]), fb = std::fabs(weight[b]);
                         return fa < fb || (fa == fb && a < b);
                     });
    for (size_t j = 0; j < cut; ++j) weight[idx[j]] = 0.0f;
}

int kForDensity(const KWinnersParams& kw, const Shape& in, double density) {
    const int64_t n = KWinnersParams::selectionSize(in, kw.local);
    return static_cast<int>(std::clamp<int64_t>(std::llround(density * double(n)), 1, n));
}

Model deriveSparseModel(const Model& base, const SparsitySettings& s) {
    Model m = base;
    Shape in = m.inputShape;
    for (Layer& layer : m.layers) {
        const Shape layerIn = in;
        in = layer.outputShape(layerIn);
        if (Tensor* w = layer.weight()) {
            double target = s.weightSparsityAll;
            if (auto it = s.weightSparsityLayer.find(layer.name); it != s.weightSparsityLayer.end())
                target = it->second;
            if (target <= 0.0) continue;
            auto& bias = layer.is<Conv2dParams>() ? layer.as<Conv2dParams>().bias
                                                  : layer.as<LinearParams>().bias;
            pruneTensor(*w, bias, target, s.method);
        } else if (auto* kw = std::get_if<KWinnersParams>(&layer.params)) {
            int k = -1;
            if (auto it = s.kLayer.find(layer.name); it != s.kLayer.end())
                k = it->second;
            else if (s.activationDensityAll > 0.0)
                k = kForDensity(*kw, layerIn, s.activationDensityAll);
            if (k > 0) {
                const int64_t n = KWinnersParams::selectionSize(layerIn, kw->local);
                kw->k = static_cast<int>(std::clamp<int64_t>(k, 1, n));
                kw->kInferenceFactor = 1.0f;
            }
        }
    }
    return m;
}

Model deriveDenseReference(const Model& base) {
    Model m = base;
    m.name = base.name + " (dense reference)";
    for (Layer& layer : m.layers)
        if (layer.is<KWinnersParams>()) layer.params = ReLUParams{};
    return m;
}

}  // namespace sparselab

#include "model_sparsifier.h"

#include <algorithm>
#include <cmath>

#include "core/sparse/pruning.h"

namespace sparselab {

int kForDensity(const KWinnersParams& kw, const Shape& in, double density) {
    const int64_t n = KWinnersParams::selectionSize(in, kw.local);
    return static_cast<int>(std::clamp<int64_t>(std::llround(density * double(n)), 1, n));
}

Model deriveSparseModel(const Model& base, const SparsitySettings& s) {
    ModelPtr m;  // each step copies the model once; nothing to do returns a plain copy
    auto current = [&]() -> const Model& { return m ? *m : base; };
    if (s.weightSparsityAll > 0.0 || !s.weightSparsityLayer.empty()) {
        WeightPruning pruning;
        pruning.sparsity = std::max(0.0, s.weightSparsityAll);  // 0: only the named layers
        pruning.layerSparsity = s.weightSparsityLayer;
        pruning.structured = s.method == PruningMethod::Structured;
        m = pruneWeights(current(), pruning);
    }
    if (s.activationDensityAll > 0.0 || !s.kLayer.empty()) {
        ActivationSparsity activations;
        if (s.activationDensityAll > 0.0)
            activations.density = std::min(1.0, s.activationDensityAll);
        activations.k = s.kLayer;
        m = setActivationSparsity(current(), activations);
    }
    return m ? *m : base;
}

Model deriveDenseReference(const Model& base) {
    Model m = base;
    m.name = base.name + " (dense reference)";
    for (Layer& layer : m.layers)
        if (layer.is<KWinnersParams>()) layer.params = ReLUParams{};
    return m;
}

}  // namespace sparselab

#pragma once

#include <map>
#include <string>

#include "core/model.h"

namespace sparselab {

/// How magnitude pruning removes weights (core/sparse/pruning.h does the work).
enum class PruningMethod {
    Unstructured,  ///< the smallest-magnitude weights of each layer
    Structured,    ///< 16-output blocks per input, complementary-sparsity style (cpu-sparse)
};

/// What the sparsity sliders ask for. Targets are applied to the *base* model each time, so moving
/// a slider back restores weights. Negative values mean "keep the base model's own".
struct SparsitySettings {
    PruningMethod method = PruningMethod::Unstructured;
    double weightSparsityAll = -1.0;                    ///< fraction of zero weights, every layer
    std::map<std::string, double> weightSparsityLayer;  ///< per Conv2d/Linear name; wins over All
    double activationDensityAll = -1.0;                 ///< fraction of winners, every k-winners
    std::map<std::string, int> kLayer;                  ///< inference k per k-winners layer name

    bool operator==(const SparsitySettings&) const = default;
};

/// A new model derived from `base` with core's pruneWeights (weights pruned to at least the
/// requested sparsity; a layer already sparser keeps its zeros) and setActivationSparsity
/// (inference k of k-winners layers). Pure function, safe on any thread; throws Error for
/// settings that do not fit the model (unknown layer, k out of range).
Model deriveSparseModel(const Model& base, const SparsitySettings& settings);

/// The dense counterpart shown beside the sparse model: same weights, every k-winners layer
/// replaced by a ReLU, so the eye sees how many units a dense network activates.
Model deriveDenseReference(const Model& base);

/// Inference k for a k-winners layer that receives input of shape `in` at a winner density
/// (clamp(round(density * units), 1, units), as setActivationSparsity).
int kForDensity(const KWinnersParams& kw, const Shape& in, double density);

}  // namespace sparselab

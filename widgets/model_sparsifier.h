#pragma once

#include <map>
#include <string>

#include "core/model.h"

namespace sparselab {

/// How magnitude pruning removes weights.
enum class PruningMethod {
    Unstructured,  ///< the smallest-magnitude individual weights of a layer
    Structured,    ///< whole output units (conv filters, linear rows) with the smallest L2 norm
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

/// A new model derived from `base`: weights magnitude-pruned to at least the requested sparsity
/// (a layer already sparser keeps its zeros) and k-winners' inference k set from the density or
/// explicit k. Pure function, safe on any thread.
Model deriveSparseModel(const Model& base, const SparsitySettings& settings);

/// The dense counterpart shown beside the sparse model: same weights, every k-winners layer
/// replaced by a ReLU, so the eye sees how many units a dense network activates.
Model deriveDenseReference(const Model& base);

/// Zeroes the smallest weights of `weight` ([out, ...]) until at least `sparsity` of them are
/// zero. Structured pruning zeroes whole output rows (and their bias entries).
void pruneTensor(Tensor& weight, std::vector<float>& bias, double sparsity, PruningMethod method);

/// Inference k for a k-winners layer that receives input of shape `in` at a winner density.
int kForDensity(const KWinnersParams& kw, const Shape& in, double density);

}  // namespace sparselab

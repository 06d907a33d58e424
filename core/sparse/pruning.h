#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/model.h"

namespace sparselab {

/// Magnitude pruning of Conv2d and Linear weights (biases are never pruned). Pruning only
/// removes weights: a layer already sparser than its target is left as it is.
struct WeightPruning {
    double sparsity = 0.9;  ///< target fraction of zero weights, for every layer in scope
    std::map<std::string, double> layerSparsity;  ///< per-layer targets by layer name
    std::vector<std::string> layers;  ///< layers in scope; empty = every Conv2d and Linear
    /// false: keep the largest |w| of each layer (exact count round((1 - s) * size), ties to the
    /// lower index). true: complementary-sparsity style blocks for the cpu-sparse blocked layout:
    /// for every input (Linear: input feature; Conv2d: input channel) keep the same number of
    /// 16-output blocks (Conv2d: (tap, 16 output channels) slots), those of largest sum of
    /// squares; round((1 - s) * slots per input) of them, at least one. The reached sparsity
    /// differs from the target by at most 16 weights per input. Layers with at most 16 outputs
    /// are pruned unstructured.
    bool structured = false;
};

/// A new model with pruned weights (the input model is not changed). Throws Error for a
/// sparsity outside [0, 1] or a layer name that is not a Conv2d or Linear of the model.
ModelPtr pruneWeights(const Model& model, const WeightPruning& options);

/// The keep-mask of structured pruning (WeightPruning::structured) of a weight `w` viewed as
/// [outs][inputs][taps]: for every input, round((1 - sparsity) * slots) (at least one, unless
/// sparsity is 1) of its (tap, 16-output block) slots of largest sum of squares, ties toward
/// the lower slot (tap-major). `outScale` (one factor per output, or empty) multiplies each
/// output's weights before scoring, e.g. the 1/std of a BatchNorm that follows. `allowed`
/// (one flag per weight, or empty = all) is the current mask: weights outside it are never
/// kept, so a smaller sparsity never re-grows a pruned weight. Returns one flag per weight.
std::vector<uint8_t> structuredKeepMask(std::span<const float> w, int64_t outs, int64_t inputs,
                                        int64_t taps, double sparsity,
                                        std::span<const float> outScale = {},
                                        std::span<const uint8_t> allowed = {});

/// A change of activation sparsity: the number of winners of k-winners layers.
struct ActivationSparsity {
    std::optional<double> density;  ///< fraction of winners for every k-winners layer
    std::map<std::string, int> k;   ///< inference k per layer name (overrides density)
};

/// A new model whose k-winners layers select the requested number of winners at inference
/// (k = clamp(round(density * units), 1, units)); the training k follows, and
/// kInferenceFactor is kept when it maps exactly onto the new k, else set to 1. Throws Error
/// for a density outside (0, 1] or an unknown k-winners layer name.
ModelPtr setActivationSparsity(const Model& model, const ActivationSparsity& options);

}  // namespace sparselab

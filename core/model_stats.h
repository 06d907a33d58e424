#pragma once

#include <string>
#include <vector>

#include "model.h"

namespace sparselab {

/// Size and cost figures of one layer, per sample (batch 1).
struct LayerStats {
    std::string name;
    LayerKind kind{};
    Shape outputShape;
    int64_t params = 0;           ///< weights + biases (BatchNorm: its per-channel parameters)
    int64_t weights = 0;          ///< weight tensor elements (Conv2d, Linear), 0 elsewhere
    int64_t nonzeros = 0;         ///< non-zero weight elements
    double weightSparsity = 0.0;  ///< fraction of weight elements that are zero
    double inputDensity = 1.0;    ///< expected fraction of non-zero inputs (an upper bound)
    double outputDensity = 1.0;   ///< expected fraction of non-zero outputs (an upper bound)
    int kWinners = 0;             ///< KWinners: inference k per selection
    int64_t kUnits = 0;           ///< KWinners: units per selection
    int64_t denseMacs = 0;        ///< multiply-accumulates computed densely
    double sparseMacs = 0.0;      ///< MACs left when zero weights and zero inputs are skipped
};

/// Figures for a whole model; totals are sums over layers.
struct ModelStats {
    std::vector<LayerStats> layers;
    int64_t params = 0, weights = 0, nonzeros = 0, denseMacs = 0;
    double sparseMacs = 0.0;

    double weightSparsity() const {
        return weights ? 1.0 - double(nonzeros) / double(weights) : 0.0;
    }
    /// Dense MACs / sparse MACs: the speedup a perfect sparse-sparse engine could reach.
    double macLimitSpeedup() const { return sparseMacs > 0 ? double(denseMacs) / sparseMacs : 1.0; }
};

/// Computes per-layer figures. Activation densities propagate from k-winners layers: after
/// KWinners a layer sees k/n non-zero inputs; max-pooling a sparse map is bounded by
/// min(1, density * window area); Conv2d, Linear and BatchNorm produce dense outputs.
ModelStats computeStats(const Model& model);

}  // namespace sparselab

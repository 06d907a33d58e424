#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace sparselab {

/// The shape of a GSC keyword-spotting CNN (Numenta's CNN-2 family, see NUMENTA_GSC.md):
/// conv1 5x5 -> maxpool 2 -> act -> conv2 5x5 -> maxpool 2 -> act -> flatten -> linear -> act ->
/// linear(classes) -> LogSoftmax, where act is k-winners (k > 0) or ReLU (k = 0). BatchNorm is
/// folded into the preceding layer. Sparsities are fractions of zero weights per output unit.
struct GscConfig {
    std::string name = "dense";
    int conv1Channels = 64, conv2Channels = 64, linearUnits = 1000, classes = 12;
    double conv1Sparsity = 0.0, conv2Sparsity = 0.0, linearSparsity = 0.0, outputSparsity = 0.0;
    int conv1K = 0, conv2K = 0, linearK = 0;  ///< winners per sample; 0 = ReLU instead
    float kInferenceFactor = 1.0f;
    float boostStrength = 0.0f;
    bool kWinnersBeforePool = false;  ///< nupic.torch order (k-winners, then max-pool)
    bool kWinnersLocal = false;       ///< conv k-winners select k of the channels at each position

    /// "dense" (Numenta's dense CNN-2), "sparse" (nupic.torch's sparse CNN: 50/80/90 % zeros,
    /// k = 1200/200/100), "super-sparse" (linear 1500, ~95 % zeros overall, ~10 % active).
    /// Super-sparse keeps 3 of 25 conv1 taps per channel (88 % zeros): conv1 sees the dense
    /// log-mel input, so with nupic.torch's 50 % it alone would be 627 k of the ~690 k MACs
    /// left and cap the whole network near 20x; PERF.md's MAC-limit table (and the FPGA
    /// paper's operating point, ~95 % zeros overall) assumes conv1 sparse as well.
    /// Throws Error for any other name.
    static GscConfig preset(std::string_view name);
    static std::vector<std::string> presetNames();

    /// Switches to nupic.torch's order (k-winners over the conv map before max-pool) at the same
    /// activation densities: the map before pooling has 4x the units, so conv1K and conv2K are
    /// multiplied by 4 (the sparse preset's 1200 of 12,544 becomes 4800 of 50,176, as
    /// nupic.torch's GSCSparseCNN has). Set explicit k overrides after calling this.
    void useKWinnersBeforePool();

    /// Switches the convolutions' k-winners to local selection (nupic.torch's KWinners2d with
    /// local=True): k of the channels win at every position instead of k of the whole map, so
    /// every time-frequency position keeps some activity whatever the loudest regions are.
    /// conv1K and conv2K become per-position counts at the same density, rounded (the sparse
    /// preset's 1200 of 64x14x14 becomes 6 of 64 channels, 9.4 %; 200 of 64x5x5 becomes 8,
    /// 12.5 %). Call after useKWinnersBeforePool() if both; set explicit k overrides after.
    void useLocalKWinners();
};

/// A randomly initialised model of that shape (input 1x32x32). Each output unit gets exactly
/// round((1 - sparsity) * fan_in) non-zero weights at random positions, as nupic.torch's
/// SparseWeights does; k-winners layers get boost strength and random duty cycles around their
/// target density. Deterministic for a seed. Labels default to the digits scheme when classes
/// == 12.
Model buildGscModel(const GscConfig& config, uint32_t seed);

}  // namespace sparselab

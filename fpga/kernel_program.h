#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/quant/quantized_model.h"

namespace sparselab {

/// Which layer implementations the FPGA kernel uses for Conv2d and Linear.
enum class KernelVariant {
    Dense,         ///< every weight times every input (the side-by-side baseline)
    SparseSparse,  ///< complementary-sparsity packed weights times non-zero inputs only
};

/// "dense" or "sparse-sparse".
std::string_view toString(KernelVariant variant);

/// Sparse kernels overlaid into dense packed kernels (complementary sparsity). Kernel k's weights
/// are a row of `positions` values (Conv2d: Cin*kh*kw, Linear: inputs). Packed kernel s holds, at
/// each position, at most one non-zero weight tagged with its kernel id, so non-zeros in one
/// packed kernel never share a position. `slots` packed kernels hold every non-zero; for masks
/// that are complementary by construction slots = kernels * density (the paper's overlay), for
/// random masks it is the largest number of non-zeros at any position.
struct PackedWeights {
    int kernels = 0, positions = 0, slots = 0;
    std::vector<int32_t> entries;  ///< [positions][slots], fpga/hls packEntry(weight, kernel)
    int64_t nonzeros = 0;
};

/// Packs int8 weights [kernels][positions]. Zero weights are dropped; empty slots are 0.
PackedWeights packComplementary(std::span<const int8_t> weights, int kernels, int positions);

/// One kernel instruction, for reports and the performance model.
struct KernelLayerInfo {
    std::string name;  ///< the model layer's name
    int opcode = 0;    ///< sparselab_hls::Opcode
    int64_t inputUnits = 0, outputUnits = 0;
    int64_t macsDense = 0;  ///< multiply-accumulates of the dense computation
    int64_t nonzeros = 0;   ///< non-zero weights (Conv2d/Linear)
    int slots = 0;          ///< packed kernels (packed ops)
    int kernelTaps = 1;     ///< kh * kw (Conv2d), 1 otherwise
    int k = 0;              ///< k-winners: winners per selection
    int selections = 1;     ///< k-winners: selections per sample (positions if local)
    int patch = 0;          ///< Conv2d: Cin*kh*kw, Linear: inputs
};

/// What the host writes into device memory once: the int32 program (header, descriptors,
/// biases, packed weights, boosts) and the int8 dense weights. See fpga/hls/gsc_kernel.h.
struct KernelProgram {
    KernelVariant variant = KernelVariant::Dense;
    std::vector<int32_t> program;
    std::vector<int8_t> weights;  ///< never empty (padded), so device buffers can be allocated
    int64_t inputSize = 0, logitCount = 0;
    std::vector<KernelLayerInfo> layers;
};

/// Compiles a quantised model for the kernel. Flatten needs no instruction. Throws Error naming
/// the layer when something exceeds the kernel's capacity (activations, local k-winners width).
KernelProgram compileKernelProgram(const quant::QuantizedModel& qm, KernelVariant variant);

}  // namespace sparselab

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sparse_formats.h"

namespace sparselab {

/// Floats of scratch space the conv scatter kernels need after the accumulator.
inline constexpr int kScatterScratchFloats = 512;

/// Which weights a scatter kernel multiplies the active inputs with.
enum class ScatterWeights { Unstructured, Blocked, Dense };

/// The vectorised kernels of the cpu-sparse backend for one instruction set. The same portable
/// source (GCC vector extensions, 16-float vectors) is compiled once per ISA; the table for the
/// best ISA the CPU supports is chosen at run time, so the binary never requires AVX-512.
struct SparseKernelTable {
    const char* isa;  ///< "generic" (SSE2), "avx2" (AVX2 + FMA) or "avx512"

    /// Dense input [cin][h][w] x sparse weights (per output channel tap lists). The kernel
    /// first copies `in` into `pin` (plan.pinFloats floats, the plan's padded and shifted
    /// layout; zero-filled by the caller once: only the input's own places are written).
    /// Writes [cout][ho][wo] with bias, or when `pool2` the 2x2 stride-2 max-pooled
    /// [cout][ho/2][wo/2]; `out` must have 16 floats of slack after its end.
    void (*convDenseInput)(const ConvPlan& plan, const float* in, float* pin, float* out,
                           bool pool2);

    /// Sparse input (active flat indices into [cin][h][w]) scattered into the NHWC accumulator
    /// acc [ho*wo][coutPad], which the kernel zeroes first; acc must have kScatterScratchFloats
    /// more floats of scratch space after that.
    void (*convScatter)(const ConvPlan& plan, ScatterWeights weights, const int32_t* index,
                        const float* value, int64_t count, float* acc);

    /// acc [ho*wo][coutPad] plus bias -> out [cout][ho][wo], or with `pool2` the 2x2 stride-2
    /// max-pooled [cout][ho/2][wo/2].
    void (*convFinish)(const ConvPlan& plan, const float* acc, float* out, bool pool2);

    /// y [outPad] = bias + sum over inputs of value * column. `index` null means a dense input:
    /// value[j] for every j < plan.in.
    void (*linearScatter)(const LinearPlan& plan, ScatterWeights weights, const int32_t* index,
                          const float* value, int64_t count, float* y);

    /// k-winners keys: keys[c * inner + p] = order-preserving key of src[...] * boost[c]
    /// (boost null: unboosted), as sortableKey().
    void (*boostedKeys)(const float* src, const float* boost, int64_t channels, int64_t inner,
                        uint32_t* keys);
    /// Writes the entries i < n with lo <= keys[i] <= hi, in order: when idx is not null their
    /// index (idxIn[i], or i when idxIn is null) to idx and, when keysOut is not null, their key
    /// to keysOut; returns their number. idx and keysOut must hold n + 16 values.
    int64_t (*keysInRange)(const uint32_t* keys, const int32_t* idxIn, int64_t n, uint32_t lo,
                           uint32_t hi, int32_t* idx, uint32_t* keysOut);

    /// One pass of k-winners over a sample, keys computed on the fly as in boostedKeys: writes
    /// the units with key >= lo to idx / keys (in index order) and returns their number; of
    /// those, the keys < hi (the band) also go to bandKeys, their number to *band, and the
    /// number of keys >= hi to *sure. The outputs must hold channels * inner + 16 values.
    int64_t (*keysAtLeast)(const float* src, const float* boost, int64_t channels, int64_t inner,
                           uint32_t lo, uint32_t hi, int32_t* idx, uint32_t* keys,
                           uint32_t* bandKeys, int64_t* band, int64_t* sure);
    /// The winners of a selection whose k-th key is `kth`, in order: writes idx[i] (i when idx
    /// is null) for every i < n with keys[i] > kth, and for the first `ties` of those with
    /// keys[i] == kth, to out (n + 16 values); returns their number.
    int64_t (*keysAbove)(const uint32_t* keys, const int32_t* idx, int64_t n, uint32_t kth,
                         int64_t ties, int32_t* out);
    /// Keys (as boostedKeys) of runs of 16 units, one run every `every` units: keys[16 r + j] =
    /// key of src[r * every + j] * boost[16 r + j] for r < runs (boost: one factor per sampled
    /// unit, 1 where there is none). Returns the largest key (0 when runs == 0).
    uint32_t (*sampleKeys)(const float* src, const float* boost, int64_t runs, int64_t every,
                           uint32_t* keys);
    /// Writes the units idx[0, n) whose passed-on value (relu ? max(src, 0) : src) is not 0 to
    /// outIdx / outVal, in order, and returns their number. The outputs must hold n + 16 values.
    int64_t (*gatherNonZero)(const float* src, const int32_t* idx, int64_t n, bool relu,
                             int32_t* outIdx, float* outVal);
};

/// The table for the best ISA this CPU supports (honouring SPARSELAB_ISA=generic|avx2|avx512
/// when set to a supported one).
const SparseKernelTable& sparseKernels();
/// The table for a named ISA, or nullptr when this CPU or build cannot run it.
const SparseKernelTable* sparseKernels(const std::string& isa);
/// ISAs usable on this CPU, best last.
std::vector<std::string> availableKernelIsas();

}  // namespace sparselab

#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "core/layer.h"

namespace sparselab {

/// Outputs per block in the structured layout: one AVX-512 register, two AVX2 registers.
inline constexpr int kSparseBlock = 16;

/// Allocator of cache-line (64-byte) aligned storage: a 16-float block then never straddles two
/// cache lines (split loads and stores cost the scatter kernels dearly).
template <class T>
struct CacheAlignedAllocator {
    using value_type = T;
    static constexpr std::align_val_t kAlign{64};
    CacheAlignedAllocator() = default;
    template <class U>
    CacheAlignedAllocator(const CacheAlignedAllocator<U>&) {}
    T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
    void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
    template <class U>
    bool operator==(const CacheAlignedAllocator<U>&) const {
        return true;
    }
};

/// A float vector whose data starts on a cache line (weights, accumulators, activations).
using AlignedFloats = std::vector<float, CacheAlignedAllocator<float>>;

/// How non-zero weights are stored for the scatter (sparse-input) kernels.
enum class SparseLayout {
    Auto,          ///< blocked when blocks are well filled, unstructured otherwise
    Unstructured,  ///< per input: (output, weight) lists; ~2 cycles per MAC
    Blocked,       ///< per input: blocks of 16 outputs; one SIMD FMA per block
};

/// Stable names "auto", "unstructured", "blocked".
const char* toString(SparseLayout layout);

/// A Linear layer packed once at prepare time. Outputs are padded to a multiple of 16.
struct LinearPlan {
    int in = 0, out = 0, outPad = 0;
    AlignedFloats bias;    ///< outPad values, zero padded
    bool blocked = false;  ///< which scatter layout the sparse-weight kernels use
    // Unstructured, column-major (CSC): entries of input j are [colStart[j], colStart[j+1]).
    std::vector<int32_t> colStart, rowIndex;
    std::vector<float> colValue;
    // Blocked: blocks of input j are [blockStart[j], blockStart[j+1]); blockOffset = 16 * block.
    std::vector<int32_t> blockStart, blockOffset;
    AlignedFloats blockWeights;  ///< 16 per block
    /// Blocks of every input when all inputs have the same number (structured pruning gives
    /// that: blockStart[j] = j * blocksPerInput), else -1.
    int blocksPerInput = -1;
    // Dense weights transposed, [in][outPad], for dense weights x sparse input.
    AlignedFloats denseT;
    int64_t nonzeros = 0, blocks = 0;
};

/// A Conv2d layer packed once at prepare time for one input shape.
struct ConvPlan {
    int cin = 0, cout = 0, coutPad = 0, kh = 0, kw = 0, strideH = 1, strideW = 1;
    int padTop = 0, padLeft = 0;
    int h = 0, w = 0;    ///< input height and width
    int ho = 0, wo = 0;  ///< output height and width
    int hp = 0, wp = 0;  ///< zero-padded input height and width
    int woPad = 0;       ///< wo rounded up to 16 (the dense-input kernel's row width)
    /// The dense-input kernel's copy of the input, `pin`: per channel `shifts` zero-padded
    /// images of hp rows x inRow floats, copy s shifted left by s columns. With stride-1
    /// columns shifts = kw and inRow = woPad (a multiple of 16), so that every load of the
    /// kernel is 64-byte aligned (unaligned loads crossing cache lines halved its speed);
    /// otherwise (or when the copies would pass 4 MB) shifts = 1 and inRow = wp (the plain
    /// padded input).
    int shifts = 1, inRow = 0;
    int64_t pinFloats = 0;  ///< size of `pin`, with 16 floats of slack
    AlignedFloats bias;     ///< coutPad values
    bool blocked = false;
    // Dense input, sparse weights: per output channel o, taps [tapStart[o], tapStart[o+1]) with
    // offsets into `pin` (((c * shifts + j) * hp + i) * inRow with shifted copies, else
    // (c * hp + i) * wp + j) and weights.
    std::vector<int32_t> tapStart, tapOffset;
    std::vector<float> tapWeight;
    // Sparse input: entries grouped by (c, i, j) = group g = (c * kh + i) * kw + j.
    std::vector<int32_t> groupStart, groupOut;  ///< unstructured: output channel
    std::vector<float> groupWeight;
    std::vector<int32_t> blockStart, blockOffset;  ///< blocked: 16 * block, per group
    AlignedFloats blockWeights;
    AlignedFloats denseT;  ///< [cin][kh][kw][coutPad]
    // Stride-1 scatter lists per input channel c, entries [chanStart[c], chanStart[c+1]):
    // tap (i, j) and the NHWC accumulator offset -(i * wo + j) * coutPad + output (unstructured:
    // channel, blocked: 16 * block). Blocked entries own 16 weights each.
    std::vector<int32_t> chanStart, chanTap, chanDelta;  ///< chanTap = i << 16 | j
    std::vector<float> chanWeight;                       ///< unstructured: 1 per entry
    std::vector<int32_t> chanBlockStart, chanBlockTap, chanBlockDelta;
    AlignedFloats chanBlockWeights;  ///< blocked: 16 per entry
    /// Flat input index c * h * w + y * w + x -> c << 20 | (y + padTop) << 10 | (x + padLeft).
    std::vector<int32_t> decode;
    // Stride 1, the layout in use (blocked: chanBlock*, else chan*): for the input at flat index
    // n, the entries of its channel whose output lies inside, as packed pairs (accumulator
    // offset in units of 16 floats when blocked, else floats) | entry << 16, in the row
    // scatterPairs[n * scatterStride, ...), scatterCount[n] of them. The kernels copy
    // scatterWidth (>= scatterStride, a multiple of 8) pairs per row; the table has that much
    // slack at its end. scatterWidth is 0 when the table would not fit (the kernels then check
    // bounds per entry).
    int scatterWidth = 0, scatterStride = 0;
    std::vector<uint32_t> scatterPairs;
    std::vector<uint16_t> scatterCount;
    int64_t nonzeros = 0, blocks = 0;
};

/// Packs a Linear layer. `layout` Auto picks blocked when the stored blocks hold on average at
/// least `autoBlockFill` non-zeros each.
LinearPlan packLinear(const LinearParams& p, SparseLayout layout, double autoBlockFill = 3.0);
/// Packs a Conv2d layer for a CxHxW input.
ConvPlan packConv(const Conv2dParams& p, const Shape& in, SparseLayout layout,
                  double autoBlockFill = 3.0);

}  // namespace sparselab

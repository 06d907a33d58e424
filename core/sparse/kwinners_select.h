#pragma once

#include <cstdint>
#include <vector>

#include "core/layer.h"

namespace sparselab {
struct SparseKernelTable;
}

namespace sparselab {

/// The non-zero part of one sample's activations: flat indices (into C*H*W or the feature
/// vector) and their values, in no particular order. This is what k-winners hands to the next
/// Conv2d or Linear in the sparse-activation modes.
struct ActiveList {
    std::vector<int32_t> index;
    std::vector<float> value;

    void clear() {
        index.clear();
        value.clear();
    }
    int64_t size() const { return static_cast<int64_t>(index.size()); }
};

/// Exact k-winners selection for one sample without sorting. Global selection: vectorised
/// order-preserving integer keys of the boosted values; a histogram of a 1-in-8 sample gives a
/// threshold that a vectorised filter applies, and radix histograms over the survivors' keys
/// with vectorised range filters find the exact winners (falling back to all units when the
/// sample misled). The
/// winners are exactly those of dense::kWinners (largest boosted value, ties toward the lower
/// index). Keeps scratch memory between calls, so one instance per thread.
class KWinnersSelector {
  public:
    /// Prepares for inputs of per-sample shape `sampleShape` (CxHxW or F).
    /// `kernels` null = the best ISA of this CPU.
    KWinnersSelector(const KWinnersParams& params, const Shape& sampleShape,
                     const SparseKernelTable* kernels = nullptr);

    /// Selects the winners of `src` (one sample, numel(sampleShape) values) and appends them to
    /// `out` (cleared first). Winners whose passed-on value is exactly 0 are left out. When
    /// `dense` is not null it receives the full k-winners output (zeros elsewhere).
    void select(const float* src, ActiveList& out, float* dense);

    int k() const { return m_k; }
    int64_t units() const { return m_units; }

  private:
    void selectGlobal(const float* src, ActiveList& out);
    void selectLocal(const float* src, ActiveList& out);
    /// Emits the `need` best of the candidates m_cand[0, nc) (increasing indices, keys in
    /// m_candKeys).
    void radixSelect(int32_t nc, int need, const float* src, ActiveList& out);

    bool m_local = false, m_relu = false;
    int m_k = 1;
    int64_t m_units = 0, m_channels = 1, m_inner = 1;
    std::vector<float> m_boost;  ///< per channel (images) or per unit (vectors); empty = none
    std::vector<uint32_t> m_keys;
    std::vector<int32_t> m_cand, m_cand2, m_win;
    std::vector<uint32_t> m_candKeys, m_candKeys2;
    const SparseKernelTable* m_kernels = nullptr;
    std::vector<uint64_t> m_local64;
};

/// Order-preserving map from float to uint32 (-0 and +0 map to the same key).
inline uint32_t sortableKey(float v) {
    v += 0.0f;  // -0 -> +0, so that -0 ties with +0 as in float comparison
    uint32_t u;
    __builtin_memcpy(&u, &v, sizeof u);
    return u ^ (uint32_t(int32_t(u) >> 31) | 0x80000000u);
}

}  // namespace sparselab

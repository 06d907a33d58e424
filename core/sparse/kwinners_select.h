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

/// Exact k-winners selection for one sample without sorting. Global selection works on a band
/// of order-preserving keys (boosted values) that holds the k-th largest: first the band around
/// the previous selection's k-th key (as wide as that key recently moved), else one estimated
/// from a fine histogram of a strided sample of this input. One vectorised pass collects the
/// units at or above the band; counts show whether the k-th key is in the band (else the next
/// way is tried, last of all every unit as a candidate: same result, slower); bisection of the
/// band's key range finds the k-th key; the winners are listed in index order. They are exactly
/// those of dense::kWinners (largest boosted value, ties toward the lower index), whatever band
/// found them. Keeps scratch memory and the band history between calls: one instance per thread.
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
    /// Selections that considered every unit (no sample estimate, or it misled): for tests
    /// and statistics; they give the same winners, only slower.
    int64_t fallbacks() const { return m_fallbacks; }
    /// Selections whose band around the previous k-th key missed (the sample estimate then
    /// ran): for tests and statistics.
    int64_t historyMisses() const { return m_historyMisses; }
    /// Whether the band may come from the previous selections (default on). Off: every
    /// selection estimates its band from a sample of its own input. Same winners either way.
    void setAdaptiveBand(bool on) { m_adaptive = on && bandSelectable(); }

  private:
    void selectGlobal(const float* src, ActiveList& out);
    /// Whether a band can pay off: the layer is large enough and k well below its size (else
    /// every unit is a candidate).
    bool bandSelectable() const { return m_units >= 256 && int64_t(m_k) * 4 < m_units; }
    void selectLocal(const float* src, ActiveList& out);
    /// From a strided sample's keys, a band [lo, hi) of keys that holds the k-th largest with
    /// high probability (keys >= hi then win outright); false when the layer is too small.
    bool estimateBand(const float* src, uint32_t& lo, uint32_t& hi);
    /// Selects with the band [lo, hi): false (nothing appended) when the counts show that the
    /// k-th key is not in it. On success m_kthKey is the k-th largest key.
    bool selectInBand(const float* src, uint32_t lo, uint32_t hi, ActiveList& out);
    /// The `need`-th largest key of the candidate keys m_candKeys[0, nc): bisection of the key
    /// range for a band, radix digits for more, counting for the last few. `above` receives
    /// how many of the candidates have a larger key.
    uint32_t findKthKey(int32_t nc, int need, int32_t& above);
    /// With m_kthKey the k-th largest key and m_kthAbove the number of keys above it: appends
    /// the winners among the n units (keys, indices idx, or 0..n-1 when null; every key above
    /// m_kthKey must be among them) to `out` in index order.
    void appendWinnersAbove(const uint32_t* keys, const int32_t* idx, int64_t n, const float* src,
                            ActiveList& out);
    /// Appends the winners win[0, nw) with a non-zero passed-on value to `out`.
    void appendWinners(const int32_t* win, int32_t nw, const float* src, ActiveList& out);

    bool m_local = false, m_relu = false;
    int m_k = 1;
    int64_t m_units = 0, m_channels = 1, m_inner = 1, m_fallbacks = 0, m_historyMisses = 0;
    // Band from history: the last k-th key and how far it recently moved (key units).
    bool m_adaptive = false, m_haveKth = false;
    uint32_t m_kthKey = 0;
    int32_t m_kthAbove = 0;  ///< keys above m_kthKey in the last selection
    uint64_t m_kthMove = uint64_t(1) << 18;
    std::vector<float> m_boost;  ///< per channel (images) or per unit (vectors); empty = none
    std::vector<uint32_t> m_keys;
    std::vector<int32_t> m_cand2;  ///< the band pass's candidates (indices)
    std::vector<uint32_t> m_candKeys, m_candKeys2, m_sample;
    std::vector<uint32_t> m_selKeys;              ///< findKthKey's second key buffer
    int64_t m_sampleRuns = 0, m_sampleEvery = 0;  ///< band estimate: runs of 16 units
    std::vector<float> m_sampleBoost;             ///< boost of every sampled unit (1: none)
    std::vector<int32_t> m_winIdx;  ///< the winners' indices, before zero values are dropped
    const SparseKernelTable* m_kernels = nullptr;
    std::vector<uint64_t> m_local64;
};

/// Order-preserving map from float to uint32 (-0 and +0 map to the same key). The -0 fix-up is
/// on the integer (adding +0 to the float could be contracted into an FMA with a product).
inline uint32_t sortableKey(float v) {
    uint32_t u;
    __builtin_memcpy(&u, &v, sizeof u);
    const uint32_t key = u ^ (uint32_t(int32_t(u) >> 31) | 0x80000000u);
    return key + (key == 0x7FFFFFFFu);  // -0 -> the key of +0
}

}  // namespace sparselab

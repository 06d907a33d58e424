#pragma once

#include <cstdint>
#include <vector>

#include "core/layer.h"

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

/// Exact k-winners selection for one sample without sorting: a three-level radix histogram over
/// order-preserving integer keys of the boosted values. The winners are exactly those of
/// dense::kWinners (largest boosted value, ties toward the lower index). Keeps scratch memory
/// between calls, so one instance per thread.
class KWinnersSelector {
  public:
    /// Prepares for inputs of per-sample shape `sampleShape` (CxHxW or F).
    KWinnersSelector(const KWinnersParams& params, const Shape& sampleShape);

    /// Selects the winners of `src` (one sample, numel(sampleShape) values) and appends them to
    /// `out` (cleared first). Winners whose passed-on value is exactly 0 are left out. When
    /// `dense` is not null it receives the full k-winners output (zeros elsewhere).
    void select(const float* src, ActiveList& out, float* dense);

    int k() const { return m_k; }
    int64_t units() const { return m_units; }

  private:
    void selectGlobal(const float* src, ActiveList& out);
    void selectLocal(const float* src, ActiveList& out);

    bool m_local = false, m_relu = false;
    int m_k = 1;
    int64_t m_units = 0, m_channels = 1, m_inner = 1;
    std::vector<float> m_boost;  ///< per channel (images) or per unit (vectors); empty = none
    std::vector<uint32_t> m_keys;
    std::vector<int32_t> m_cand, m_cand2;
    std::vector<uint64_t> m_local64;
};

/// Order-preserving map from float to uint32 (-0 and +0 map to the same key).
inline uint32_t sortableKey(float v) {
    v += 0.0f;  // -0 -> +0, so that -0 ties with +0 as in float comparison
    uint32_t u;
    __builtin_memcpy(&u, &v, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

}  // namespace sparselab

#pragma once

#include <cstdint>

namespace sparselab::quant {

/// Integer arithmetic shared (by definition, not by code) with the HLS kernels in fpga/hls:
/// both sides implement exactly these formulas, and the C-simulation tests check they agree.

/// A real factor M approximated as multiplier / 2^shift, multiplier in [2^30, 2^31) when M > 0.
struct Requant {
    int32_t multiplier = 0;
    int shift = 1;  ///< in [1, 62]
};

/// The closest Requant to a positive real factor (0 maps to multiplier 0).
Requant makeRequant(double factor);

/// Clamps to the symmetric int8 range [-127, 127] (-128 is never produced).
inline int8_t saturateInt8(int64_t v) {
    return static_cast<int8_t>(v > 127 ? 127 : (v < -127 ? -127 : v));
}

/// int32 accumulator -> int8: floor((acc * multiplier + 2^(shift-1)) / 2^shift) (round half up),
/// then saturated.
inline int8_t requantize(int32_t acc, const Requant& r) {
    const int64_t prod = static_cast<int64_t>(acc) * r.multiplier + (int64_t{1} << (r.shift - 1));
    return saturateInt8(prod >> r.shift);
}

/// Boost factors are Q8 fixed point: boostQ = round(boost * 256), clamped to [0, 65535].
constexpr int kBoostFractionBits = 8;
int32_t quantizeBoost(float boost);

/// The k-winners ranking key of an int8 activation with Q8 boost: floor((x * boostQ + 128) / 256)
/// saturated to int8. Winners are the k largest keys; ties go to the lower unit index (global) or
/// the lower channel (local). Unboosted: boostQ = 256, key = x.
inline int8_t boostedKey(int8_t x, int32_t boostQ) {
    return saturateInt8((static_cast<int32_t>(x) * boostQ + 128) >> kBoostFractionBits);
}

}  // namespace sparselab::quant

#include "fixed_point.h"

#include <algorithm>
#include <cmath>

namespace sparselab::quant {

Requant makeRequant(double factor) {
    Requant r;
    if (!(factor > 0.0) || !std::isfinite(factor)) return r;
    int exponent = 0;
    const double mantissa = std::frexp(factor, &exponent);  // factor = mantissa * 2^exponent
    auto m = static_cast<int64_t>(std::llround(mantissa * double(int64_t{1} << 31)));
    int shift = 31 - exponent;
    if (m == (int64_t{1} << 31)) {  // rounding reached 1.0
        m /= 2;
        --shift;
    }
    // Out-of-range factors: tiny ones become 0, huge ones saturate at shift 1.
    if (shift > 62) return Requant{};
    if (shift < 1) {
        m = (int64_t{1} << 31) - 1;
        shift = 1;
    }
    r.multiplier = static_cast<int32_t>(m);
    r.shift = shift;
    return r;
}

int32_t quantizeBoost(float boost) {
    const double q = std::round(double(boost) * double(1 << kBoostFractionBits));
    return static_cast<int32_t>(std::clamp(q, 0.0, 65535.0));
}

}  // namespace sparselab::quant

// The cpu-sparse kernels, written once with GCC vector extensions (16-float vectors) and compiled
// once per instruction set: include this file after defining SPARSELAB_KERNEL_NS (a namespace
// name unique to the translation unit) and SPARSELAB_KERNEL_ISA (the table's name). Everything
// here is internal to that namespace so that no inline function compiled for AVX-512 can be
// picked by the linker for another translation unit; for the same reason it uses no std:: code.
#include <cstring>

#include "sparse_kernels.h"

namespace sparselab::SPARSELAB_KERNEL_NS {
namespace {

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));

inline v16 load(const float* p) {
    return *reinterpret_cast<const v16u*>(p);
}
inline void store(float* p, v16 v) {
    *reinterpret_cast<v16u*>(p) = v;
}
inline v16 splat(float s) {
    return v16{} + s;
}
inline v16 vmax(v16 a, v16 b) {
    return a < b ? b : a;  // std::max semantics, lane by lane
}
inline float smax(float a, float b) {
    return a < b ? b : a;
}
inline int imax(int a, int b) {
    return a < b ? b : a;
}
inline int imin(int a, int b) {
    return a < b ? a : b;
}

/// Unstrided dense-input convolution: output rows in registers, 16 columns at a time.
void convDenseInputStride1(const ConvPlan& p, const float* pin, float* out, bool pool2) {
    const int chunks = p.woPad / 16;
    const int32_t* off = p.tapOffset.data();
    const float* tw = p.tapWeight.data();
    alignas(64) float tmp[16];
    const int ph = p.ho / 2, pw = p.wo / 2;
    for (int o = 0; o < p.cout; ++o) {
        const int t0 = p.tapStart[size_t(o)], t1 = p.tapStart[size_t(o) + 1];
        const v16 b = splat(p.bias[size_t(o)]);
        if (!pool2) {
            float* dst = out + size_t(o) * p.ho * p.wo;
            for (int y = 0; y < p.ho; ++y) {
                const float* row = pin + size_t(y) * p.strideH * p.wp;
                for (int ch = 0; ch < chunks; ++ch) {
                    v16 a = b;
                    const float* r = row + ch * 16;
                    for (int t = t0; t < t1; ++t) a += splat(tw[t]) * load(r + off[t]);
                    const int n = imin(16, p.wo - ch * 16);
                    if (n == 16) {
                        store(dst + y * p.wo + ch * 16, a);
                    } else {
                        store(tmp, a);
                        for (int l = 0; l < n; ++l) dst[y * p.wo + ch * 16 + l] = tmp[l];
                    }
                }
            }
        } else {
            float* dst = out + size_t(o) * ph * pw;
            for (int py = 0; py < ph; ++py) {
                const float* row0 = pin + size_t(2 * py) * p.strideH * p.wp;
                const float* row1 = row0 + size_t(p.strideH) * p.wp;
                for (int ch = 0; ch < chunks; ++ch) {
                    v16 a0 = b, a1 = b;
                    const float* r0 = row0 + ch * 16;
                    const float* r1 = row1 + ch * 16;
                    for (int t = t0; t < t1; ++t) {
                        const v16 w = splat(tw[t]);
                        a0 += w * load(r0 + off[t]);
                        a1 += w * load(r1 + off[t]);
                    }
                    store(tmp, vmax(a0, a1));
                    const int n = imin(8, pw - ch * 8);
                    for (int q = 0; q < n; ++q)
                        dst[py * pw + ch * 8 + q] = smax(tmp[2 * q], tmp[2 * q + 1]);
                }
            }
        }
    }
}

void convDenseInput(const ConvPlan& p, const float* pin, float* out, bool pool2) {
    if (p.strideW == 1) return convDenseInputStride1(p, pin, out, pool2);
    // Strided convolutions: plain loops over the same tap lists.
    const int32_t* off = p.tapOffset.data();
    const float* tw = p.tapWeight.data();
    auto value = [&](int o, int y, int x) {
        float a = p.bias[size_t(o)];
        const float* base = pin + size_t(y) * p.strideH * p.wp + size_t(x) * p.strideW;
        for (int t = p.tapStart[size_t(o)]; t < p.tapStart[size_t(o) + 1]; ++t)
            a += tw[t] * base[off[t]];
        return a;
    };
    const int ph = p.ho / 2, pw = p.wo / 2;
    for (int o = 0; o < p.cout; ++o) {
        if (!pool2) {
            for (int y = 0; y < p.ho; ++y)
                for (int x = 0; x < p.wo; ++x)
                    out[(size_t(o) * p.ho + y) * p.wo + x] = value(o, y, x);
        } else {
            for (int y = 0; y < ph; ++y)
                for (int x = 0; x < pw; ++x)
                    out[(size_t(o) * ph + y) * pw + x] =
                        smax(smax(value(o, 2 * y, 2 * x), value(o, 2 * y, 2 * x + 1)),
                             smax(value(o, 2 * y + 1, 2 * x), value(o, 2 * y + 1, 2 * x + 1)));
        }
    }
}

template <ScatterWeights W, bool Unit>
void convScatterT(const ConvPlan& p, const int32_t* index, const float* value, int64_t count,
                  float* acc) {
    const int hw = p.h * p.w, taps = p.kh * p.kw;
    const int sh = Unit ? 1 : p.strideH, sw = Unit ? 1 : p.strideW;
    for (int64_t a = 0; a < count; ++a) {
        const int idx = index[a];
        const float v = value[a];
        const v16 vv = splat(v);
        const int c = idx / hw, r = idx - c * hw;
        const int y = r / p.w, x = r - y * p.w;
        const int yp = y + p.padTop, xp = x + p.padLeft;
        // Output (oy, ox) receives tap (i, j) when oy * sh + i == yp and ox * sw + j == xp.
        const int iLo = imax(0, yp - (p.ho - 1) * sh), iHi = imin(p.kh - 1, yp);
        const int jLo = imax(0, xp - (p.wo - 1) * sw), jHi = imin(p.kw - 1, xp);
        for (int i = iLo; i <= iHi; ++i) {
            if (!Unit && (yp - i) % sh) continue;
            const int oy = (yp - i) / sh;
            const int gRow = (c * p.kh + i) * p.kw;
            for (int j = jLo; j <= jHi; ++j) {
                if (!Unit && (xp - j) % sw) continue;
                const int ox = (xp - j) / sw;
                const int g = gRow + j;
                float* base = acc + size_t(oy * p.wo + ox) * p.coutPad;
                if constexpr (W == ScatterWeights::Blocked) {
                    const int b1 = p.blockStart[size_t(g) + 1];
                    for (int b = p.blockStart[size_t(g)]; b < b1; ++b) {
                        float* d = base + p.blockOffset[size_t(b)];
                        store(d, load(d) + vv * load(p.blockWeights.data() + size_t(b) * 16));
                    }
                } else if constexpr (W == ScatterWeights::Unstructured) {
                    const int e1 = p.groupStart[size_t(g) + 1];
                    for (int e = p.groupStart[size_t(g)]; e < e1; ++e)
                        base[p.groupOut[size_t(e)]] += v * p.groupWeight[size_t(e)];
                } else {
                    const float* col = p.denseT.data() + size_t(g) * p.coutPad;
                    for (int b = 0; b < p.coutPad; b += 16)
                        store(base + b, load(base + b) + vv * load(col + b));
                }
            }
        }
    }
    (void)taps;
}

void convScatter(const ConvPlan& p, ScatterWeights w, const int32_t* index, const float* value,
                 int64_t count, float* acc) {
    std::memset(acc, 0, sizeof(float) * size_t(p.ho) * p.wo * p.coutPad);
    const bool unit = p.strideH == 1 && p.strideW == 1;
    switch (w) {
        case ScatterWeights::Blocked:
            return unit ? convScatterT<ScatterWeights::Blocked, true>(p, index, value, count, acc)
                        : convScatterT<ScatterWeights::Blocked, false>(p, index, value, count, acc);
        case ScatterWeights::Unstructured:
            return unit ? convScatterT<ScatterWeights::Unstructured, true>(p, index, value, count,
                                                                           acc)
                        : convScatterT<ScatterWeights::Unstructured, false>(p, index, value, count,
                                                                            acc);
        case ScatterWeights::Dense:
            return unit ? convScatterT<ScatterWeights::Dense, true>(p, index, value, count, acc)
                        : convScatterT<ScatterWeights::Dense, false>(p, index, value, count, acc);
    }
}

void convFinish(const ConvPlan& p, const float* acc, float* out, bool pool2) {
    alignas(64) float tmp[16];
    if (!pool2) {
        const int hw = p.ho * p.wo;
        for (int pos = 0; pos < hw; ++pos) {
            const float* a = acc + size_t(pos) * p.coutPad;
            for (int o = 0; o < p.cout; ++o) out[size_t(o) * hw + pos] = a[o] + p.bias[size_t(o)];
        }
        return;
    }
    const int ph = p.ho / 2, pw = p.wo / 2, phw = ph * pw;
    for (int py = 0; py < ph; ++py)
        for (int px = 0; px < pw; ++px) {
            const float* a00 = acc + size_t((2 * py) * p.wo + 2 * px) * p.coutPad;
            const float* a01 = a00 + p.coutPad;
            const float* a10 = a00 + size_t(p.wo) * p.coutPad;
            const float* a11 = a10 + p.coutPad;
            for (int o0 = 0; o0 < p.cout; o0 += 16) {
                const v16 b = load(p.bias.data() + o0);
                const v16 m = vmax(vmax(load(a00 + o0) + b, load(a01 + o0) + b),
                                   vmax(load(a10 + o0) + b, load(a11 + o0) + b));
                store(tmp, m);
                const int n = imin(16, p.cout - o0);
                for (int l = 0; l < n; ++l) out[size_t(o0 + l) * phw + py * pw + px] = tmp[l];
            }
        }
}

template <ScatterWeights W>
void linearScatterT(const LinearPlan& p, const int32_t* index, const float* value, int64_t count,
                    float* y) {
    for (int b = 0; b < p.outPad; b += 16) store(y + b, load(p.bias.data() + b));
    const int64_t n = index ? count : p.in;
    for (int64_t a = 0; a < n; ++a) {
        const int j = index ? index[a] : static_cast<int>(a);
        const float v = value[a];
        if constexpr (W == ScatterWeights::Blocked) {
            const v16 vv = splat(v);
            const int b1 = p.blockStart[size_t(j) + 1];
            for (int b = p.blockStart[size_t(j)]; b < b1; ++b) {
                float* d = y + p.blockOffset[size_t(b)];
                store(d, load(d) + vv * load(p.blockWeights.data() + size_t(b) * 16));
            }
        } else if constexpr (W == ScatterWeights::Unstructured) {
            const int e1 = p.colStart[size_t(j) + 1];
            for (int e = p.colStart[size_t(j)]; e < e1; ++e)
                y[p.rowIndex[size_t(e)]] += v * p.colValue[size_t(e)];
        } else {
            const v16 vv = splat(v);
            const float* col = p.denseT.data() + size_t(j) * p.outPad;
            for (int b = 0; b < p.outPad; b += 16) store(y + b, load(y + b) + vv * load(col + b));
        }
    }
}

void linearScatter(const LinearPlan& p, ScatterWeights w, const int32_t* index, const float* value,
                   int64_t count, float* y) {
    switch (w) {
        case ScatterWeights::Blocked:
            return linearScatterT<ScatterWeights::Blocked>(p, index, value, count, y);
        case ScatterWeights::Unstructured:
            return linearScatterT<ScatterWeights::Unstructured>(p, index, value, count, y);
        case ScatterWeights::Dense:
            return linearScatterT<ScatterWeights::Dense>(p, index, value, count, y);
    }
}

}  // namespace

extern const SparseKernelTable kTable;
const SparseKernelTable kTable{SPARSELAB_KERNEL_ISA, convDenseInput, convScatter, convFinish,
                               linearScatter};

}  // namespace sparselab::SPARSELAB_KERNEL_NS

// The cpu-sparse kernels, written once with GCC vector extensions (16-float vectors) and compiled
// once per instruction set: include this file after defining SPARSELAB_KERNEL_NS (a namespace
// name unique to the translation unit) and SPARSELAB_KERNEL_ISA (the table's name). Everything
// here is internal to that namespace so that no inline function compiled for AVX-512 can be
// picked by the linker for another translation unit; for the same reason it uses no std:: code.
#include <cstring>

#include <immintrin.h>

#include "sparse_kernels.h"

namespace sparselab::SPARSELAB_KERNEL_NS {
namespace {

// Native vectors: 16 lanes (AVX-512), 8 (AVX2) or 4 (SSE2); a "v16" is kParts of them.
#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
constexpr int kParts = 16 / kLanes;
typedef float vec __attribute__((vector_size(kLanes * 4)));
typedef float vecu __attribute__((vector_size(kLanes * 4), aligned(4), may_alias));

inline vec loadv(const float* p) {
    return *reinterpret_cast<const vecu*>(p);
}
inline void storev(float* p, vec v) {
    *reinterpret_cast<vecu*>(p) = v;
}
inline vec splat(float s) {
    // A plain broadcast (vec{} + s would first add 0.0f: one more dependent instruction).
#if defined(__AVX512F__)
    return vec(_mm512_set1_ps(s));
#elif defined(__AVX__)
    return vec(_mm256_set1_ps(s));
#else
    return vec(_mm_set1_ps(s));
#endif
}
inline vec vmax(vec a, vec b) {
    return a < b ? b : a;  // std::max semantics, lane by lane
}
/// d[0..16) += v * w[0..16)
inline void axpy16(float* d, vec v, const float* w) {
#pragma GCC unroll 4
    for (int h = 0; h < kParts; ++h)
        storev(d + h * kLanes, loadv(d + h * kLanes) + v * loadv(w + h * kLanes));
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

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));

inline v16 load16(const float* p) {
    v16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline v16 max16(v16 a, v16 b) {
    return a < b ? b : a;
}
inline v8 max8(v8 a, v8 b) {
    return a < b ? b : a;
}

/// 2x2 max-pool of C chunks of 16 columns, given the vertical maxima m[c] of a row pair:
/// writes 8 C pooled values to d; those past the pooled row's end are scratch that the next row
/// (or channel) overwrites.
template <int C>
inline void poolColumns(const v16* m, float* d) {
    for (int c = 0; c + 1 < C; c += 2) {
        const v16 even = __builtin_shufflevector(m[c], m[c + 1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                                 20, 22, 24, 26, 28, 30);
        const v16 odd = __builtin_shufflevector(m[c], m[c + 1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19,
                                                21, 23, 25, 27, 29, 31);
        const v16 r = max16(even, odd);
        std::memcpy(d + c * 8, &r, sizeof r);
    }
    if constexpr (C % 2 == 1) {
        const v8 even = __builtin_shufflevector(m[C - 1], m[C - 1], 0, 2, 4, 6, 8, 10, 12, 14);
        const v8 odd = __builtin_shufflevector(m[C - 1], m[C - 1], 1, 3, 5, 7, 9, 11, 13, 15);
        const v8 r = max8(even, odd);
        std::memcpy(d + (C - 1) * 8, &r, sizeof r);
    }
}

/// R output rows (strideH rows apart in `pin`) x C chunks of 16 columns of one output channel,
/// all accumulators in registers: acc[r][c] = bias + taps. Stride > 0: the row stride in
/// `pin` is known at compile time (plain displacements: no registers for the row addresses).
template <int C, int R, int Stride = 0>
inline void convRowAcc(const ConvPlan& p, const float* base, int t0, int t1, float bias,
                       vec (&acc)[R][C][kParts]) {
    const int32_t* off = p.tapOffset.data();
    const float* tw = p.tapWeight.data();
    const size_t rowStride = Stride > 0 ? size_t(Stride) : size_t(p.strideH) * p.inRow;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c)
#pragma GCC unroll 4
            for (int h = 0; h < kParts; ++h) acc[r][c][h] = splat(bias);
    for (int t = t0; t < t1; ++t) {
        const vec w = splat(tw[t]);
        const float* src = base + off[t];
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
            for (int c = 0; c < C; ++c)
#pragma GCC unroll 4
                for (int h = 0; h < kParts; ++h)
                    acc[r][c][h] += w * loadv(src + r * rowStride + c * 16 + h * kLanes);
    }
}

/// convRowAcc stored: rows[r][0 .. 16 C) = bias + taps.
template <int C, int R, int Stride = 0>
inline void convRowBlock(const ConvPlan& p, const float* base, int t0, int t1, float bias,
                         float* rows /* [R][C * 16] */) {
    vec acc[R][C][kParts];
    convRowAcc<C, R, Stride>(p, base, t0, t1, bias, acc);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c)
#pragma GCC unroll 4
            for (int h = 0; h < kParts; ++h)
                storev(rows + (r * C + c) * 16 + h * kLanes, acc[r][c][h]);
}

/// Max of each horizontal pair of the concatenation a:b (lanes 2i and 2i + 1), for native
/// vectors of 8 or 4 lanes. (A template, so that only the branch for this width is compiled.)
template <class V>
inline V pairMax(V a, V b) {
    if constexpr (sizeof(V) == 32)
        return vmax(__builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14),
                    __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
    else
        return vmax(__builtin_shufflevector(a, b, 0, 2, 4, 6),
                    __builtin_shufflevector(a, b, 1, 3, 5, 7));
}

/// convRowAcc for R (even) rows, 2x2 max-pooled in registers: R / 2 pooled rows of 8 C
/// values, pw apart, at d (values past a pooled row's end are scratch, as in poolColumns).
/// Only the pooled values are stored.
template <int C, int R, int Stride = 0>
inline void convRowBlockPooled(const ConvPlan& p, const float* base, int t0, int t1, float bias,
                               float* d, int pw) {
    vec acc[R][C][kParts];
    convRowAcc<C, R, Stride>(p, base, t0, t1, bias, acc);
#pragma GCC unroll 8
    for (int q = 0; q < R / 2; ++q) {
        if constexpr (kParts == 1) {
            v16 m[C];
#pragma GCC unroll 16
            for (int c = 0; c < C; ++c) m[c] = max16(acc[2 * q][c][0], acc[2 * q + 1][c][0]);
            poolColumns<C>(m, d + q * pw);
        } else {
            // Narrower vectors: each pair of them gives kLanes pooled values (a 16-float
            // shuffle would be split into scalar code).
#pragma GCC unroll 16
            for (int c = 0; c < C; ++c)
#pragma GCC unroll 4
                for (int h = 0; h < kParts; h += 2) {
                    const vec a = vmax(acc[2 * q][c][h], acc[2 * q + 1][c][h]);
                    const vec b = vmax(acc[2 * q][c][h + 1], acc[2 * q + 1][c][h + 1]);
                    storev(d + q * pw + c * 8 + (h / 2) * kLanes, pairMax(a, b));
                }
        }
    }
}

/// Unstrided dense-input convolution with C chunks of 16 columns per output row. Stride > 0:
/// pin's row stride (strideH * inRow) equals it.
template <int C, int Stride = 0>
void convDenseInputC(const ConvPlan& p, const float* pin, float* out, bool pool2) {
    // Enough independent accumulators to hide the FMA latency, few enough to stay in registers.
    constexpr int R = kLanes == 16 ? (C <= 2 ? 4 : 2) : (C <= 1 ? 4 : 2);
    alignas(64) float rows[R * C * 16];
    const size_t rowStride = Stride > 0 ? size_t(Stride) : size_t(p.strideH) * p.inRow;
    const int ph = p.ho / 2, pw = p.wo / 2;
    for (int o = 0; o < p.cout; ++o) {
        const int t0 = p.tapStart[size_t(o)], t1 = p.tapStart[size_t(o) + 1];
        const float b = p.bias[size_t(o)];
        if (!pool2) {
            float* dst = out + size_t(o) * p.ho * p.wo;
            int y = 0;
            for (; y + R <= p.ho; y += R) {
                convRowBlock<C, R, Stride>(p, pin + y * rowStride, t0, t1, b, rows);
                for (int r = 0; r < R; ++r)
                    std::memcpy(dst + (y + r) * p.wo, rows + r * C * 16, sizeof(float) * p.wo);
            }
            for (; y < p.ho; ++y) {
                convRowBlock<C, 1, Stride>(p, pin + y * rowStride, t0, t1, b, rows);
                std::memcpy(dst + y * p.wo, rows, sizeof(float) * p.wo);
            }
        } else {
            float* dst = out + size_t(o) * ph * pw;
            int py = 0;
            for (; 2 * py + R <= 2 * ph && R % 2 == 0; py += R / 2)
                convRowBlockPooled<C, R, Stride>(p, pin + 2 * py * rowStride, t0, t1, b,
                                                 dst + py * pw, pw);
            for (; py < ph; ++py)
                convRowBlockPooled<C, 2, Stride>(p, pin + 2 * py * rowStride, t0, t1, b,
                                                 dst + py * pw, pw);
        }
    }
}

/// convDenseInputC<C> with the row stride as a constant when it is one: unstrided rows of
/// the shifted copies, whose inRow is woPad = 16 C.
template <int C>
void convDenseInputRows(const ConvPlan& p, const float* pin, float* out, bool pool2) {
    if (p.strideH == 1 && p.inRow == 16 * C) return convDenseInputC<C, 16 * C>(p, pin, out, pool2);
    convDenseInputC<C>(p, pin, out, pool2);
}

void convDenseInputStride1(const ConvPlan& p, const float* pin, float* out, bool pool2) {
    switch (p.woPad / 16) {
        case 1:
            return convDenseInputRows<1>(p, pin, out, pool2);
        case 2:
            return convDenseInputRows<2>(p, pin, out, pool2);
        case 3:
            return convDenseInputRows<3>(p, pin, out, pool2);
        default:
            break;
    }
    // Wide rows: one 16-column chunk at a time.
    alignas(64) float rows[2 * 16];
    const size_t rowStride = size_t(p.strideH) * p.inRow;
    const int ph = p.ho / 2, pw = p.wo / 2;
    for (int o = 0; o < p.cout; ++o) {
        const int t0 = p.tapStart[size_t(o)], t1 = p.tapStart[size_t(o) + 1];
        const float b = p.bias[size_t(o)];
        if (!pool2) {
            for (int y = 0; y < p.ho; ++y)
                for (int c = 0; c * 16 < p.wo; ++c) {
                    convRowBlock<1, 1>(p, pin + y * rowStride + c * 16, t0, t1, b, rows);
                    const int n = imin(16, p.wo - c * 16);
                    std::memcpy(out + (size_t(o) * p.ho + y) * p.wo + c * 16, rows,
                                sizeof(float) * size_t(n));
                }
        } else {
            for (int py = 0; py < ph; ++py)
                for (int c = 0; c * 8 < pw; ++c) {
                    convRowBlock<1, 2>(p, pin + 2 * py * rowStride + c * 16, t0, t1, b, rows);
                    const int n = imin(8, pw - c * 8);
                    for (int q = 0; q < n; ++q)
                        out[(size_t(o) * ph + py) * pw + c * 8 + q] =
                            smax(smax(rows[2 * q], rows[2 * q + 1]),
                                 smax(rows[16 + 2 * q], rows[16 + 2 * q + 1]));
                }
        }
    }
}

/// in [cin][h][w] -> pin in the plan's layout (see ConvPlan::shifts): copy s of channel c,
/// row padTop + y, column x holds in[c][y][x + s - padLeft]; places outside stay zero.
void fillPaddedInput(const ConvPlan& p, const float* in, float* pin) {
#if defined(__AVX512F__)
    // Whole 16-float chunks of each row, the places outside the input loaded as zeros (masked
    // loads), one lane mask per chunk and shift (GSC conv1: 280 instead of 620 ns).
    if (p.inRow % 16 == 0 && p.inRow <= 1024) {
        const int chunks = p.inRow / 16;
        __mmask16 mask[64];
        for (int s = 0; s < p.shifts; ++s) {
            const int x0 = imax(0, p.padLeft - s), x1 = imin(p.inRow, p.w + p.padLeft - s);
            for (int k = 0; k < chunks; ++k) {
                const int lo = x0 - 16 * k, hi = x1 - 16 * k;  // valid lanes [lo, hi)
                const unsigned top = hi >= 16 ? 0xFFFFu : hi <= 0 ? 0u : (1u << hi) - 1;
                const unsigned bottom = lo <= 0 ? 0xFFFFu : lo >= 16 ? 0u : ~((1u << lo) - 1);
                mask[k] = __mmask16(top & bottom);
            }
            for (int c = 0; c < p.cin; ++c) {
                float* dst = pin + (size_t(c * p.shifts + s) * p.hp + p.padTop) * p.inRow;
                const float* src = in + size_t(c) * p.h * p.w + (s - p.padLeft);
                for (int y = 0; y < p.h; ++y, dst += p.inRow, src += p.w)
                    for (int k = 0; k < chunks; ++k)
                        _mm512_store_ps(dst + 16 * k, _mm512_maskz_loadu_ps(mask[k], src + 16 * k));
            }
        }
        return;
    }
#endif
    for (int c = 0; c < p.cin; ++c)
        for (int s = 0; s < p.shifts; ++s) {
            const int x0 = imax(0, p.padLeft - s), x1 = imin(p.inRow, p.w + p.padLeft - s);
            for (int y = 0; y < p.h; ++y) {
                float* dst = pin + (size_t(c * p.shifts + s) * p.hp + y + p.padTop) * p.inRow;
                const float* src = in + (size_t(c) * p.h + y) * p.w + (s - p.padLeft);
                for (int x = x0; x < x1; ++x) dst[x] = src[x];
            }
        }
}

void convDenseInput(const ConvPlan& p, const float* in, float* pin, float* out, bool pool2) {
    fillPaddedInput(p, in, pin);
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

/// Stride-1 scatter with the precomputed per-position tables: the rows of the active inputs
/// (only entries whose output lies inside) are first gathered into a flat work list, a fixed
/// width per input, branch-free; then one loop of updates with a predictable trip count.
template <ScatterWeights W, int Width>
void convScatterTable(const ConvPlan& p, const int32_t* index, const float* value, int64_t count,
                      float* acc) {
    constexpr int kWork = 2048;
    alignas(64) uint32_t work[kWork];
    alignas(64) float val[kWork];
    const int width = Width > 0 ? Width : p.scatterWidth;
    const int stride = p.scatterStride;
    const uint32_t* rows = p.scatterPairs.data();
    const uint16_t* counts = p.scatterCount.data();
    const float* w = W == ScatterWeights::Blocked ? p.chanBlockWeights.data() : p.chanWeight.data();
    for (int64_t a = 0; a < count;) {
        int n = 0;
        for (; a < count && n + width <= kWork; ++a) {
            const int32_t in = index[a];
            const uint32_t* row = rows + size_t(in) * stride;
#if defined(__AVX__)
            const v8 v = v8(_mm256_set1_ps(value[a]));
#else
            const v8 v = v8{} + value[a];
#endif
            for (int q = 0; q < width; q += 8) {
                std::memcpy(work + n + q, row + q, sizeof(uint32_t) * 8);
                std::memcpy(val + n + q, &v, sizeof v);
            }
            n += counts[in];
        }
        for (int e = 0; e < n; ++e) {
            const uint32_t pr = work[e];
            if constexpr (W == ScatterWeights::Blocked)
                axpy16(acc + (pr & 0xFFFFu) * 16, splat(val[e]), w + (pr >> 16) * 16);
            else
                acc[pr & 0xFFFFu] += val[e] * w[pr >> 16];
        }
    }
}

template <ScatterWeights W>
void convScatterTableAny(const ConvPlan& p, const int32_t* index, const float* value, int64_t count,
                         float* acc) {
    switch (p.scatterWidth) {
        case 8:
            return convScatterTable<W, 8>(p, index, value, count, acc);
        case 16:
            return convScatterTable<W, 16>(p, index, value, count, acc);
        default:
            return convScatterTable<W, 0>(p, index, value, count, acc);
    }
}

/// Stride-1 scatter: per active input, the entries of its channel, each checked against the
/// output bounds (oy = y' - i, ox = x' - j).
template <ScatterWeights W>
void convScatterUnit(const ConvPlan& p, const int32_t* index, const float* value, int64_t count,
                     float* acc) {
    const int32_t* decode = p.decode.data();
    const unsigned ho = unsigned(p.ho), wo = unsigned(p.wo);
    // Eight rotating 16-float scratch blocks past the end (one would chain every write to it).
    const int64_t scratch = int64_t(p.ho) * p.wo * p.coutPad;
    for (int64_t a = 0; a < count; ++a) {
        const int32_t d = decode[index[a]];
        const int c = d >> 20, yp = (d >> 10) & 1023, xp = d & 1023;
        const float v = value[a];
        // Entries hold -(i * wo + j) * coutPad + output, relative to output position (y', x').
        float* base = acc;
        const int64_t at = int64_t(yp * p.wo + xp) * p.coutPad;
        if constexpr (W == ScatterWeights::Blocked) {
            const vec vv = splat(v);
            const int e1 = p.chanBlockStart[size_t(c) + 1];
            const int32_t* tap = p.chanBlockTap.data();
            const int32_t* delta = p.chanBlockDelta.data();
            const float* w = p.chanBlockWeights.data();
            for (int e = p.chanBlockStart[size_t(c)]; e < e1; ++e) {
                // Branch-free: an entry whose output falls outside goes to a scratch block after
                // the accumulator (its position is data dependent, a branch mispredicts).
                const int i = tap[e] >> 16, j = tap[e] & 0xFFFF;
                const bool inside = unsigned(yp - i) < ho && unsigned(xp - j) < wo;
                axpy16(base + (inside ? at + delta[e] : scratch + (e & 7) * 16), vv,
                       w + size_t(e) * 16);
            }
        } else if constexpr (W == ScatterWeights::Unstructured) {
            const int e1 = p.chanStart[size_t(c) + 1];
            const int32_t* tap = p.chanTap.data();
            const int32_t* delta = p.chanDelta.data();
            const float* w = p.chanWeight.data();
            for (int e = p.chanStart[size_t(c)]; e < e1; ++e) {
                const int i = tap[e] >> 16, j = tap[e] & 0xFFFF;
                const bool inside = unsigned(yp - i) < ho && unsigned(xp - j) < wo;
                base[inside ? at + delta[e] : scratch + (e & 7) * 16] += v * w[e];
            }
        } else {
            const vec vv = splat(v);
            const int iLo = imax(0, yp - (p.ho - 1)), iHi = imin(p.kh - 1, yp);
            const int jLo = imax(0, xp - (p.wo - 1)), jHi = imin(p.kw - 1, xp);
            for (int i = iLo; i <= iHi; ++i)
                for (int j = jLo; j <= jHi; ++j) {
                    const float* col =
                        p.denseT.data() + size_t((c * p.kh + i) * p.kw + j) * p.coutPad;
                    float* dst = base + (at - int64_t(i * p.wo + j) * p.coutPad);
                    for (int b = 0; b < p.coutPad; b += 16) axpy16(dst + b, vv, col + b);
                }
        }
    }
}

/// Any stride: entries grouped by (channel, tap).
template <ScatterWeights W>
void convScatterStrided(const ConvPlan& p, const int32_t* index, const float* value, int64_t count,
                        float* acc) {
    const int32_t* decode = p.decode.data();
    const int sh = p.strideH, sw = p.strideW;
    for (int64_t a = 0; a < count; ++a) {
        const int32_t d = decode[index[a]];
        const int c = d >> 20, yp = (d >> 10) & 1023, xp = d & 1023;
        const float v = value[a];
        const vec vv = splat(v);
        // Output (oy, ox) receives tap (i, j) when oy * sh + i == yp and ox * sw + j == xp.
        const int iLo = imax(0, yp - (p.ho - 1) * sh), iHi = imin(p.kh - 1, yp);
        const int jLo = imax(0, xp - (p.wo - 1) * sw), jHi = imin(p.kw - 1, xp);
        for (int i = iLo; i <= iHi; ++i) {
            if ((yp - i) % sh) continue;
            const int oy = (yp - i) / sh;
            for (int j = jLo; j <= jHi; ++j) {
                if ((xp - j) % sw) continue;
                const int ox = (xp - j) / sw;
                const int g = (c * p.kh + i) * p.kw + j;
                float* base = acc + size_t(oy * p.wo + ox) * p.coutPad;
                if constexpr (W == ScatterWeights::Blocked) {
                    for (int b = p.blockStart[size_t(g)]; b < p.blockStart[size_t(g) + 1]; ++b)
                        axpy16(base + p.blockOffset[size_t(b)], vv,
                               p.blockWeights.data() + size_t(b) * 16);
                } else if constexpr (W == ScatterWeights::Unstructured) {
                    for (int e = p.groupStart[size_t(g)]; e < p.groupStart[size_t(g) + 1]; ++e)
                        base[p.groupOut[size_t(e)]] += v * p.groupWeight[size_t(e)];
                } else {
                    const float* col = p.denseT.data() + size_t(g) * p.coutPad;
                    for (int b = 0; b < p.coutPad; b += 16) axpy16(base + b, vv, col + b);
                }
            }
        }
    }
}

void convScatter(const ConvPlan& p, ScatterWeights w, const int32_t* index, const float* value,
                 int64_t count, float* acc) {
    std::memset(acc, 0, sizeof(float) * size_t(p.ho) * p.wo * p.coutPad);
    const bool unit = p.strideH == 1 && p.strideW == 1;
    const bool table = unit && p.scatterWidth > 0 && p.scatterWidth <= 1024 &&
                       (w == ScatterWeights::Blocked) == p.blocked && w != ScatterWeights::Dense;
    if (table)
        return w == ScatterWeights::Blocked
                   ? convScatterTableAny<ScatterWeights::Blocked>(p, index, value, count, acc)
                   : convScatterTableAny<ScatterWeights::Unstructured>(p, index, value, count, acc);
    switch (w) {
        case ScatterWeights::Blocked:
            return unit ? convScatterUnit<ScatterWeights::Blocked>(p, index, value, count, acc)
                        : convScatterStrided<ScatterWeights::Blocked>(p, index, value, count, acc);
        case ScatterWeights::Unstructured:
            return unit ? convScatterUnit<ScatterWeights::Unstructured>(p, index, value, count, acc)
                        : convScatterStrided<ScatterWeights::Unstructured>(p, index, value, count,
                                                                           acc);
        case ScatterWeights::Dense:
            return unit ? convScatterUnit<ScatterWeights::Dense>(p, index, value, count, acc)
                        : convScatterStrided<ScatterWeights::Dense>(p, index, value, count, acc);
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
#pragma GCC unroll 4
                for (int h = 0; h < kParts; ++h) {
                    const int o = o0 + h * kLanes;
                    const vec b = loadv(p.bias.data() + o);
                    storev(tmp + h * kLanes, vmax(vmax(loadv(a00 + o) + b, loadv(a01 + o) + b),
                                                  vmax(loadv(a10 + o) + b, loadv(a11 + o) + b)));
                }
                const int n = imin(16, p.cout - o0);
                for (int l = 0; l < n; ++l) out[size_t(o0 + l) * phw + py * pw + px] = tmp[l];
            }
        }
}

/// Blocked scatter into a single 16-output block (e.g. a classifier): the sum stays in
/// registers, in four partial sums so that consecutive inputs do not wait on each other.
void linearScatterOneBlock(const LinearPlan& p, const int32_t* index, const float* value,
                           int64_t count, float* y) {
    vec acc[4][kParts] = {};
    const int32_t* start = p.blockStart.data();
    const float* w = p.blockWeights.data();
    const int64_t n = index ? count : p.in;
    int64_t a = 0;
    auto add = [&](int part, int64_t at) {
        const int j = index ? index[at] : static_cast<int>(at);
        if (start[j] == start[j + 1]) return;  // no weight for this input
        const vec v = splat(value[at]);
        const float* wb = w + size_t(start[j]) * 16;
#pragma GCC unroll 4
        for (int h = 0; h < kParts; ++h) acc[part][h] += v * loadv(wb + h * kLanes);
    };
    for (; a + 4 <= n; a += 4)
        for (int q = 0; q < 4; ++q) add(q, a + q);
    for (; a < n; ++a) add(0, a);
#pragma GCC unroll 4
    for (int h = 0; h < kParts; ++h)
        storev(y + h * kLanes, loadv(p.bias.data() + h * kLanes) +
                                   ((acc[0][h] + acc[1][h]) + (acc[2][h] + acc[3][h])));
}

/// Blocked scatter. B > 0: every input has B blocks (structured layers), so there is no
/// per-input block range to load and the updates of one input are fully unrolled; B == 0: the
/// range of input j is [blockStart[j], blockStart[j + 1]).
template <int B>
void linearScatterBlocked(const LinearPlan& p, const int32_t* index, const float* value,
                          int64_t count, float* y) {
    std::memcpy(y, p.bias.data(), sizeof(float) * size_t(p.outPad));
    const int64_t n = index ? count : p.in;
    // Plain pointers: stores through y could alias the vectors' internals, which would make the
    // compiler reload their data pointers in the inner loops.
    const int32_t* blockStart = p.blockStart.data();
    const int32_t* blockOffset = p.blockOffset.data();
    const float* blockWeights = p.blockWeights.data();
    for (int64_t a = 0; a < n; ++a) {
        const size_t j = size_t(index ? index[a] : static_cast<int>(a));
        const vec vv = splat(value[a]);
        if constexpr (B > 0) {
            const int32_t* off = blockOffset + j * B;
            const float* wb = blockWeights + j * B * 16;
#pragma GCC unroll 8
            for (int q = 0; q < B; ++q) axpy16(y + off[q], vv, wb + q * 16);
        } else {
            const int b1 = blockStart[j + 1];
            for (int b = blockStart[j]; b < b1; ++b)
                axpy16(y + blockOffset[b], vv, blockWeights + size_t(b) * 16);
        }
    }
}

/// linearScatterBlocked<blocksPerInput> when 1 <= blocksPerInput <= 8, else <0>.
template <int B = 1>
void linearScatterBlockedAny(const LinearPlan& p, const int32_t* index, const float* value,
                             int64_t count, float* y) {
    if constexpr (B > 8) {
        linearScatterBlocked<0>(p, index, value, count, y);
    } else {
        if (p.blocksPerInput == B) return linearScatterBlocked<B>(p, index, value, count, y);
        linearScatterBlockedAny<B + 1>(p, index, value, count, y);
    }
}

/// Unstructured (CSC lists) or dense-weight (transposed columns) scatter.
template <ScatterWeights W>
void linearScatterColumns(const LinearPlan& p, const int32_t* index, const float* value,
                          int64_t count, float* y) {
    std::memcpy(y, p.bias.data(), sizeof(float) * size_t(p.outPad));
    const int64_t n = index ? count : p.in;
    // Plain pointers (see linearScatterBlocked).
    const int32_t* colStart = p.colStart.data();
    const int32_t* rowIndex = p.rowIndex.data();
    const float* colValue = p.colValue.data();
    const float* denseT = p.denseT.data();
    const int outPad = p.outPad;
    for (int64_t a = 0; a < n; ++a) {
        const int j = index ? index[a] : static_cast<int>(a);
        const float v = value[a];
        if constexpr (W == ScatterWeights::Unstructured) {
            const int e1 = colStart[j + 1];
            for (int e = colStart[j]; e < e1; ++e) y[rowIndex[e]] += v * colValue[e];
        } else {
            const vec vv = splat(v);
            const float* col = denseT + size_t(j) * outPad;
            for (int b = 0; b < outPad; b += 16) axpy16(y + b, vv, col + b);
        }
    }
}

void linearScatter(const LinearPlan& p, ScatterWeights w, const int32_t* index, const float* value,
                   int64_t count, float* y) {
    switch (w) {
        case ScatterWeights::Blocked:
            if (p.outPad == 16) return linearScatterOneBlock(p, index, value, count, y);
            return linearScatterBlockedAny(p, index, value, count, y);
        case ScatterWeights::Unstructured:
            return linearScatterColumns<ScatterWeights::Unstructured>(p, index, value, count, y);
        case ScatterWeights::Dense:
            return linearScatterColumns<ScatterWeights::Dense>(p, index, value, count, y);
    }
}

/// As sortableKey(): order-preserving, -0 and +0 share a key (fixed up on the integer, since
/// adding +0 to a product could be contracted into an FMA).
inline uint32_t keyOf(float v) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    const uint32_t key = u ^ (uint32_t(int32_t(u) >> 31) | 0x80000000u);
    return key + (key == 0x7FFFFFFFu);
}

void boostedKeys(const float* src, const float* boost, int64_t channels, int64_t inner,
                 uint32_t* keys) {
    if (!boost) {
        for (int64_t i = 0; i < channels * inner; ++i) keys[i] = keyOf(src[i]);
        return;
    }
    if (inner == 1) {  // one boost per unit (feature vectors)
        for (int64_t i = 0; i < channels; ++i) keys[i] = keyOf(src[i] * boost[i]);
        return;
    }
    for (int64_t c = 0; c < channels; ++c) {
        const float b = boost[c];
        const float* s = src + c * inner;
        uint32_t* k = keys + c * inner;
        for (int64_t i = 0; i < inner; ++i) k[i] = keyOf(s[i] * b);
    }
}

/// keysInRange; WithIndex false: idx is not written (only the keys are wanted).
template <bool WithIndex>
int64_t keysInRangeT(const uint32_t* keys, const int32_t* idxIn, int64_t n, uint32_t lo,
                     uint32_t hi, int32_t* idx, uint32_t* keysOut) {
    int64_t c = 0, i = 0;
#if defined(__AVX512F__)
    const __m512i vlo = _mm512_set1_epi32(int(lo)), vhi = _mm512_set1_epi32(int(hi));
    const __m512i step = _mm512_set1_epi32(16);
    __m512i iv = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; i + 16 <= n; i += 16) {
        const __m512i k = _mm512_loadu_si512(keys + i);
        const __mmask16 m = _mm512_cmpge_epu32_mask(k, vlo) & _mm512_cmple_epu32_mask(k, vhi);
        if constexpr (WithIndex) {
            const __m512i id = idxIn ? _mm512_loadu_si512(idxIn + i) : iv;
            _mm512_storeu_si512(idx + c, _mm512_maskz_compress_epi32(m, id));
        }
        if (keysOut) _mm512_storeu_si512(keysOut + c, _mm512_maskz_compress_epi32(m, k));
        c += __builtin_popcount(m);
        iv = _mm512_add_epi32(iv, step);
    }
    if (i < n) {  // the tail as one masked step
        const __mmask16 valid = __mmask16((1u << (n - i)) - 1);
        const __m512i k = _mm512_maskz_loadu_epi32(valid, keys + i);
        const __mmask16 m =
            _mm512_mask_cmpge_epu32_mask(valid, k, vlo) & _mm512_cmple_epu32_mask(k, vhi);
        if constexpr (WithIndex) {
            const __m512i id = idxIn ? _mm512_maskz_loadu_epi32(valid, idxIn + i) : iv;
            _mm512_storeu_si512(idx + c, _mm512_maskz_compress_epi32(m, id));
        }
        if (keysOut) _mm512_storeu_si512(keysOut + c, _mm512_maskz_compress_epi32(m, k));
        c += __builtin_popcount(m);
        i = n;
    }
#elif defined(__AVX2__)
    // Unsigned comparisons as signed ones on keys with the top bit flipped.
    const __m256i flip = _mm256_set1_epi32(int(0x80000000u));
    const __m256i vlo = _mm256_set1_epi32(int(lo ^ 0x80000000u));
    const __m256i vhi = _mm256_set1_epi32(int(hi ^ 0x80000000u));
    for (; i + 8 <= n; i += 8) {
        const __m256i k =
            _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + i)), flip);
        const __m256i out = _mm256_or_si256(_mm256_cmpgt_epi32(vlo, k), _mm256_cmpgt_epi32(k, vhi));
        unsigned m = ~unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(out))) & 0xFFu;
        while (m) {
            const int64_t j = i + __builtin_ctz(m);
            if constexpr (WithIndex) idx[c] = idxIn ? idxIn[j] : int32_t(j);
            if (keysOut) keysOut[c] = keys[j];
            ++c;
            m &= m - 1;
        }
    }
#endif
    for (; i < n; ++i) {
        if constexpr (WithIndex) idx[c] = idxIn ? idxIn[i] : int32_t(i);
        if (keysOut) keysOut[c] = keys[i];
        c += keys[i] >= lo && keys[i] <= hi;
    }
    return c;
}

int64_t keysInRange(const uint32_t* keys, const int32_t* idxIn, int64_t n, uint32_t lo, uint32_t hi,
                    int32_t* idx, uint32_t* keysOut) {
    return idx ? keysInRangeT<true>(keys, idxIn, n, lo, hi, idx, keysOut)
               : keysInRangeT<false>(keys, idxIn, n, lo, hi, idx, keysOut);
}

#if defined(__AVX2__)
/// For every 8-bit mask, the lanes of its set bits in increasing order (then zeros): a vpermd
/// with this index vector packs the selected lanes of 8 to the front. Zen 4 runs two of these
/// (with their 256-bit stores) faster than one 512-bit compress with its store.
struct LanePackTable {
    alignas(32) int32_t lanes[256][8];
};
constexpr LanePackTable makeLanePackTable() {
    LanePackTable t{};
    for (int m = 0; m < 256; ++m) {
        int n = 0;
        for (int b = 0; b < 8; ++b)
            if (m >> b & 1) t.lanes[m][n++] = b;
    }
    return t;
}
constexpr LanePackTable kLanePack = makeLanePackTable();

/// The float whose key is lo: keys >= lo are exactly the non-NaN values >= it.
inline float keyThreshold(uint32_t lo) {
    const uint32_t bits = lo >= 0x80000000u ? lo ^ 0x80000000u : ~lo;
    float thr;
    std::memcpy(&thr, &bits, sizeof thr);
    return thr;
}

/// Appends the lanes of `mask` (8 bits) of iv / y at c: 8 values are written.
inline int64_t packLanes(unsigned mask, __m256i iv, __m256 y, int64_t c, int32_t* idx,
                         uint32_t* keys) {
    const __m256i perm = _mm256_load_si256(reinterpret_cast<const __m256i*>(kLanePack.lanes[mask]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + c), _mm256_permutevar8x32_epi32(iv, perm));
    _mm256_storeu_ps(reinterpret_cast<float*>(keys + c), _mm256_permutevar8x32_ps(y, perm));
    return c + __builtin_popcount(mask);
}
#endif

/// keysAtLeast over one run of units, appending at `c`: Boost 0 = none, 1 = one factor `bs`,
/// 2 = per unit `bu`. The AVX2 and AVX-512 paths store the boosted values, not yet their keys.
template <int Boost>
int64_t collectRun(const float* s, const float* bu, float bs, int64_t m, int64_t base, uint32_t lo,
                   int64_t c, int32_t* idx, uint32_t* keys) {
#if defined(__AVX512F__)
    const __m512 vb = _mm512_set1_ps(bs);
    const __m512 vthr = _mm512_set1_ps(keyThreshold(lo));
    const __m256i step8 = _mm256_set1_epi32(8), step16 = _mm256_set1_epi32(16);
    __m256i iv = _mm256_add_epi32(_mm256_set1_epi32(int32_t(base)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int64_t i = 0; i < m; i += 16) {
        const __mmask16 valid = m - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (m - i)) - 1);
        __m512 y = _mm512_maskz_loadu_ps(valid, s + i);
        if constexpr (Boost == 1) y = _mm512_mul_ps(y, vb);
        if constexpr (Boost == 2) y = _mm512_mul_ps(y, _mm512_maskz_loadu_ps(valid, bu + i));
        // Compared as floats (y >= the float whose key is lo, NaN kept); keysAtLeast turns the
        // few stored values into keys afterwards. Packed by halves of 8 lanes (table permutes).
        const unsigned cand =
            lo == 0 ? valid : _mm512_mask_cmp_ps_mask(valid, y, vthr, _CMP_NLT_UQ);
        // (vector-extension halves, not _mm512_castps512_ps256: GCC 12 -Wmaybe-uninitialized)
        const v16 yv = v16(y);
        const v8 y0 = __builtin_shufflevector(yv, yv, 0, 1, 2, 3, 4, 5, 6, 7);
        const v8 y1 = __builtin_shufflevector(yv, yv, 8, 9, 10, 11, 12, 13, 14, 15);
        c = packLanes(cand & 0xFFu, iv, __m256(y0), c, idx, keys);
        c = packLanes(cand >> 8, _mm256_add_epi32(iv, step8), __m256(y1), c, idx, keys);
        iv = _mm256_add_epi32(iv, step16);
    }
#elif defined(__AVX2__)
    const __m256 vb = _mm256_set1_ps(bs);
    const __m256 vthr = _mm256_set1_ps(keyThreshold(lo));
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i iv = _mm256_add_epi32(_mm256_set1_epi32(int32_t(base)), lane);
    for (int64_t i = 0; i < m; i += 8) {
        const int64_t left = m - i;
        const unsigned valid = left >= 8 ? 0xFFu : (1u << left) - 1;
        const __m256i load =
            _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(left < 8 ? left : 8)), lane);
        __m256 y = _mm256_maskload_ps(s + i, load);
        if constexpr (Boost == 1) y = _mm256_mul_ps(y, vb);
        if constexpr (Boost == 2) y = _mm256_mul_ps(y, _mm256_maskload_ps(bu + i, load));
        const unsigned cand =
            lo == 0 ? valid
                    : unsigned(_mm256_movemask_ps(_mm256_cmp_ps(y, vthr, _CMP_NLT_UQ))) & valid;
        c = packLanes(cand, iv, y, c, idx, keys);
        iv = _mm256_add_epi32(iv, _mm256_set1_epi32(8));
    }
#else
    for (int64_t i = 0; i < m; ++i) {
        const float x = s[i];
        const uint32_t key = keyOf(Boost == 0 ? x : Boost == 1 ? x * bs : x * bu[i]);
        idx[c] = int32_t(base + i);
        keys[c] = key;
        c += key >= lo;
    }
#endif
    return c;
}

int64_t keysAtLeast(const float* src, const float* boost, int64_t channels, int64_t inner,
                    uint32_t lo, uint32_t hi, int32_t* idx, uint32_t* keys, uint32_t* bandKeys,
                    int64_t* band, int64_t* sure) {
    int64_t c = 0;
    if (!boost) {
        c = collectRun<0>(src, nullptr, 1.0f, channels * inner, 0, lo, c, idx, keys);
    } else if (inner == 1) {
        c = collectRun<2>(src, boost, 1.0f, channels, 0, lo, c, idx, keys);
    } else {
        for (int64_t ch = 0; ch < channels; ++ch)
            c = collectRun<1>(src + ch * inner, nullptr, boost[ch], inner, ch * inner, lo, c, idx,
                              keys);
    }
#if defined(__AVX512F__)
    // The stored values become keys (values that only passed as NaN are dropped below); the
    // band's keys and the count of sure winners come with them.
    const __m512i top = _mm512_set1_epi32(int(0x80000000u)), vlo = _mm512_set1_epi32(int(lo));
    const __m512i vhi = _mm512_set1_epi32(int(hi));
    const __m512i negZero = _mm512_set1_epi32(0x7FFFFFFF), one = _mm512_set1_epi32(1);
    typedef int32_t v16i __attribute__((vector_size(64)));
    __mmask16 below = 0;
    int64_t nb = 0, ns = 0;
    for (int64_t i = 0; i < c; i += 16) {
        const __mmask16 valid = c - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (c - i)) - 1);
        const __m512i u = _mm512_maskz_loadu_epi32(valid, keys + i);
        // (v16i >> 31, not _mm512_srai: GCC 12 -Wmaybe-uninitialized)
        __m512i key = _mm512_xor_si512(u, _mm512_or_si512(__m512i(v16i(u) >> 31), top));
        key = _mm512_mask_add_epi32(key, _mm512_cmpeq_epi32_mask(key, negZero), key, one);
        _mm512_mask_storeu_epi32(keys + i, valid, key);
        const __mmask16 atLeast = _mm512_mask_cmpge_epu32_mask(valid, key, vlo);
        below |= valid & __mmask16(~atLeast);
        const __mmask16 isSure = _mm512_mask_cmpge_epu32_mask(atLeast, key, vhi);
        const __mmask16 inBand = atLeast & __mmask16(~isSure);
        _mm512_storeu_si512(bandKeys + nb, _mm512_maskz_compress_epi32(inBand, key));
        nb += __builtin_popcount(inBand);
        ns += __builtin_popcount(isSure);
    }
    if (below) c = keysInRange(keys, idx, c, lo, ~0u, idx, keys);
#else
#if defined(__AVX2__)
    bool below = false;
    for (int64_t i = 0; i < c; ++i) {
        float v;
        std::memcpy(&v, keys + i, sizeof v);
        keys[i] = keyOf(v);
        below |= keys[i] < lo;
    }
    if (below) c = keysInRange(keys, idx, c, lo, ~0u, idx, keys);
#endif
    int64_t nb = 0, ns = 0;
    for (int64_t i = 0; i < c; ++i) {
        bandKeys[nb] = keys[i];
        nb += keys[i] < hi;
        ns += keys[i] >= hi;
    }
#endif
    *band = nb;
    *sure = ns;
    return c;
}

int64_t keysAbove(const uint32_t* keys, const int32_t* idx, int64_t n, uint32_t kth, int64_t ties,
                  int32_t* out) {
    int64_t c = 0, i = 0;
#if defined(__AVX512F__)
    const __m512i vk = _mm512_set1_epi32(int(kth));
    __m512i iv = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; i < n; i += 16) {
        const __mmask16 valid = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
        const __m512i k = _mm512_maskz_loadu_epi32(valid, keys + i);
        __mmask16 take = _mm512_mask_cmpgt_epu32_mask(valid, k, vk);
        if (ties > 0) {  // the lowest-index ties win
            unsigned eq = _mm512_mask_cmpeq_epu32_mask(valid, k, vk);
            while (eq && ties > 0) {
                take |= __mmask16(eq & -eq);
                eq &= eq - 1;
                --ties;
            }
        }
        const __m512i id = idx ? _mm512_maskz_loadu_epi32(valid, idx + i) : iv;
        _mm512_storeu_si512(out + c, _mm512_maskz_compress_epi32(take, id));
        c += __builtin_popcount(take);
        iv = _mm512_add_epi32(iv, _mm512_set1_epi32(16));
    }
#else
    for (; i < n; ++i) {
        const bool tie = keys[i] == kth && ties > 0;
        ties -= tie;
        out[c] = idx ? idx[i] : int32_t(i);
        c += keys[i] > kth || tie;
    }
#endif
    return c;
}

uint32_t sampleKeys(const float* src, const float* boost, int64_t runs, int64_t every,
                    uint32_t* keys) {
    typedef uint32_t u16v __attribute__((vector_size(64)));
    typedef int32_t i16v __attribute__((vector_size(64)));
    u16v top = {};
    for (int64_t r = 0; r < runs; ++r) {
        const v16 y = load16(src + r * every) * load16(boost + r * 16);
        u16v u;
        std::memcpy(&u, &y, sizeof u);
        u16v key = u ^ (u16v(i16v(u) >> 31) | 0x80000000u);
        key -= u16v(key == 0x7FFFFFFFu);  // -0 -> the key of +0 (true is all ones)
        std::memcpy(keys + r * 16, &key, sizeof key);
        top = top < key ? key : top;
    }
    uint32_t best = 0;
    for (int j = 0; j < 16; ++j) best = top[j] > best ? top[j] : best;
    return best;
}

int64_t gatherNonZero(const float* src, const int32_t* idx, int64_t n, bool relu, int32_t* outIdx,
                      float* outVal) {
    int64_t c = 0, i = 0;
#if defined(__AVX512F__)
    const __m512 zero = _mm512_setzero_ps();
    for (; i + 16 <= n; i += 16) {
        const __m512i id = _mm512_loadu_si512(idx + i);
        const __m512 x = _mm512_mask_i32gather_ps(zero, __mmask16(0xFFFF), id, src, 4);
        // std::max(x, 0): x < 0 ? 0 : x (NaN stays)
        const __m512 v =
            relu ? _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), x, zero) : x;
        const __mmask16 m = _mm512_cmp_ps_mask(v, zero, _CMP_NEQ_UQ);
        if (m == 0xFFFF) {  // the usual case (winners are rarely 0): no compress
            _mm512_storeu_si512(outIdx + c, id);
            _mm512_storeu_ps(outVal + c, v);
            c += 16;
            continue;
        }
        _mm512_storeu_si512(outIdx + c, _mm512_maskz_compress_epi32(m, id));
        _mm512_storeu_ps(outVal + c, _mm512_maskz_compress_ps(m, v));
        c += __builtin_popcount(m);
    }
#endif
    for (; i < n; ++i) {
        const float x = src[idx[i]];
        const float v = relu ? (x < 0.0f ? 0.0f : x) : x;
        outIdx[c] = idx[i];
        outVal[c] = v;
        c += v != 0.0f;
    }
    return c;
}

}  // namespace

extern const SparseKernelTable kTable;
const SparseKernelTable kTable{
    SPARSELAB_KERNEL_ISA, convDenseInput, convScatter, convFinish, linearScatter, boostedKeys,
    keysInRange,          keysAtLeast,    keysAbove,   sampleKeys, gatherNonZero};

}  // namespace sparselab::SPARSELAB_KERNEL_NS

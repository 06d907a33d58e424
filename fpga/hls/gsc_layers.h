// The GSC network's layers as HLS functions (int8 activations, int8 weights, int32 accumulation).
// Each mirrors a CPU reference in core/quant; the C-simulation tests check they agree bit-exactly.
// Loop structure = what the performance model (fpga/performance_model.cpp) counts.
#pragma once

#include <stdint.h>

#include "gsc_kernel.h"

namespace sparselab_hls {

struct Shape3 {
    int c, h, w;
};

inline int8_t saturate8(int64_t v) {
    return (int8_t)(v > 127 ? 127 : (v < -127 ? -127 : v));
}

// acc * multiplier / 2^shift, rounded half up, saturated to [-127, 127].
inline int8_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
    const int64_t prod = (int64_t)acc * multiplier + ((int64_t)1 << (shift - 1));
    return saturate8(prod >> shift);
}

// k-winners ranking key: floor((x * boostQ8 + 128) / 256), saturated.
inline int8_t boostedKey(int8_t x, int32_t boostQ8) {
    return saturate8(((int32_t)x * boostQ8 + 128) >> 8);
}

// Dense convolution: for every output, every weight. Inner reduction LANES-wide.
inline void convDense(const int8_t* in, Shape3 is, int8_t* out, int32_t* logits, Shape3 os,
                      const int32_t* d, const int8_t* weights, const int32_t* program) {
    const int kh = d[kDKernelH], kw = d[kDKernelW];
    const int patch = is.c * kh * kw;
    const int8_t* w = weights + d[kDWeights];
    const int32_t* bias = program + d[kDBias];
conv_out:
    for (int o = 0; o < os.c; ++o)
        for (int y = 0; y < os.h; ++y)
            for (int x = 0; x < os.w; ++x) {
                int32_t acc = bias[o];
            conv_mac:
                for (int t = 0; t < patch; ++t) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
                    const int c = t / (kh * kw), i = (t / kw) % kh, j = t % kw;
                    const int sy = y * d[kDStrideH] + i - d[kDPadTop];
                    const int sx = x * d[kDStrideW] + j - d[kDPadLeft];
                    if (sy >= 0 && sy < is.h && sx >= 0 && sx < is.w)
                        acc += (int32_t)w[o * patch + t] * (int32_t)in[(c * is.h + sy) * is.w + sx];
                }
                const int idx = (o * os.h + y) * os.w + x;
                if (d[kDFlags] & kFlagLogits)
                    logits[idx] = acc;
                else
                    out[idx] = requantize(acc, d[kDMultiplier], d[kDShift]);
            }
}

// Dense fully connected layer.
inline void linearDense(const int8_t* in, Shape3 is, int8_t* out, int32_t* logits, Shape3 os,
                        const int32_t* d, const int8_t* weights, const int32_t* program) {
    const int fin = is.c * is.h * is.w, fout = os.c * os.h * os.w;
    const int8_t* w = weights + d[kDWeights];
    const int32_t* bias = program + d[kDBias];
linear_out:
    for (int o = 0; o < fout; ++o) {
        int32_t acc = bias[o];
    linear_mac:
        for (int i = 0; i < fin; ++i) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
            acc += (int32_t)w[o * fin + i] * (int32_t)in[i];
        }
        if (d[kDFlags] & kFlagLogits)
            logits[o] = acc;
        else
            out[o] = requantize(acc, d[kDMultiplier], d[kDShift]);
    }
}

// Accumulators -> int8 (or int32 logits) after a scatter layer.
inline void finishScatter(const int32_t* acc, int n, int8_t* out, int32_t* logits,
                          const int32_t* d) {
finish:
    for (int i = 0; i < n; ++i) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
        if (d[kDFlags] & kFlagLogits)
            logits[i] = acc[i];
        else
            out[i] = requantize(acc[i], d[kDMultiplier], d[kDShift]);
    }
}

// Sparse-sparse convolution with complementary-sparsity packed weights: only non-zero inputs are
// multiplied, against the `slots` packed kernels at each kernel position; every product is routed
// by its kernel id to that output channel's accumulator.
inline void convPacked(const int8_t* in, Shape3 is, int8_t* out, int32_t* logits, Shape3 os,
                       const int32_t* d, const int32_t* program, int32_t* acc) {
    const int kh = d[kDKernelH], kw = d[kDKernelW], slots = d[kDSlots];
    const int sh = d[kDStrideH], sw = d[kDStrideW];
    const int32_t* packed = program + d[kDWeights];
    const int32_t* bias = program + d[kDBias];
    const int plane = os.h * os.w;
init:
    for (int i = 0; i < os.c * plane; ++i) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
        acc[i] = bias[i / plane];
    }
scan:
    for (int u = 0; u < is.c * is.h * is.w; ++u) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_SCAN
        const int8_t v = in[u];
        if (v == 0) continue;
        const int c = u / (is.h * is.w), sy = (u / is.w) % is.h, sx = u % is.w;
    taps:
        for (int i = 0; i < kh; ++i)
            for (int j = 0; j < kw; ++j) {
#pragma HLS pipeline II = 1
                const int py = sy + d[kDPadTop] - i, px = sx + d[kDPadLeft] - j;
                if (py < 0 || px < 0 || py % sh != 0 || px % sw != 0) continue;
                const int oy = py / sh, ox = px / sw;
                if (oy >= os.h || ox >= os.w) continue;
                const int32_t* e = packed + ((c * kh + i) * kw + j) * slots;
            route:
                for (int g = 0; g < slots; ++g) {
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
                    const int8_t wv = entryWeight(e[g]);
                    if (wv != 0) acc[entryKernel(e[g]) * plane + oy * os.w + ox] += (int32_t)wv * v;
                }
            }
    }
    finishScatter(acc, os.c * plane, out, logits, d);
}

// Sparse-sparse fully connected layer with packed weights (slots entries per input unit).
inline void linearPacked(const int8_t* in, Shape3 is, int8_t* out, int32_t* logits, Shape3 os,
                         const int32_t* d, const int32_t* program, int32_t* acc) {
    const int fin = is.c * is.h * is.w, fout = os.c * os.h * os.w, slots = d[kDSlots];
    const int32_t* packed = program + d[kDWeights];
    const int32_t* bias = program + d[kDBias];
init:
    for (int o = 0; o < fout; ++o) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
        acc[o] = bias[o];
    }
scan:
    for (int i = 0; i < fin; ++i) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_SCAN
        const int8_t v = in[i];
        if (v == 0) continue;
        const int32_t* e = packed + i * slots;
    route:
        for (int g = 0; g < slots; ++g) {
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
            const int8_t wv = entryWeight(e[g]);
            if (wv != 0) acc[entryKernel(e[g])] += (int32_t)wv * v;
        }
    }
    finishScatter(acc, fout, out, logits, d);
}

// Max pooling; padded positions never win (-128 is below every activation).
inline void maxPool(const int8_t* in, Shape3 is, int8_t* out, Shape3 os, const int32_t* d) {
pool:
    for (int c = 0; c < os.c; ++c)
        for (int y = 0; y < os.h; ++y)
            for (int x = 0; x < os.w; ++x) {
#pragma HLS pipeline II = 1
                int8_t best = -128;
                for (int i = 0; i < d[kDKernelH]; ++i)
                    for (int j = 0; j < d[kDKernelW]; ++j) {
                        const int sy = y * d[kDStrideH] + i - d[kDPadTop];
                        const int sx = x * d[kDStrideW] + j - d[kDPadLeft];
                        if (sy >= 0 && sy < is.h && sx >= 0 && sx < is.w) {
                            const int8_t v = in[(c * is.h + sy) * is.w + sx];
                            if (v > best) best = v;
                        }
                    }
                out[(c * os.h + y) * os.w + x] = best;
            }
}

inline void relu(int8_t* a, int n) {
relu:
    for (int i = 0; i < n; ++i) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_LANES
        if (a[i] < 0) a[i] = 0;
    }
}

inline int32_t boostOf(const int32_t* d, const int32_t* program, int channel) {
    return d[kDBoost] < 0 ? 256 : program[d[kDBoost] + channel];
}

// Global k-winners with an 8-bit histogram: count keys per bin, walk the bins from the top to the
// threshold bin T, then keep every key > T and the first (k - count above T) keys == T in unit
// order. Equals "k largest keys, ties to the lower index".
inline void kWinnersGlobal(const int8_t* in, Shape3 is, int8_t* out, const int32_t* d,
                           const int32_t* program) {
    const int n = is.c * is.h * is.w, inner = is.h * is.w, k = d[kDK];
    const bool reluOut = (d[kDFlags] & kFlagRelu) != 0;
    int32_t hist[kHistogramBins];
#pragma HLS array_partition variable = hist complete
    for (int b = 0; b < kHistogramBins; ++b) hist[b] = 0;
histogram:
    for (int u = 0; u < n; ++u) {
#pragma HLS pipeline II = 1
        hist[boostedKey(in[u], boostOf(d, program, u / inner)) + 128] += 1;
    }
    int threshold = 0, above = 0;
threshold:
    for (int b = kHistogramBins - 1; b >= 0; --b) {
#pragma HLS pipeline II = 1
        if (above + hist[b] >= k) {
            threshold = b - 128;
            break;
        }
        above += hist[b];
    }
    int equalLeft = k - above;
select:
    for (int u = 0; u < n; ++u) {
#pragma HLS pipeline II = 1
        const int key = boostedKey(in[u], boostOf(d, program, u / inner));
        bool win = key > threshold;
        if (key == threshold && equalLeft > 0) {
            win = true;
            --equalLeft;
        }
        const int8_t v = in[u];
        out[u] = win ? (reluOut && v < 0 ? (int8_t)0 : v) : (int8_t)0;
    }
}

// Local k-winners: at each position, a bitonic sorting network over the channels' composite keys
// (key, then lower channel first; unique, so the order is total) keeps the top k.
inline void kWinnersLocal(const int8_t* in, Shape3 is, int8_t* out, const int32_t* d,
                          const int32_t* program) {
    const int inner = is.h * is.w, k = d[kDK];
    const bool reluOut = (d[kDFlags] & kFlagRelu) != 0;
    const int N = kMaxLocalChannels;
positions:
    for (int p = 0; p < inner; ++p) {
#pragma HLS pipeline II = 1
        int32_t key[kMaxLocalChannels];
#pragma HLS array_partition variable = key complete
        for (int c = 0; c < N; ++c) {
            // composite = (key + 128) * 256 + (255 - c); padding channels rank below everything
            key[c] = c < is.c
                         ? ((boostedKey(in[c * inner + p], boostOf(d, program, c)) + 128) << 8) |
                               (255 - c)
                         : -1;
        }
    network:
        for (int size = 2; size <= N; size <<= 1)
            for (int stride = size >> 1; stride > 0; stride >>= 1)
                for (int i = 0; i < N; ++i) {
#pragma HLS unroll
                    const int j = i ^ stride;
                    if (j > i) {
                        const bool descending = (i & size) == 0;
                        if ((key[i] < key[j]) == descending) {
                            const int32_t t = key[i];
                            key[i] = key[j];
                            key[j] = t;
                        }
                    }
                }
        for (int c = 0; c < is.c; ++c) out[c * inner + p] = 0;
        for (int r = 0; r < k; ++r) {
            const int c = 255 - (key[r] & 0xff);
            const int8_t v = in[c * inner + p];
            out[c * inner + p] = reluOut && v < 0 ? (int8_t)0 : v;
        }
    }
}

}  // namespace sparselab_hls

#include "kwinners_select.h"

#include <algorithm>
#include <cstring>

#include <numeric>

#include "core/dense_ops.h"
#include "sparse_kernels.h"

namespace sparselab {

KWinnersSelector::KWinnersSelector(const KWinnersParams& params, const Shape& sampleShape,
                                   const SparseKernelTable* kernels)
    : m_kernels(kernels ? kernels : &sparseKernels()) {
    const bool image = sampleShape.size() == 3;
    m_local = params.local && image;
    m_relu = params.relu;
    m_units = numel(sampleShape);
    m_channels = image ? sampleShape[0] : m_units;
    m_inner = image ? m_units / std::max<int64_t>(m_channels, 1) : 1;
    const int64_t selSize = KWinnersParams::selectionSize(sampleShape, params.local);
    m_k = params.inferenceK(sampleShape);
    m_boost = dense::boostFactors(params, double(m_k) / double(selSize));
    m_keys.resize(static_cast<size_t>(m_units));
    m_cand.resize(static_cast<size_t>(m_units) + 16);
    m_cand2.resize(static_cast<size_t>(m_units) + 16);
    m_candKeys.resize(static_cast<size_t>(m_units) + 16);
    m_candKeys2.resize(static_cast<size_t>(m_units) + 16);
    m_win.resize(static_cast<size_t>(m_units) + 16);
    m_local64.resize(static_cast<size_t>(std::max(m_channels, m_units)));
}

void KWinnersSelector::select(const float* src, ActiveList& out, float* dense) {
    out.clear();
    if (m_local)
        selectLocal(src, out);
    else
        selectGlobal(src, out);
    if (dense) {
        std::memset(dense, 0, static_cast<size_t>(m_units) * sizeof(float));
        for (size_t i = 0; i < out.index.size(); ++i) dense[out.index[i]] = out.value[i];
    }
}

namespace {

/// Finds the histogram bin holding the `need`-th largest key, scanning down from bin `top`:
/// returns the bin and sets `above` to the number of keys in higher bins.
int cutBin(const int32_t* hist, int top, int need, int& above) {
    int count = 0;
    for (int b = top; b >= 0; --b) {
        if (count + hist[b] >= need) {
            above = count;
            return b;
        }
        count += hist[b];
    }
    above = count;
    return 0;
}

}  // namespace

void KWinnersSelector::selectGlobal(const float* src, ActiveList& out) {
    const int64_t n = m_units;
    uint32_t* keys = m_keys.data();
    m_kernels->boostedKeys(src, m_boost.empty() ? nullptr : m_boost.data(),
                           m_boost.empty() ? 1 : m_channels, m_boost.empty() ? n : m_inner, keys);
    // A 1-in-8 sample's histogram gives a threshold that keeps ~25 % more than k units.
    uint32_t threshold = 0;
    if (n >= 512 && int64_t(m_k) * 4 < n) {
        int32_t hist[2048];
        std::memset(hist, 0, sizeof hist);
        int64_t samples = 0;
        uint32_t top = 0;
        for (int64_t i = 0; i < n; i += 8, ++samples) {
            ++hist[keys[i] >> 21];
            top = std::max(top, keys[i]);
        }
        const int64_t want = int64_t(m_k) * samples / n * 5 / 4 + 8;
        if (want < samples) {
            int above = 0;
            threshold = uint32_t(cutBin(hist, int(top >> 21), static_cast<int>(want), above)) << 21;
        }
    }
    int64_t nc =
        m_kernels->keysInRange(keys, nullptr, n, threshold, ~0u, m_cand.data(), m_candKeys.data());
    if (nc < m_k)  // the sample misled: every unit is a candidate
        nc = m_kernels->keysInRange(keys, nullptr, n, 0, ~0u, m_cand.data(), m_candKeys.data());
    radixSelect(static_cast<int32_t>(nc), m_k, src, out);
}

void KWinnersSelector::radixSelect(int32_t nc, int need, const float* src, ActiveList& out) {
    // Candidates: indices (increasing) and their keys, double-buffered.
    int32_t* cand = m_cand.data();
    uint32_t* ckeys = m_candKeys.data();
    int32_t* otherCand = m_cand2.data();
    uint32_t* otherKeys = m_candKeys2.data();
    int32_t* win = m_win.data();
    int32_t nw = 0;
    // 8-bit radix digits starting at the highest bit on which the candidates differ: a
    // histogram finds the digit of the `need`-th largest; candidates above it win and those on
    // it go on (in index order), both picked by vectorised range filters. Four interleaved
    // histograms keep increments of one busy bin from waiting on each other. When few are
    // left, packed keys decide.
    int32_t hist[4][256];
    while (nc > need && nc > 48) {
        uint32_t orBits = 0, andBits = ~0u;
        for (int32_t c = 0; c < nc; ++c) {
            orBits |= ckeys[c];
            andBits &= ckeys[c];
        }
        const uint32_t diff = orBits ^ andBits;
        if (diff == 0) break;  // all equal: the lowest indices win
        const int shift = std::max(0, 31 - __builtin_clz(diff) + 1 - 8);
        std::memset(hist, 0, sizeof hist);
        for (int32_t c = 0; c < nc; ++c) ++hist[c & 3][(ckeys[c] >> shift) & 255u];
        int top = 0;
        for (int d = 0; d < 256; ++d) {
            hist[0][d] += hist[1][d] + hist[2][d] + hist[3][d];
            if (hist[0][d]) top = d;
        }
        int above = 0;
        const int b = cutBin(hist[0], top, need, above);
        need -= above;
        // Bits above the digit are common to all candidates.
        const uint64_t prefix = shift + 8 >= 32 ? 0 : andBits & (~0u << (shift + 8));
        const uint64_t lo = prefix | (uint64_t(b) << shift), next = lo + (uint64_t(1) << shift);
        if (next <= 0xFFFFFFFFu)
            nw += int32_t(
                m_kernels->keysInRange(ckeys, cand, nc, uint32_t(next), ~0u, win + nw, nullptr));
        nc = int32_t(m_kernels->keysInRange(ckeys, cand, nc, uint32_t(lo), uint32_t(next - 1),
                                            otherCand, otherKeys));
        std::swap(cand, otherCand);
        std::swap(ckeys, otherKeys);
    }
    if (nc > need && nc <= 48) {
        // Value key, then inverted index: one integer comparison orders by value and breaks
        // ties toward the lower index.
        uint64_t* packed = m_local64.data();
        for (int32_t c = 0; c < nc; ++c)
            packed[c] = (uint64_t(ckeys[c]) << 32) | (0xFFFFFFFFu - uint32_t(cand[c]));
        std::nth_element(packed, packed + (need - 1), packed + nc, std::greater<uint64_t>());
        for (int c = 0; c < need; ++c) win[nw++] = int32_t(0xFFFFFFFFu - uint32_t(packed[c]));
    } else {
        // What is left shares one key (or all of it wins): the lowest indices first.
        for (int32_t c = 0; c < std::min(nc, need); ++c) win[nw++] = cand[c];
    }
    // Winners whose passed-on value is 0 are left out (branch-free compaction).
    out.index.resize(size_t(nw));
    out.value.resize(size_t(nw));
    int32_t* oi = out.index.data();
    float* ov = out.value.data();
    int32_t kept = 0;
    for (int32_t w = 0; w < nw; ++w) {
        const int32_t i = win[w];
        const float v = m_relu ? std::max(src[i], 0.0f) : src[i];
        oi[kept] = i;
        ov[kept] = v;
        kept += v != 0.0f;
    }
    out.index.resize(size_t(kept));
    out.value.resize(size_t(kept));
}

void KWinnersSelector::selectLocal(const float* src, ActiveList& out) {
    // Per position, the k largest among the channels. A packed key (value key, then inverted
    // channel) makes one integer comparison order by value and break ties toward lower channels.
    uint64_t* packed = m_local64.data();
    const int k = std::min<int>(m_k, static_cast<int>(m_channels));
    out.index.reserve(static_cast<size_t>(k * m_inner));
    out.value.reserve(static_cast<size_t>(k * m_inner));
    for (int64_t p = 0; p < m_inner; ++p) {
        for (int64_t c = 0; c < m_channels; ++c) {
            const float v = src[c * m_inner + p];
            const float b = m_boost.empty() ? v : v * m_boost[static_cast<size_t>(c)];
            packed[c] = (uint64_t(sortableKey(b)) << 32) | uint64_t(0xFFFFFFFFu - uint32_t(c));
        }
        std::nth_element(packed, packed + (k - 1), packed + m_channels, std::greater<uint64_t>());
        for (int i = 0; i < k; ++i) {
            const auto c = static_cast<int64_t>(0xFFFFFFFFu - uint32_t(packed[i] & 0xFFFFFFFFu));
            const int64_t u = c * m_inner + p;
            const float v = m_relu ? std::max(src[u], 0.0f) : src[u];
            if (v != 0.0f) {
                out.index.push_back(static_cast<int32_t>(u));
                out.value.push_back(v);
            }
        }
    }
}

}  // namespace sparselab

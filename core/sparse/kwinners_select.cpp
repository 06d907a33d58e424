#include "kwinners_select.h"

#include <algorithm>
#include <cstring>

#include "core/dense_ops.h"

namespace sparselab {

KWinnersSelector::KWinnersSelector(const KWinnersParams& params, const Shape& sampleShape) {
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
    m_cand.resize(static_cast<size_t>(m_units));
    m_cand2.resize(static_cast<size_t>(m_units));
    m_local64.resize(static_cast<size_t>(m_channels));
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

/// Finds the histogram bin holding the `need`-th largest key: returns the bin and sets
/// `above` to the number of keys in higher bins.
int cutBin(const int32_t* hist, int bins, int need, int& above) {
    int count = 0;
    for (int b = bins - 1; b >= 0; --b) {
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
    // Level 1: keys of the boosted values and a histogram of their top 11 bits.
    int32_t hist[2048];
    std::memset(hist, 0, sizeof hist);
    if (m_boost.empty()) {
        for (int64_t i = 0; i < n; ++i) keys[i] = sortableKey(src[i]);
    } else {
        for (int64_t c = 0; c < m_channels; ++c) {
            const float b = m_boost[static_cast<size_t>(c)];
            const int64_t base = c * m_inner;
            for (int64_t p = 0; p < m_inner; ++p) keys[base + p] = sortableKey(src[base + p] * b);
        }
    }
    for (int64_t i = 0; i < n; ++i) ++hist[keys[i] >> 21];

    auto emit = [&](int32_t i) {
        const float v = m_relu ? std::max(src[i], 0.0f) : src[i];
        if (v != 0.0f) {
            out.index.push_back(i);
            out.value.push_back(v);
        }
    };
    out.index.reserve(static_cast<size_t>(m_k));
    out.value.reserve(static_cast<size_t>(m_k));

    int above = 0;
    int need = m_k;
    const int b1 = cutBin(hist, 2048, need, above);
    need -= above;
    // Everything above the cut bin wins; the cut bin's members are candidates, in index order.
    const uint32_t lo1 = uint32_t(b1) << 21;
    const uint32_t hi1 = lo1 + (1u << 21);  // wraps to 0 for the top bin
    int32_t nc = 0;
    int32_t* cand = m_cand.data();
    for (int64_t i = 0; i < n; ++i) {
        const uint32_t k = keys[i];
        if (k >= lo1) {
            if (b1 == 2047 || k < hi1)
                cand[nc++] = static_cast<int32_t>(i);
            else
                emit(static_cast<int32_t>(i));
        }
    }
    // Levels 2 and 3: the next 11 and the last 10 bits, over the candidates only.
    int32_t* cand2 = m_cand2.data();
    const int shifts[2] = {10, 0};
    const int binsAt[2] = {2048, 1024};
    for (int level = 0; level < 2 && need > 0; ++level) {
        if (nc == need) break;
        const int shift = shifts[level], bins = binsAt[level];
        const uint32_t mask = uint32_t(bins - 1);
        std::memset(hist, 0, sizeof(int32_t) * static_cast<size_t>(bins));
        for (int32_t c = 0; c < nc; ++c) ++hist[(keys[cand[c]] >> shift) & mask];
        const int b = cutBin(hist, bins, need, above);
        need -= above;
        int32_t nc2 = 0;
        for (int32_t c = 0; c < nc; ++c) {
            const int32_t i = cand[c];
            const int d = static_cast<int>((keys[i] >> shift) & mask);
            if (d > b)
                emit(i);
            else if (d == b)
                cand2[nc2++] = i;
        }
        std::swap(cand, cand2);
        nc = nc2;
    }
    // Remaining candidates share one key: the lowest indices win (they are in index order).
    for (int32_t c = 0; c < std::min(nc, need); ++c) emit(cand[c]);
    if (cand != m_cand.data()) std::swap(m_cand, m_cand2);
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

#include "kwinners_select.h"

#include <algorithm>
#include <cmath>
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
    m_cand2.resize(static_cast<size_t>(m_units) + 16);
    m_candKeys.resize(static_cast<size_t>(m_units) + 16);
    m_candKeys2.resize(static_cast<size_t>(m_units) + 16);
    m_selKeys.resize(static_cast<size_t>(m_units) + 16);
    m_winIdx.resize(static_cast<size_t>(m_units) + 16);
    m_local64.resize(static_cast<size_t>(std::max(m_channels, m_units)));
    // The band estimate's sample: runs of 16 consecutive units, one run in every 8 (4 for
    // layers under 8192 units), so that it reads few cache lines (denser for small layers:
    // counts are small); the boost of every sampled unit is laid out beside it.
    m_sampleEvery = (m_units >= 8192 ? 8 : 4) * 16;
    for (int64_t start = 0; start + 16 <= m_units; start += m_sampleEvery) {
        for (int64_t j = 0; j < 16; ++j) {
            const int64_t u = start + j;
            m_sampleBoost.push_back(m_boost.empty() ? 1.0f
                                    : m_inner == 1  ? m_boost[size_t(u)]
                                                    : m_boost[size_t(u / m_inner)]);
        }
        ++m_sampleRuns;
    }
    m_sample.resize(static_cast<size_t>(m_sampleRuns * 16 + 16));
    m_adaptive = bandSelectable();
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

bool KWinnersSelector::estimateBand(const float* src, uint32_t& lo, uint32_t& hi) {
    const int64_t n = m_units;
    if (!bandSelectable()) return false;
    uint32_t* sample = m_sample.data();
    const int64_t ns = m_sampleRuns * 16;
    const uint32_t top =
        m_kernels->sampleKeys(src, m_sampleBoost.data(), m_sampleRuns, m_sampleEvery, sample);
    if (ns < 64) return false;
    // Sample counts above the k-th key: expected e, spread sd; the band spans e +- 3 sd.
    const double e = double(m_k) * double(ns) / double(n);
    const double sd = std::sqrt(e * (1.0 - double(m_k) / double(n)));
    const int64_t wantLo = int64_t(std::ceil(e + 3.0 * sd + 2.0));
    const int64_t wantHi = int64_t(std::floor(e - 3.0 * sd - 2.0));
    if (wantLo >= ns) return false;
    // Histogram of distances below the top key: 256 bins of 2^17 key steps (1/64 octave), over
    // the keys within 256 bins of the top only (picked by a vectorised range filter; the rest
    // cannot matter). Four interleaved histograms, so that increments of one busy bin do not
    // wait on each other.
    constexpr int kShift = 17, kBins = 256;
    auto below = [&](int bins) {  // smallest key within `bins` bins of the top key
        const uint64_t d = uint64_t(bins) << kShift;
        return d > top ? uint64_t(0) : uint64_t(top) - d + 1;
    };
    uint32_t* near = m_candKeys.data();
    const int64_t nn =
        m_kernels->keysInRange(sample, nullptr, ns, uint32_t(below(kBins)), ~0u, nullptr, near);
    int32_t hists[4][kBins];
    std::memset(hists, 0, sizeof hists);
    for (int64_t i = 0; i < nn; ++i) ++hists[i & 3][(top - near[i]) >> kShift];
    // lo: keep the bins until `wantLo` sample keys are in; hi: the bins holding <= wantHi.
    int64_t cum = 0;
    int bHi = -1, bLo = kBins;  // kBins: not within 256 bins, every key is needed
    for (int b = 0; b < kBins; ++b) {
        const int32_t h = hists[0][b] + hists[1][b] + hists[2][b] + hists[3][b];
        if (bHi < 0 && cum + h > wantHi) bHi = b;
        cum += h;
        if (cum >= wantLo) {
            bLo = b;
            break;
        }
    }
    if (bHi < 0) bHi = bLo;
    lo = bLo >= kBins ? 0u : uint32_t(below(bLo + 1));
    hi = uint32_t(std::min<uint64_t>(std::max<uint64_t>(below(bHi), lo), 0xFFFFFFFFu));
    return true;
}

bool KWinnersSelector::selectInBand(const float* src, uint32_t lo, uint32_t hi, ActiveList& out) {
    const float* boost = m_boost.empty() ? nullptr : m_boost.data();
    const int64_t channels = boost ? m_channels : 1, inner = boost ? m_inner : m_units;
    // One vectorised pass collects the keys >= lo (in index order); the counts of those >= hi
    // (sure winners) and in [lo, hi) (the band, whose keys it also lists) show whether the k-th
    // key lies in the band.
    int64_t band = 0, sure = 0;
    const auto nc = static_cast<int32_t>(m_kernels->keysAtLeast(src, boost, channels, inner, lo, hi,
                                                                m_cand2.data(), m_candKeys2.data(),
                                                                m_candKeys.data(), &band, &sure));
    const uint32_t* keys = m_candKeys2.data();
    if (sure > m_k || nc < m_k) return false;
    if (sure < m_k) {  // the k-th key: the (k - sure)-th largest of the band
        int32_t aboveInBand = 0;
        m_kthKey = findKthKey(static_cast<int32_t>(band), int(m_k - sure), aboveInBand);
        m_kthAbove = int32_t(sure) + aboveInBand;  // every sure key is above the band's
    } else {  // every sure winner wins: the k-th key is their smallest
        uint32_t kth = ~0u;
        for (int32_t i = 0; i < nc; ++i) kth = keys[i] >= hi ? std::min(kth, keys[i]) : kth;
        m_kthKey = kth;
        m_kthAbove = 0;
        for (int32_t i = 0; i < nc; ++i) m_kthAbove += keys[i] > kth;
    }
    appendWinnersAbove(keys, m_cand2.data(), nc, src, out);
    return true;
}

void KWinnersSelector::appendWinnersAbove(const uint32_t* keys, const int32_t* idx, int64_t n,
                                          const float* src, ActiveList& out) {
    // Every unit with a key above the k-th wins, and of those on it the lowest indices; taken
    // in index order, so that the list (and the next layer's order of sums) does not depend on
    // which band found the k-th key.
    const int64_t nw =
        m_kernels->keysAbove(keys, idx, n, m_kthKey, m_k - m_kthAbove, m_winIdx.data());
    appendWinners(m_winIdx.data(), static_cast<int32_t>(nw), src, out);
}

void KWinnersSelector::selectGlobal(const float* src, ActiveList& out) {
    const int64_t n = m_units;
    // 1. The band around the previous selection's k-th key, as wide as its recent moves.
    if (m_adaptive && m_haveKth) {
        const uint64_t d = 3 * m_kthMove + (uint64_t(1) << 16);
        const uint32_t lo = m_kthKey > d ? uint32_t(m_kthKey - d) : 0u;
        const uint32_t hi = uint32_t(std::min<uint64_t>(uint64_t(m_kthKey) + d + 1, 0xFFFFFFFFu));
        const uint32_t previous = m_kthKey;
        if (selectInBand(src, lo, hi, out)) {
            const uint64_t move = previous > m_kthKey ? previous - m_kthKey : m_kthKey - previous;
            m_kthMove = m_kthMove - m_kthMove / 8 + move / 8;  // mean move, decaying
            return;
        }
        ++m_historyMisses;
        m_kthMove = std::min<uint64_t>(2 * m_kthMove + (uint64_t(1) << 18), uint64_t(1) << 23);
    }
    // 2. The band estimated from a sample of this input.
    uint32_t lo = 0, hi = 0;
    if (estimateBand(src, lo, hi) && selectInBand(src, lo, hi, out)) {
        m_haveKth = true;
        return;
    }
    // 3. No estimate, or the sample misled: every unit is a candidate.
    ++m_fallbacks;
    const float* boost = m_boost.empty() ? nullptr : m_boost.data();
    const int64_t channels = boost ? m_channels : 1, inner = boost ? m_inner : n;
    uint32_t* keys = m_keys.data();
    m_kernels->boostedKeys(src, boost, channels, inner, keys);
    const int64_t nc = m_kernels->keysInRange(keys, nullptr, n, 0, ~0u, nullptr, m_candKeys.data());
    m_kthKey = findKthKey(static_cast<int32_t>(nc), m_k, m_kthAbove);
    appendWinnersAbove(keys, nullptr, n, src, out);
    m_haveKth = true;
}

uint32_t KWinnersSelector::findKthKey(int32_t nc, int need, int32_t& above) {
    above = 0;  // candidates known to be above the k-th key (those set aside on the way)
    // The candidates' keys (only the k-th key is wanted, not who holds it), double-buffered.
    uint32_t* ckeys = m_candKeys.data();
    uint32_t* otherKeys = m_selKeys.data();
    // 8-bit radix digits starting at the highest bit on which the candidates differ: a
    // histogram finds the digit of the `need`-th largest; candidates above it are counted as
    // winners and those on it go on, picked by a vectorised range filter. Four
    // interleaved histograms keep increments of one busy bin from waiting on each other. When few
    // are left, counting decides.
    int32_t hist[4][256];
    // Few candidates (a band): bisection of the key range instead, each step one range filter
    // that keeps the half holding the `need`-th largest (no histogram to clear and scan).
    constexpr int32_t kBisectMax = 4096;
    // At most kFew candidates left: counting decides (bisection steps stop at kFewBisect).
    constexpr int32_t kFew = 48, kFewBisect = 16;
    uint32_t kmin = ~0u, kmax = 0;
    if (nc <= kBisectMax)
        for (int32_t c = 0; c < nc; ++c) {
            kmin = std::min(kmin, ckeys[c]);
            kmax = std::max(kmax, ckeys[c]);
        }
    while (nc > need && nc > kFewBisect && nc <= kBisectMax) {
        if (kmin >= kmax) break;                            // one key left: the lowest indices win
        const uint32_t mid = kmin + (kmax - kmin) / 2 + 1;  // kmin < mid <= kmax
        const auto upper =
            int32_t(m_kernels->keysInRange(ckeys, nullptr, nc, mid, ~0u, nullptr, otherKeys));
        if (upper >= need) {  // the winners are all in the upper half
            nc = upper;
            kmin = mid;
        } else {  // the upper half wins; the rest comes from the lower half
            need -= upper;
            above += upper;
            nc =
                int32_t(m_kernels->keysInRange(ckeys, nullptr, nc, 0, mid - 1, nullptr, otherKeys));
            kmax = mid - 1;
        }
        std::swap(ckeys, otherKeys);
    }
    while (nc > need && nc > kFew) {
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
        int higher = 0;
        const int b = cutBin(hist[0], top, need, higher);
        need -= higher;
        above += higher;
        // Bits above the digit are common to all candidates.
        const uint64_t prefix = shift + 8 >= 32 ? 0 : andBits & (~0u << (shift + 8));
        const uint64_t lo = prefix | (uint64_t(b) << shift), next = lo + (uint64_t(1) << shift);
        nc = int32_t(m_kernels->keysInRange(ckeys, nullptr, nc, uint32_t(lo), uint32_t(next - 1),
                                            nullptr, otherKeys));
        std::swap(ckeys, otherKeys);
    }
    if (nc > need && nc <= kFew) {
        // The `need`-th largest key by counting, for each key, the keys above it and those at
        // least as large: vectorised and branch-free (nth_element mispredicts on distinct
        // inputs). Padding keys are 0, the lowest key, so they never change the answer.
        alignas(32) uint32_t few[kFew + 8] = {};
        std::memcpy(few, ckeys, sizeof(uint32_t) * size_t(nc));
        const int padded = (nc + 7) & ~7;
        uint32_t kth = 0;
        int32_t kthAbove = 0;
        for (int32_t i = 0; i < nc; ++i) {
            const uint32_t key = few[i];
            int32_t greater = 0, atLeast = 0;
            for (int j = 0; j < padded; ++j) {
                greater += few[j] > key;
                atLeast += few[j] >= key;
            }
            const bool isKth = greater < need && atLeast >= need;
            kth = isKth ? key : kth;
            kthAbove = isKth ? greater : kthAbove;
        }
        above += kthAbove;
        return kth;
    }
    // What is left shares one key, or all of it wins: the smallest of the `need` taken.
    uint32_t kth = ~0u;
    for (int32_t c = 0; c < std::min(nc, need); ++c) kth = std::min(kth, ckeys[c]);
    for (int32_t c = 0; c < nc; ++c) above += ckeys[c] > kth;
    return kth;
}

void KWinnersSelector::appendWinners(const int32_t* win, int32_t nw, const float* src,
                                     ActiveList& out) {
    // Winners whose passed-on value is 0 are left out (vectorised compaction).
    const size_t s0 = out.index.size();
    out.index.resize(s0 + size_t(nw) + 16);
    out.value.resize(s0 + size_t(nw) + 16);
    const int64_t kept = m_kernels->gatherNonZero(src, win, nw, m_relu, out.index.data() + s0,
                                                  out.value.data() + s0);
    out.index.resize(s0 + size_t(kept));
    out.value.resize(s0 + size_t(kept));
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

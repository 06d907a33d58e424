// KWinnersSelector (band selection, index lists) against dense::kWinners (nth_element).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "core/dense_ops.h"
#include "core/sparse/kwinners_select.h"
#include "core/sparse/sparse_kernels.h"

using namespace sparselab;

namespace {

/// Runs both selections on one sample and expects identical outputs (bit for bit). Returns
/// whether the selector had to consider every unit (its sample estimate was rejected).
bool expectSameWinners(const KWinnersParams& p, const Shape& sample, const std::vector<float>& x) {
    Shape batch{1};
    batch.insert(batch.end(), sample.begin(), sample.end());
    Tensor in(batch, x), ref;
    dense::kWinners(p, in, ref);

    KWinnersSelector sel(p, sample);
    ActiveList list;
    std::vector<float> dense(x.size(), -1.0f);
    sel.select(x.data(), list, dense.data());
    for (size_t i = 0; i < x.size(); ++i)
        EXPECT_EQ(dense[i], ref[int64_t(i)]) << "unit " << i << " (k " << sel.k() << ")";
    // The list holds exactly the non-zero outputs, each once.
    int64_t nonzero = 0;
    for (size_t i = 0; i < x.size(); ++i) nonzero += ref[int64_t(i)] != 0.0f;
    EXPECT_EQ(list.size(), nonzero);
    std::vector<char> seen(x.size(), 0);
    for (int64_t i = 0; i < list.size(); ++i) {
        const auto u = size_t(list.index[size_t(i)]);
        EXPECT_FALSE(seen[u]);
        seen[u] = 1;
        EXPECT_EQ(list.value[size_t(i)], ref[int64_t(u)]);
    }
    return sel.fallbacks() > 0;
}

std::vector<float> randomValues(size_t n, std::mt19937& rng, bool coarse) {
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) {
        v = d(rng);
        if (coarse) v = std::round(v * 4.0f) / 4.0f;  // many exact ties, +0 and -0
    }
    return x;
}

}  // namespace

TEST(KWinnersSelect, GlobalImageMatchesReferenceWithBoostAndTies) {
    std::mt19937 rng(7);
    const Shape sample{64, 14, 14};
    for (bool coarse : {false, true})
        for (int k : {1, 37, 1200, 12543, 12544}) {
            KWinnersParams p;
            p.k = k;
            p.boostStrength = 1.5f;
            std::uniform_real_distribution<float> u(0.05f, 0.15f);
            p.dutyCycles.resize(64);
            for (float& d : p.dutyCycles) d = u(rng);
            expectSameWinners(p, sample, randomValues(64 * 14 * 14, rng, coarse));
        }
}

TEST(KWinnersSelect, VectorLocalReluAndFactor) {
    std::mt19937 rng(11);
    KWinnersParams v;
    v.k = 100;
    v.kInferenceFactor = 1.5f;
    v.relu = true;
    expectSameWinners(v, {1000}, randomValues(1000, rng, true));
    KWinnersParams local;
    local.k = 5;
    local.local = true;
    local.boostStrength = 1.0f;
    local.dutyCycles.assign(64, 0.0f);
    for (size_t c = 0; c < 64; ++c) local.dutyCycles[c] = 0.002f * float(c);
    expectSameWinners(local, {64, 5, 5}, randomValues(64 * 25, rng, false));
    expectSameWinners(local, {64, 5, 5}, randomValues(64 * 25, rng, true));
}

TEST(KWinnersSelect, AllEqualAndExtremeValues) {
    KWinnersParams p;
    p.k = 10;
    expectSameWinners(p, {100}, std::vector<float>(100, 0.5f));
    std::vector<float> x(100, -0.0f);
    x[3] = 0.0f;
    x[50] = -1e30f;
    x[60] = 1e30f;
    x[70] = -std::numeric_limits<float>::infinity();
    x[80] = std::numeric_limits<float>::denorm_min();
    expectSameWinners(p, {100}, x);
}

TEST(KWinnersSelect, SampleThatMisleadsFallsBackToExactSelection) {
    // The selector estimates its threshold band from runs of 16 units, one run in every 8 (4
    // for small layers): make exactly those units unrepresentative, both ways, so that the
    // counts must reject the band.
    std::mt19937 rng(5);
    for (int64_t n : {int64_t(12544), int64_t(1600), int64_t(1500)})
        for (bool sampledHigh : {false, true}) {
            const int64_t every = (n >= 8192 ? 8 : 4) * 16;
            std::vector<float> x = randomValues(size_t(n), rng, false);
            for (int64_t i = 0; i < n; ++i) {
                const bool sampled = i % every < 16;
                x[size_t(i)] = sampled == sampledHigh ? 10.0f + std::fabs(x[size_t(i)])
                                                      : -10.0f + x[size_t(i)];
            }
            KWinnersParams p;
            p.k = static_cast<int>(n / 10);
            p.relu = sampledHigh;
            EXPECT_TRUE(expectSameWinners(p, {n}, x))
                << "n " << n << ": expected the sample to be rejected";
            if (n == 12544) {
                p.boostStrength = 1.0f;
                p.dutyCycles.assign(64, 0.1f);
                EXPECT_TRUE(expectSameWinners(p, {64, 14, 14}, x));
            }
        }
}

TEST(KWinnersSelect, ManyDrawsAtTheGscSizes) {
    // Sure winners, band and fallback across many inputs of the three GSC selections.
    std::mt19937 rng(13);
    std::uniform_real_distribution<float> u(0.05f, 0.15f);
    const std::vector<std::pair<Shape, int>> sizes = {
        {{64, 14, 14}, 1200}, {{64, 5, 5}, 200}, {{1500}, 100}};
    int fallbacks = 0;
    for (const auto& [shape, k] : sizes)
        for (int draw = 0; draw < 20; ++draw) {
            KWinnersParams p;
            p.k = k;
            p.boostStrength = 1.5f;
            p.dutyCycles.resize(size_t(shape[0]));
            for (float& d : p.dutyCycles) d = u(rng);
            p.relu = draw % 3 == 0;
            fallbacks +=
                expectSameWinners(p, shape, randomValues(size_t(numel(shape)), rng, draw % 4 == 1));
        }
    EXPECT_LE(fallbacks, 3) << "the sample estimate should rarely be rejected on plain data";
}

TEST(KWinnersSelect, BoostedProductThatUnderflowsToMinusZeroTiesWithZero) {
    // -denorm_min * 0.41 rounds to -0, which must tie with +0 (lowest indices win), however
    // the compiler evaluates the product (an FMA contraction keeps the sign of the tiny value).
    KWinnersParams p;
    p.k = 10;
    p.boostStrength = 1.0f;
    p.dutyCycles.assign(300, 1.0f);  // boost exp(-(1 - 10/300)) ~ 0.38
    std::vector<float> x(300, 0.0f);
    for (int i = 0; i < 300; i += 3) x[size_t(i)] = -std::numeric_limits<float>::denorm_min();
    expectSameWinners(p, {300}, x);
    p.dutyCycles.assign(3, 1.0f);
    expectSameWinners(p, {3, 10, 10}, x);
}

TEST(KWinnersSelect, BandFromHistoryStaysExactWhenInputsJump) {
    // One selector over a sequence: similar inputs (the band around the previous k-th key
    // hits), then jumps of scale, sign and ties (it misses and the sample estimate takes
    // over). Every selection must equal the reference, and the list must be the same, in the
    // same order, as that of a selector that estimates every band from its own input.
    std::mt19937 rng(21);
    const std::vector<std::pair<Shape, int>> sizes = {
        {{64, 14, 14}, 1200}, {{64, 5, 5}, 200}, {{1500}, 100}};
    for (const auto& [shape, k] : sizes) {
        KWinnersParams p;
        p.k = k;
        p.boostStrength = 1.5f;
        p.dutyCycles.assign(size_t(shape[0]), 0.1f);
        p.dutyCycles[3] = 0.02f;
        KWinnersSelector adaptive(p, shape), fresh(p, shape);
        fresh.setAdaptiveBand(false);
        const size_t n = size_t(numel(shape));
        const float scales[] = {1, 1, 1.02f, 0.98f, 1, 10, 10, 0.1f, 1, -1, 1, 1, 1000, 1};
        int step = 0;
        for (float scale : scales) {
            std::vector<float> x = randomValues(n, rng, step % 5 == 4);
            for (float& v : x) v *= scale;
            Shape batch{1};
            batch.insert(batch.end(), shape.begin(), shape.end());
            Tensor in(batch, x), ref;
            dense::kWinners(p, in, ref);
            ActiveList a, b;
            adaptive.select(x.data(), a, nullptr);
            fresh.select(x.data(), b, nullptr);
            ASSERT_EQ(a.index, b.index) << "step " << step;
            ASSERT_EQ(a.value, b.value) << "step " << step;
            int64_t nonzero = 0;
            for (size_t i = 0; i < n; ++i) nonzero += ref[int64_t(i)] != 0.0f;
            ASSERT_EQ(a.size(), nonzero) << "step " << step;
            for (int64_t i = 0; i < a.size(); ++i)
                ASSERT_EQ(a.value[size_t(i)], ref[int64_t(a.index[size_t(i)])]) << "step " << step;
            for (int64_t i = 1; i < a.size(); ++i)
                ASSERT_LT(a.index[size_t(i - 1)], a.index[size_t(i)]) << "index order";
            ++step;
        }
        EXPECT_GT(adaptive.historyMisses(), 0) << "the jumps should have missed the band";
        EXPECT_EQ(fresh.historyMisses(), 0);
    }
}

namespace {

/// Values that stress the key definition: NaN of both signs, +-0, +-inf, denormals, ties.
std::vector<float> awkwardValues(size_t randomCount) {
    std::vector<float> x = {0.5f,
                            -0.5f,
                            0.0f,
                            -0.0f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            1e-42f,
                            -1e-42f,
                            2.0f,
                            0.25f};
    const float qnan = std::numeric_limits<float>::quiet_NaN();
    x.push_back(qnan);
    x.push_back(-qnan);
    std::mt19937 rng(3);
    for (float v : randomValues(randomCount, rng, true)) x.push_back(v);
    return x;
}

}  // namespace

TEST(KWinnersSelect, CandidatePassMatchesKeyDefinitionWithNaNAndZeros) {
    // keysAtLeast collects the units whose (boosted) key is >= lo, lists the band's keys (< hi)
    // and counts the sure ones (>= hi); the vector passes compare floats, pack by table
    // permutes and compute the keys afterwards, and must agree with
    // sortableKey for NaN of both signs, +-0, +-inf and denormals, without boost, with one
    // boost per channel (several channels, runs not a multiple of 8 or 16) and one per unit.
    const std::vector<float> x = awkwardValues(90);
    const auto n = int64_t(x.size());  // 102 = 6 channels of 17
    std::vector<float> perChannel = {1.0f, 0.5f, 3.0f, 1e-30f, 2.0f, 0.75f}, perUnit(x.size());
    for (size_t i = 0; i < perUnit.size(); ++i) perUnit[i] = 0.25f + 0.125f * float(i % 13);
    struct Case {
        const float* boost;
        int64_t channels, inner;
    };
    const Case cases[] = {{nullptr, 1, n}, {perChannel.data(), 6, n / 6}, {perUnit.data(), n, 1}};
    for (const std::string& isa : availableKernelIsas()) {
        const SparseKernelTable& k = *sparseKernels(isa);
        for (const Case& cs : cases)
            for (float t : {0.5f, 0.0f, -0.0f, -0.75f, 1e-42f, -1e-42f, 3.0f}) {
                const uint32_t lo = sortableKey(t);
                std::vector<int32_t> idx(size_t(n) + 16);
                std::vector<uint32_t> keys(size_t(n) + 16);
                const uint32_t hi = sortableKey(1.0f);
                std::vector<uint32_t> bandKeys(size_t(n) + 16);
                int64_t band = -1, sure = -1;
                const int64_t count =
                    k.keysAtLeast(x.data(), cs.boost, cs.channels, cs.inner, lo, hi, idx.data(),
                                  keys.data(), bandKeys.data(), &band, &sure);
                std::vector<int32_t> want;
                std::vector<uint32_t> wantKeys;
                for (int64_t i = 0; i < n; ++i) {
                    const float b = !cs.boost       ? 1.0f
                                    : cs.inner == 1 ? cs.boost[i]
                                                    : cs.boost[i / cs.inner];
                    const uint32_t key = sortableKey(cs.boost ? x[size_t(i)] * b : x[size_t(i)]);
                    if (key >= lo) {
                        want.push_back(int32_t(i));
                        wantKeys.push_back(key);
                    }
                }
                const std::string where = isa + " channels " + std::to_string(cs.channels) +
                                          " threshold " + std::to_string(t);
                ASSERT_EQ(count, int64_t(want.size())) << where;
                std::vector<uint32_t> wantBand;
                int64_t wantSure = 0;
                for (size_t i = 0; i < want.size(); ++i) {
                    EXPECT_EQ(idx[i], want[i]) << where;
                    EXPECT_EQ(keys[i], wantKeys[i]) << where;
                    if (wantKeys[i] < hi) wantBand.push_back(wantKeys[i]);
                    wantSure += wantKeys[i] >= hi;
                }
                ASSERT_EQ(band, int64_t(wantBand.size())) << where;
                EXPECT_EQ(sure, wantSure) << where;
                for (size_t i = 0; i < wantBand.size(); ++i)
                    EXPECT_EQ(bandKeys[i], wantBand[i]) << where;
            }
    }
}

// KWinnersSelector (radix select, index lists) against dense::kWinners (nth_element).
#include <gtest/gtest.h>

#include <random>

#include "core/dense_ops.h"
#include "core/sparse/kwinners_select.h"

using namespace sparselab;

namespace {

/// Runs both selections on one sample and expects identical outputs (bit for bit).
void expectSameWinners(const KWinnersParams& p, const Shape& sample, const std::vector<float>& x) {
    Shape batch{1};
    batch.insert(batch.end(), sample.begin(), sample.end());
    Tensor in(batch, x), ref;
    dense::kWinners(p, in, ref);

    KWinnersSelector sel(p, sample);
    ActiveList list;
    std::vector<float> dense(x.size(), -1.0f);
    sel.select(x.data(), list, dense.data());
    for (size_t i = 0; i < x.size(); ++i)
        ASSERT_EQ(dense[i], ref[int64_t(i)]) << "unit " << i << " (k " << sel.k() << ")";
    // The list holds exactly the non-zero outputs, each once.
    int64_t nonzero = 0;
    for (size_t i = 0; i < x.size(); ++i) nonzero += ref[int64_t(i)] != 0.0f;
    ASSERT_EQ(list.size(), nonzero);
    std::vector<char> seen(x.size(), 0);
    for (int64_t i = 0; i < list.size(); ++i) {
        const auto u = size_t(list.index[size_t(i)]);
        ASSERT_FALSE(seen[u]);
        seen[u] = 1;
        ASSERT_EQ(list.value[size_t(i)], ref[int64_t(u)]);
    }
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

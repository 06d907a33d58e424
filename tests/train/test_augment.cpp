// Feature-space augmentation: the vocal-tract-length warp of the mel axis and the equaliser.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/train/trainer.h"

using namespace sparselab::train;

namespace {
// An image whose every row m holds the value m (mels x frames), i.e. "frequency" as a value.
std::vector<float> rampImage(int mels, int frames) {
    std::vector<float> img(static_cast<size_t>(mels * frames));
    for (int m = 0; m < mels; ++m)
        for (int t = 0; t < frames; ++t) img[static_cast<size_t>(m * frames + t)] = float(m);
    return img;
}
FeatureAugmentConfig warpOnly(double maxWarp) {
    FeatureAugmentConfig a;
    a.prob = 1.0;
    a.maxShiftFrames = 0, a.maxStretch = 0, a.maxFreqMask = 0, a.maxTimeMask = 0;
    a.maxWarp = maxWarp;
    return a;
}
}  // namespace

TEST(TrainAugment, VtlpWarpsTheMelAxisByOneFactorWithinBounds) {
    const int mels = 32, frames = 8;
    int warped = 0;
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        std::vector<float> img = rampImage(mels, frames);
        augmentFeatures(img.data(), mels, frames, warpOnly(0.1), seed);
        // Row m now shows source row min(m * factor, mels - 1): one factor for the whole image.
        const double factor = img[size_t(1 * frames)];  // row 1 = 1 * factor
        EXPECT_GE(factor, 0.9 - 1e-6);
        EXPECT_LE(factor, 1.1 + 1e-6);
        warped += std::abs(factor - 1.0) > 1e-3;
        for (int m = 0; m < mels; ++m)
            for (int t = 0; t < frames; ++t)
                ASSERT_NEAR(img[size_t(m * frames + t)], std::min(m * factor, double(mels - 1)),
                            1e-4)
                    << "seed " << seed << " row " << m;
    }
    EXPECT_GT(warped, 30);  // factors are drawn, not fixed
}

TEST(TrainAugment, VtlpOffLeavesTheImageAlone) {
    std::vector<float> img = rampImage(32, 8);
    const std::vector<float> before = img;
    augmentFeatures(img.data(), 32, 8, warpOnly(0.0), 7);
    EXPECT_EQ(img, before);
}

TEST(TrainAugment, EqualiserAddsOneSmoothGainPerMelRowAndKeepsTheDbRange) {
    const int mels = 32, frames = 8;
    FeatureAugmentConfig a = warpOnly(0.0);
    a.maxEqDb = 6.0;
    a.topDb = 80.0;
    int changed = 0;
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        // A power_to_db-like clip: maximum 0 dB, rows falling by 1.5 dB, columns by 0.5 dB.
        std::vector<float> img(static_cast<size_t>(mels * frames));
        for (int m = 0; m < mels; ++m)
            for (int t = 0; t < frames; ++t) img[size_t(m * frames + t)] = -1.5f * m - 0.5f * t;
        const std::vector<float> before = img;
        augmentFeatures(img.data(), mels, frames, a, seed);
        EXPECT_FLOAT_EQ(*std::max_element(img.begin(), img.end()), 0.0f) << "seed " << seed;
        std::vector<double> gain(mels);
        for (int m = 0; m < mels; ++m) {
            gain[size_t(m)] = img[size_t(m * frames)] - before[size_t(m * frames)];
            for (int t = 1; t < frames; ++t)  // one gain for the whole row (nothing clipped here)
                ASSERT_NEAR(img[size_t(m * frames + t)] - before[size_t(m * frames + t)],
                            gain[size_t(m)], 1e-4);
        }
        // Tilt + bump: at most 2 x 6 dB apart anywhere, and neighbouring rows differ by less
        // than the tilt step plus the steepest bump slope (6 / 1.5 / sqrt(e) per band).
        const auto [lo, hi] = std::minmax_element(gain.begin(), gain.end());
        EXPECT_LE(*hi - *lo, 24.0 + 1e-4);
        for (int m = 1; m < mels; ++m)
            EXPECT_LE(std::abs(gain[size_t(m)] - gain[size_t(m - 1)]), 12.0 / 31 + 6.0 / 1.5);
        changed += *hi - *lo > 0.1;
    }
    EXPECT_GT(changed, 10);  // applied with p = 0.5, with drawn gains
}

TEST(TrainAugment, EqualiserClipsAtTopDbBelowTheMaximum) {
    FeatureAugmentConfig a = warpOnly(0.0);
    a.maxEqDb = 20.0;
    a.topDb = 10.0;
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        std::vector<float> img(32 * 4, -10.0f);  // every value at the floor but one
        img[0] = 0.0f;
        augmentFeatures(img.data(), 32, 4, a, seed);
        EXPECT_FLOAT_EQ(*std::max_element(img.begin(), img.end()), 0.0f);
        EXPECT_GE(*std::min_element(img.begin(), img.end()), -10.0f);
    }
}

TEST(TrainAugment, SpecAugmentMasksCountAndWidth) {
    // Only masks, always drawn: with `masks` k and widths w, at most k frequency bands of width
    // <= w and k time spans of width <= w are set to the image floor.
    const int mels = 32, frames = 32;
    FeatureAugmentConfig a;
    a.prob = 1.0;
    a.maxShiftFrames = 0, a.maxStretch = 0;
    a.maxFreqMask = 6, a.maxTimeMask = 5;
    for (int masks : {0, 1, 3}) {
        a.masks = masks;
        int maxRows = 0, maxCols = 0, minRows = mels;
        for (uint32_t seed = 1; seed <= 200; ++seed) {
            std::vector<float> img(static_cast<size_t>(mels * frames));
            for (size_t i = 0; i < img.size(); ++i) img[i] = 1.0f + float(i % 7);  // floor 1
            augmentFeatures(img.data(), mels, frames, a, seed);
            int rows = 0, cols = 0;  // rows / columns entirely at the floor
            for (int m = 0; m < mels; ++m) {
                bool all = true;
                for (int t = 0; t < frames; ++t) all = all && img[size_t(m * frames + t)] == 1.0f;
                rows += all;
            }
            for (int t = 0; t < frames; ++t) {
                bool all = true;
                for (int m = 0; m < mels; ++m) all = all && img[size_t(m * frames + t)] == 1.0f;
                cols += all;
            }
            maxRows = std::max(maxRows, rows), maxCols = std::max(maxCols, cols);
            minRows = std::min(minRows, rows);
        }
        EXPECT_LE(maxRows, masks * 6) << masks;
        EXPECT_LE(maxCols, masks * 5) << masks;
        if (masks == 0) {
            EXPECT_EQ(maxRows + maxCols, 0);
        } else {
            EXPECT_GE(minRows, 1) << masks;  // p = 1: always at least one band
        }
        if (masks == 3) {
            EXPECT_GT(maxRows, 6) << "three masks cover more than one can";
        }
    }
}

TEST(TrainAugment, MixupBlendsPairsWithBetaWeights) {
    // 2000 samples of 3 values, sample i all equal to i: after mixup sample i must be
    // (1 - m) i + m j with j the sample whose label is mixLabels[i] (label = index here), each
    // j used once (a permutation), m <= 1/2, and the mean of m must be E[min(l, 1 - l)] for
    // l ~ Beta(alpha, alpha): 1/4 for alpha = 1 (l uniform); 0.1012 for alpha = 0.2 (numerical
    // integration of the Beta density, and numpy.random.beta with 10^7 draws: 0.1012).
    const int n = 2000;
    for (const auto& [alpha, mean] : {std::pair{1.0, 0.25}, std::pair{0.2, 0.1012}}) {
        sparselab::Tensor batch({n, 3});
        std::vector<int> labels(n);
        for (int i = 0; i < n; ++i) {
            labels[size_t(i)] = i;
            for (int e = 0; e < 3; ++e) batch[i * 3 + e] = float(i);
        }
        sparselab::train::LabelTargets t;
        mixupBatch(batch, labels, alpha, 7, t);
        ASSERT_EQ(t.mixLabels.size(), size_t(n));
        std::vector<int> used(n, 0);
        double sum = 0.0;
        for (int i = 0; i < n; ++i) {
            const int j = t.mixLabels[size_t(i)];
            const double m = t.mixWeights[size_t(i)];
            ASSERT_GE(m, 0.0);
            ASSERT_LE(m, 0.5);
            ++used[size_t(j)];
            sum += m;
            for (int e = 0; e < 3; ++e)
                EXPECT_NEAR(batch[i * 3 + e], (1 - m) * i + m * j, 0.01) << i;
        }
        EXPECT_EQ(*std::min_element(used.begin(), used.end()), 1);
        EXPECT_EQ(*std::max_element(used.begin(), used.end()), 1);
        EXPECT_NEAR(sum / n, mean, 0.015) << "alpha " << alpha;
    }
}

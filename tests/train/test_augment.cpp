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

// Feature-space augmentation: the vocal-tract-length warp of the mel axis.
#include <gtest/gtest.h>

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

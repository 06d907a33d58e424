// k-winners boosting and duty cycles against values computed by hand from nupic.torch's rules.
#include <gtest/gtest.h>

#include <cmath>

#include "core/train/train_layer.h"

using namespace sparselab;
using namespace sparselab::train;

TEST(TrainKWinners, DutyCyclesAndBoostingFollowNupic) {
    KWinnersParams p;
    p.k = 1;
    p.boostStrength = 1.0f;
    p.boostStrengthFactor = 0.5f;
    p.dutyCycles = {0.3f, 0.3f, 0.3f, 0.3f};  // the trainer restarts them at zero
    auto kw = makeKWinners("kw", p);
    PassContext train{true, 1};
    const Tensor x({1, 4}, std::vector<float>{1.0f, 2.0f, 0.5f, 0.1f});
    Tensor y;
    // Batch 1: all duty cycles 0, equal boosts -> unit 1 wins; period = min(1000, 1) = 1, so
    // duty = active = (0, 1, 0, 0).
    kw->forward(x, y, train);
    EXPECT_EQ(std::vector<float>(y.values().begin(), y.values().end()),
              (std::vector<float>{0.0f, 2.0f, 0.0f, 0.0f}));
    // Batch 2: boosts exp(0.25 - d): unit 1 gets 2 * e^-0.75 = 0.945 < unit 0's 1 * e^0.25 =
    // 1.284, so unit 0 wins and passes its unboosted 1.0; period 2: duty = (d * 1 + active) / 2.
    kw->forward(x, y, train);
    EXPECT_EQ(std::vector<float>(y.values().begin(), y.values().end()),
              (std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f}));
    kw->endEpoch();
    std::vector<Layer> exported;
    kw->exportTo(exported);
    const auto& e = exported.at(0).as<KWinnersParams>();
    ASSERT_EQ(e.dutyCycles.size(), 4u);
    EXPECT_FLOAT_EQ(e.dutyCycles[0], 0.5f);
    EXPECT_FLOAT_EQ(e.dutyCycles[1], 0.5f);
    EXPECT_FLOAT_EQ(e.dutyCycles[2], 0.0f);
    EXPECT_FLOAT_EQ(e.boostStrength, 0.5f);  // 1.0 * factor 0.5 after one epoch
}

TEST(TrainKWinners, ImageDutyCyclePerChannelDividedByPositions) {
    KWinnersParams p;
    p.k = 3;
    auto kw = makeKWinners("kw2d", p);
    // [1, 2 channels, 1, 2]: values 5, 4 | 3, -1 -> winners 5, 4, 3 (global, k = 3).
    const Tensor x({1, 2, 1, 2}, std::vector<float>{5.0f, 4.0f, 3.0f, -1.0f});
    Tensor y;
    kw->forward(x, y, PassContext{true, 1});
    std::vector<Layer> exported;
    kw->exportTo(exported);
    const auto& e = exported.at(0).as<KWinnersParams>();
    // channel 0: 2 active of 2 positions -> 1.0; channel 1: 1 of 2 -> 0.5 (period 1).
    EXPECT_FLOAT_EQ(e.dutyCycles[0], 1.0f);
    EXPECT_FLOAT_EQ(e.dutyCycles[1], 0.5f);
}

TEST(TrainKWinners, EvaluationUsesInferenceK) {
    KWinnersParams p;
    p.k = 2;
    p.kInferenceFactor = 1.5f;  // int(2 * 1.5) = 3 winners at evaluation
    auto kw = makeKWinners("kw", p);
    const Tensor x({1, 5}, std::vector<float>{1, 5, 2, 4, 3});
    Tensor y;
    kw->forward(x, y, PassContext{false, 1});
    EXPECT_EQ(std::vector<float>(y.values().begin(), y.values().end()),
              (std::vector<float>{0, 5, 0, 4, 3}));
    kw->forward(x, y, PassContext{true, 1});
    EXPECT_EQ(std::vector<float>(y.values().begin(), y.values().end()),
              (std::vector<float>{0, 5, 0, 4, 0}));
}

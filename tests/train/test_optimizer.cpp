// SGD (momentum, weight decay), Adam and sparse masks against hand-computed updates.
#include <gtest/gtest.h>

#include "core/train/optimizer.h"

using namespace sparselab::train;

namespace {
Parameter param(std::vector<float> v, std::vector<uint8_t> mask = {}) {
    // Built whole: assigning the name literal afterwards trips GCC 12's false -Wrestrict.
    std::vector<float> grad(v.size(), 0.5f);
    return Parameter{"w", std::move(v), std::move(grad), std::move(mask), {}};
}
}  // namespace

TEST(TrainOptimizer, SgdMomentumWeightDecayAsTorch) {
    Parameter p = param({1.0f});
    Optimizer opt({OptimizerConfig::Kind::Sgd, 0.1f, 0.9f, 0.1f});
    opt.step({&p});
    EXPECT_NEAR(p.value[0], 0.94f, 1e-6);  // g' = 0.5 + 0.1 * 1 = 0.6; buf = 0.6
    p.grad[0] = 0.5f;
    opt.step({&p});
    EXPECT_NEAR(p.value[0], 0.8266f, 1e-6);  // g' = 0.594; buf = 0.54 + 0.594 = 1.134
}

TEST(TrainOptimizer, AdamFirstStepMovesByLearningRate) {
    Parameter p = param({1.0f, -2.0f});
    OptimizerConfig c;
    c.kind = OptimizerConfig::Kind::Adam;
    c.learningRate = 0.1f;
    Optimizer opt(c);
    opt.step({&p});
    EXPECT_NEAR(p.value[0], 0.9f, 1e-6);  // bias-corrected m / sqrt(v) = sign(g)
    EXPECT_NEAR(p.value[1], -2.1f, 1e-6);
}

TEST(TrainOptimizer, MaskedWeightsStayZero) {
    Parameter p = param({0.0f, 1.0f}, {0, 1});
    Optimizer opt({OptimizerConfig::Kind::Sgd, 0.1f, 0.9f, 0.0f});
    for (int i = 0; i < 3; ++i) {
        p.grad = {0.5f, 0.5f};
        opt.step({&p});
    }
    EXPECT_EQ(p.value[0], 0.0f);
    EXPECT_LT(p.value[1], 1.0f);
}

TEST(TrainOptimizer, StepScheduleDecaysPerEpoch) {
    LrSchedule s;
    s.gamma = 0.9f;
    EXPECT_NEAR(s.learningRate(0.01f, 2), 0.0081f, 1e-7);
    s.kind = LrSchedule::Kind::Cosine;
    s.epochs = 10;
    EXPECT_NEAR(s.learningRate(0.01f, 5), 0.005f, 1e-7);
}

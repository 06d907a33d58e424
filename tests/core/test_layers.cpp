// Each dense reference kernel against small cases computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/dense_ops.h"
#include "core/error.h"

using namespace sparselab;

namespace {

void expectValues(const Tensor& t, const Shape& shape, const std::vector<float>& want,
                  float tol = 1e-6f) {
    ASSERT_EQ(t.shape(), shape);
    ASSERT_EQ(t.size(), static_cast<int64_t>(want.size()));
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(t[static_cast<int64_t>(i)], want[i], tol) << "at " << i;
}

}  // namespace

TEST(DenseConv2d, SingleChannelWithBias) {
    // 1x1x3x3 input 1..9, 2x2 kernel [[1,0],[0,-1]], bias 0.5: y = x[i][j] - x[i+1][j+1] + 0.5 = -4
    // + 0.5
    Conv2dParams p;
    p.weight = Tensor({1, 1, 2, 2}, {1, 0, 0, -1});
    p.bias = {0.5f};
    Tensor in({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), out;
    dense::conv2d(p, in, out);
    expectValues(out, {1, 1, 2, 2}, {-3.5f, -3.5f, -3.5f, -3.5f});
}

TEST(DenseConv2d, PaddingStrideAndTwoChannels) {
    // 2 input channels, 1 output, 3x3 all-ones kernel, pad 1, stride 2 on a 2x3x3 input.
    Conv2dParams p;
    p.weight = Tensor({1, 2, 3, 3}, 1.0f);
    p.bias = {0.0f};
    p.strideH = p.strideW = 2;
    p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
    Tensor in({1, 2, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10}), out;
    dense::conv2d(p, in, out);
    // Output 2x2; top-left sees rows 0-1, cols 0-1 of each channel: (1+2+4+5) + 4*10 = 52.
    // top-right: (2+3+5+6) + 40 = 56; bottom-left: (4+5+7+8) + 40 = 64; bottom-right: (5+6+8+9) +
    // 40 = 68.
    expectValues(out, {1, 1, 2, 2}, {52, 56, 64, 68});
}

TEST(DenseConv2d, BatchIsIndependent) {
    Conv2dParams p;
    p.weight = Tensor({2, 1, 1, 1}, {2.0f, -1.0f});
    p.bias = {1.0f, 0.0f};
    Tensor in({2, 1, 1, 2}, {1, 2, 3, 4}), out;
    dense::conv2d(p, in, out);
    expectValues(out, {2, 2, 1, 2}, {3, 5, -1, -2, 7, 9, -3, -4});
}

TEST(DenseLinear, MatrixVectorAndBatch) {
    LinearParams p;
    p.weight = Tensor({2, 3}, {1, 2, 3, -1, 0, 1});
    p.bias = {0.5f, -0.5f};
    Tensor in({2, 3}, {1, 1, 1, 2, 0, -1}), out;
    dense::linear(p, in, out);
    expectValues(out, {2, 2}, {6.5f, -0.5f, -0.5f, -3.5f});
}

TEST(DenseBatchNorm, PerChannel) {
    BatchNormParams p{{2.0f, 1.0f}, {1.0f, 0.0f}, {1.0f, -1.0f}, {4.0f, 0.25f}, 0.0f};
    Tensor in({1, 2, 1, 2}, {1, 3, -1, 0}), out;
    dense::batchNorm(p, in, out);
    // ch0: (x-1)/2*2+1 -> 1, 3; ch1: (x+1)/0.5 -> 0, 2
    expectValues(out, {1, 2, 1, 2}, {1, 3, 0, 2});
}

TEST(DenseMaxPool, PaddingNeverWins) {
    MaxPool2dParams p{2, 2, 2, 2, 1, 1, 1, 1};
    Tensor in({1, 1, 2, 2}, {-5, -6, -7, -8}), out;
    dense::maxPool2d(p, in, out);
    // Padded 4x4 windows each hold exactly one real value.
    expectValues(out, {1, 1, 2, 2}, {-5, -6, -7, -8});
}

TEST(DenseMaxPool, TwoByTwo) {
    MaxPool2dParams p;
    Tensor in({1, 1, 2, 4}, {1, 5, 2, 0, 3, 4, 9, -1}), out;
    dense::maxPool2d(p, in, out);
    expectValues(out, {1, 1, 1, 2}, {5, 9});
}

TEST(DenseKWinners, GlobalKeepsTopKUnboosted) {
    KWinnersParams p;
    p.k = 2;
    Tensor in({1, 5}, {0.1f, 3.0f, -2.0f, 2.0f, 1.0f}), out;
    dense::kWinners(p, in, out);
    expectValues(out, {1, 5}, {0, 3, 0, 2, 0});
}

TEST(DenseKWinners, BoostingChangesWinnersNotValues) {
    // Unit 0 has never been active (duty 0), unit 1 always (duty 1): target density 1/3.
    // boosted = x * exp(s * (1/3 - d)) with s = 2: unit0 1.0*e^(0.667)=1.95,
    // unit1 1.5*e^(-1.33)=0.40, unit2 0.5*e^(0.667 - 0.4)=... duty 0.2 -> 0.5*e^0.267=0.65. Winner:
    // unit 0, passed unboosted.
    KWinnersParams p;
    p.k = 1;
    p.boostStrength = 2.0f;
    p.dutyCycles = {0.0f, 1.0f, 0.2f};
    Tensor in({1, 3}, {1.0f, 1.5f, 0.5f}), out;
    dense::kWinners(p, in, out);
    expectValues(out, {1, 3}, {1.0f, 0, 0});
}

TEST(DenseKWinners, InferenceFactorScalesK) {
    KWinnersParams p;
    p.k = 2;
    p.kInferenceFactor = 1.5f;  // int(2 * 1.5) = 3 winners
    Tensor in({1, 4}, {4, 3, 2, 1}), out;
    dense::kWinners(p, in, out);
    expectValues(out, {1, 4}, {4, 3, 2, 0});
}

TEST(DenseKWinners, TiesGoToLowerIndexAndReluOption) {
    KWinnersParams p;
    p.k = 2;
    p.relu = true;
    Tensor in({1, 4}, {-1, -1, -1, -1}), out;
    dense::kWinners(p, in, out);
    expectValues(out, {1, 4}, {0, 0, 0, 0});  // winners 0 and 1, but relu zeroes them
    p.relu = false;
    dense::kWinners(p, in, out);
    expectValues(out, {1, 4}, {-1, -1, 0, 0});
}

TEST(DenseKWinners, ImageGlobalAndLocal) {
    // 2 channels x 1 x 2 positions. Global k=2 over all 4 units; local k=1 per position.
    Tensor in({1, 2, 1, 2}, {5, 1, 4, 2}), out;
    KWinnersParams global;
    global.k = 2;
    dense::kWinners(global, in, out);
    expectValues(out, {1, 2, 1, 2}, {5, 0, 4, 0});
    KWinnersParams local;
    local.k = 1;
    local.local = true;
    dense::kWinners(local, in, out);
    expectValues(out, {1, 2, 1, 2}, {5, 0, 0, 2});
}

TEST(DenseKWinners, ChannelDutyCyclesBoostWholeChannel) {
    // Channel 1 is boosted strongly; its smaller values beat channel 0's.
    KWinnersParams p;
    p.k = 2;
    p.boostStrength = 10.0f;
    p.dutyCycles = {1.0f, 0.0f};
    Tensor in({1, 2, 1, 2}, {5, 4, 1, 2}), out;
    dense::kWinners(p, in, out);
    expectValues(out, {1, 2, 1, 2}, {0, 0, 1, 2});
}

TEST(DenseSoftmax, MatchesFormula) {
    Tensor in({1, 3}, {1, 2, 3}), out;
    dense::softmax(in, out, false);
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    expectValues(out, {1, 3},
                 {float(std::exp(1.0) / z), float(std::exp(2.0) / z), float(std::exp(3.0) / z)});
    dense::softmax(in, out, true);
    expectValues(out, {1, 3},
                 {float(1 - std::log(z)), float(2 - std::log(z)), float(3 - std::log(z))}, 1e-5f);
}

TEST(DenseLayer, FlattenKeepsBatch) {
    Layer flatten{"f", FlattenParams{1}};
    Tensor in({2, 2, 1, 3}, 1.0f), out;
    dense::runLayer(flatten, in, out);
    EXPECT_EQ(out.shape(), (Shape{2, 6}));
    EXPECT_EQ(flatten.outputShape({2, 1, 3}), (Shape{6}));
}

TEST(LayerShapes, MismatchIsAnError) {
    Conv2dParams p;
    p.weight = Tensor({4, 3, 5, 5});
    p.bias.assign(4, 0.0f);
    Layer conv{"conv", p};
    EXPECT_EQ(conv.outputShape({3, 32, 32}), (Shape{4, 28, 28}));
    EXPECT_THROW(conv.outputShape({1, 32, 32}), Error);
    EXPECT_THROW(conv.outputShape({3, 4, 4}), Error);
}

// Finite-difference gradient checks for every trainable layer and for a whole small network.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "core/error.h"
#include "core/train/train_layer.h"
#include "core/train/train_network.h"

using namespace sparselab;
using namespace sparselab::train;

namespace {

Tensor randomTensor(Shape shape, std::mt19937& rng, float scale = 1.0f) {
    Tensor t(std::move(shape));
    std::normal_distribution<float> d(0.0f, scale);
    for (auto& v : t.values()) v = d(rng);
    return t;
}

/// L = sum(r * layer(x)); compares backward() with central differences in x and every
/// parameter. Relative error normalised by the largest gradient magnitude.
void checkLayer(TrainLayer& layer, Tensor x, int threads, double tol = 2e-2) {
    std::mt19937 rng(7);
    PassContext ctx{true, threads};
    Tensor y;
    layer.forward(x, y, ctx);
    const Tensor r = randomTensor(y.shape(), rng);
    auto loss = [&]() {
        Tensor out;
        layer.forward(x, out, ctx);
        double s = 0.0;
        for (int64_t i = 0; i < out.size(); ++i) s += double(out[i]) * r[i];
        return s;
    };
    for (Parameter* p : layer.parameters()) std::fill(p->grad.begin(), p->grad.end(), 0.0f);
    layer.forward(x, y, ctx);
    Tensor gx;
    layer.backward(r, &gx, ctx);
    const double eps = 1e-2;
    auto compare = [&](const std::string& what, float* values, const float* analytic,
                       int64_t count) {
        double maxAbs = 1e-6, maxErr = 0.0;
        const int64_t stride = std::max<int64_t>(1, count / 60);  // sample ~60 coordinates
        for (int64_t i = 0; i < count; i += stride) {
            const float keep = values[i];
            values[i] = keep + float(eps);
            const double up = loss();
            values[i] = keep - float(eps);
            const double down = loss();
            values[i] = keep;
            const double numeric = (up - down) / (2 * eps);
            maxAbs = std::max({maxAbs, std::abs(numeric), std::abs(double(analytic[i]))});
            maxErr = std::max(maxErr, std::abs(numeric - analytic[i]));
        }
        EXPECT_LT(maxErr / maxAbs, tol) << layer.name() << " d/d" << what;
    };
    compare("input", x.data(), gx.data(), x.size());
    for (Parameter* p : layer.parameters()) {
        const std::vector<float> g = p->grad;
        compare(p->name, p->value.data(), g.data(), p->size());
    }
}

}  // namespace

TEST(TrainGradients, Conv2dWithStrideAndPadding) {
    std::mt19937 rng(1);
    Conv2dParams p;
    p.weight = randomTensor({4, 3, 3, 3}, rng, 0.3f);
    p.bias = {0.1f, -0.2f, 0.3f, 0.0f};
    p.strideH = 2, p.strideW = 1, p.padTop = 1, p.padLeft = 2, p.padBottom = 0, p.padRight = 1;
    auto layer = makeConv2d("conv", p, false);
    checkLayer(*layer, randomTensor({3, 3, 7, 6}, rng), 2);
}

TEST(TrainGradients, Linear) {
    std::mt19937 rng(2);
    LinearParams p;
    p.weight = randomTensor({5, 8}, rng, 0.3f);
    p.bias = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
    auto layer = makeLinear("fc", p, false);
    checkLayer(*layer, randomTensor({6, 8}, rng), 2);
}

TEST(TrainGradients, BatchNormTrainingStatistics) {
    std::mt19937 rng(3);
    auto bn2d = makeBatchNorm("bn2d", 3);
    checkLayer(*bn2d, randomTensor({4, 3, 3, 2}, rng, 2.0f), 2, 3e-2);
    auto bn1d = makeBatchNorm("bn1d", 5);
    checkLayer(*bn1d, randomTensor({6, 5}, rng, 2.0f), 1, 3e-2);
}

TEST(TrainGradients, MaxPoolReluFlatten) {
    std::mt19937 rng(4);
    auto pool = makeMaxPool2d("pool", MaxPool2dParams{});
    checkLayer(*pool, randomTensor({2, 3, 6, 4}, rng), 2);
    auto relu = makeReLU("relu");
    checkLayer(*relu, randomTensor({3, 10}, rng), 1);
    auto flat = makeFlatten("flat");
    checkLayer(*flat, randomTensor({2, 3, 2, 2}, rng), 1);
}

TEST(TrainGradients, KWinnersPassesGradientThroughWinnersOnly) {
    std::mt19937 rng(5);
    KWinnersParams p;
    p.k = 7;
    auto global = makeKWinners("kw", p);
    checkLayer(*global, randomTensor({3, 4, 3, 3}, rng), 2);
    p.local = true;
    p.k = 2;
    auto local = makeKWinners("kwl", p);
    checkLayer(*local, randomTensor({3, 4, 3, 3}, rng), 1);
    KWinnersParams v;
    v.k = 3;
    auto vec = makeKWinners("kwv", v);
    checkLayer(*vec, randomTensor({4, 12}, rng), 2);
    // Exactly k non-zero outputs per sample, and zero gradient on the losers.
    Tensor x = randomTensor({4, 12}, rng), y, g;
    PassContext ctx{true, 1};
    vec->forward(x, y, ctx);
    Tensor ones({4, 12}, 1.0f);
    vec->backward(ones, &g, ctx);
    for (int b = 0; b < 4; ++b) {
        int nz = 0;
        for (int i = 0; i < 12; ++i) {
            nz += y[b * 12 + i] != 0.0f;
            EXPECT_EQ(g[b * 12 + i], y[b * 12 + i] != 0.0f ? 1.0f : 0.0f);
        }
        EXPECT_EQ(nz, 3);
    }
}

TEST(TrainGradients, WholeNetworkWithLoss) {
    // conv -> bn -> pool -> relu -> flatten -> linear -> bn -> kwinners -> linear, loss NLL.
    std::mt19937 rng(6);
    Model m;
    m.inputShape = {1, 8, 8};
    Conv2dParams c;
    c.weight = randomTensor({3, 1, 3, 3}, rng, 0.5f);
    c.bias = {0.f, 0.f, 0.f};
    m.layers.push_back(Layer{"conv", c});
    m.layers.push_back(Layer{"pool", MaxPool2dParams{}});
    m.layers.push_back(Layer{"relu", ReLUParams{}});
    m.layers.push_back(Layer{"flatten", FlattenParams{1}});
    LinearParams l1;
    l1.weight = randomTensor({10, 27}, rng, 0.3f);
    l1.bias.assign(10, 0.0f);
    m.layers.push_back(Layer{"fc1", l1});
    KWinnersParams kw;
    kw.k = 4;
    m.layers.push_back(Layer{"kw", kw});
    LinearParams l2;
    l2.weight = randomTensor({3, 10}, rng, 0.3f);
    l2.bias.assign(3, 0.0f);
    m.layers.push_back(Layer{"out", l2});
    m.layers.push_back(Layer{"lsm", LogSoftmaxParams{}});
    TrainNetwork net = TrainNetwork::fromModel(m);
    const Tensor x = randomTensor({5, 1, 8, 8}, rng);
    const std::vector<int> labels = {0, 1, 2, 1, 0};
    PassContext ctx{true, 2};
    Tensor grad;
    auto loss = [&]() { return softmaxCrossEntropy(net.forward(x, ctx), labels, grad); };
    net.zeroGradients();
    loss();
    net.backward(grad, ctx);
    // k-winners is discontinuous where winners swap and ReLU/max-pool have kinks, so a few
    // sampled coordinates may straddle one: require 90 % of them to agree closely. Biases
    // followed by BatchNorm have a true gradient of zero; the absolute tolerance covers them.
    for (Parameter* p : net.parameters()) {
        const std::vector<float> analytic = p->grad;
        double maxAnalytic = 0.0;
        for (float g : analytic) maxAnalytic = std::max(maxAnalytic, double(std::abs(g)));
        int checked = 0, agree = 0;
        for (int64_t i = 0; i < p->size(); i += std::max<int64_t>(1, p->size() / 25)) {
            const auto at = static_cast<size_t>(i);
            const float keep = p->value[at];
            const float eps = 1e-3f;
            p->value[at] = keep + eps;
            const double up = loss();
            p->value[at] = keep - eps;
            const double down = loss();
            p->value[at] = keep;
            const double numeric = (up - down) / (2 * eps);
            ++checked;
            agree += std::abs(numeric - analytic[at]) < 0.02 * maxAnalytic + 2e-4;
        }
        EXPECT_GE(agree, 0.9 * checked) << p->name;
    }
}

TEST(TrainGradients, SoftmaxCrossEntropyHandComputed) {
    // logits (0, ln 3): p = (1/4, 3/4); label 1 -> loss = -ln(3/4), grad = (1/4, -1/4).
    Tensor logits({1, 2}, std::vector<float>{0.0f, std::log(3.0f)});
    Tensor grad;
    int64_t correct = 0;
    const double loss = softmaxCrossEntropy(logits, {1}, grad, &correct);
    EXPECT_NEAR(loss, -std::log(0.75), 1e-6);
    EXPECT_NEAR(grad[0], 0.25f, 1e-6);
    EXPECT_NEAR(grad[1], -0.25f, 1e-6);
    EXPECT_EQ(correct, 1);
}

TEST(TrainGradients, DistillationHandComputed) {
    // Student logits (0, ln 3), teacher (ln 3, 0), label 1, w = 0.5, T = 2. With s = sqrt(3):
    // softmax(student / 2) = (1, s) / (1 + s), softmax(teacher / 2) = (s, 1) / (1 + s), so
    // KL(teacher || student) = (s - 1) / (1 + s) * ln(s) and
    // loss = 0.5 * -ln(3/4) + 0.5 * 4 * KL; dLoss/dz0 = 0.5 * 1/4 + 0.5 * 2 * (1 - s) / (1 + s).
    const double s = std::sqrt(3.0);
    Tensor logits({1, 2}, std::vector<float>{0.0f, std::log(3.0f)});
    const Tensor teacher({1, 2}, std::vector<float>{std::log(3.0f), 0.0f});
    const SoftTargets soft{teacher, 0.5, 2.0};
    Tensor grad;
    const double loss = softmaxCrossEntropy(logits, {1}, grad, nullptr, &soft);
    EXPECT_NEAR(loss, -0.5 * std::log(0.75) + 2.0 * (s - 1) / (1 + s) * std::log(s), 1e-6);
    EXPECT_NEAR(grad[0], 0.125 + (1 - s) / (1 + s), 1e-6);
    EXPECT_NEAR(grad[0] + grad[1], 0.0, 1e-6);  // softmax gradients sum to zero
    // A teacher that agrees with the student adds nothing; weight 0 is the plain loss.
    const SoftTargets same{logits, 1.0, 3.0};
    EXPECT_NEAR(softmaxCrossEntropy(logits, {1}, grad, nullptr, &same), 0.0, 1e-7);
    EXPECT_NEAR(grad[0], 0.0, 1e-7);
    const SoftTargets none{teacher, 0.0, 2.0};
    EXPECT_NEAR(softmaxCrossEntropy(logits, {1}, grad, nullptr, &none), -std::log(0.75), 1e-6);
}

namespace {
/// Central finite differences of softmaxCrossEntropy against its gradient, logit by logit.
void checkLossGradient(Tensor logits, const std::vector<int>& labels, const SoftTargets* soft,
                       const LabelTargets* targets) {
    Tensor grad, scratch;
    softmaxCrossEntropy(logits, labels, grad, nullptr, soft, targets);
    for (int64_t i = 0; i < logits.size(); ++i) {
        const float keep = logits[i];
        const float eps = 1e-2f;
        logits[i] = keep + eps;
        const double up = softmaxCrossEntropy(logits, labels, scratch, nullptr, soft, targets);
        logits[i] = keep - eps;
        const double down = softmaxCrossEntropy(logits, labels, scratch, nullptr, soft, targets);
        logits[i] = keep;
        EXPECT_NEAR((up - down) / (2 * eps), grad[i], 2e-4) << "logit " << i;
    }
}
}  // namespace

TEST(TrainGradients, DistillationLossMatchesFiniteDifferences) {
    std::mt19937 rng(21);
    const Tensor logits = randomTensor({4, 6}, rng, 3.0f);
    const Tensor teacher = randomTensor({4, 6}, rng, 3.0f);
    const SoftTargets soft{teacher, 0.3, 3.0};
    checkLossGradient(logits, {0, 5, 2, 2}, &soft, nullptr);
}

TEST(TrainGradients, LabelSmoothingAndMixupHandComputed) {
    // logits (0, ln 3): log p = (ln 1/4, ln 3/4).
    Tensor logits({1, 2}, std::vector<float>{0.0f, std::log(3.0f)});
    Tensor grad;
    int64_t correct = 0;
    // Smoothing 0.2 over 2 classes: q = (0.1, 0.9).
    LabelTargets smooth;
    smooth.smoothing = 0.2;
    double loss = softmaxCrossEntropy(logits, {1}, grad, &correct, nullptr, &smooth);
    EXPECT_NEAR(loss, -(0.1 * std::log(0.25) + 0.9 * std::log(0.75)), 1e-6);
    EXPECT_NEAR(grad[0], 0.25 - 0.1, 1e-6);
    EXPECT_NEAR(grad[1], 0.75 - 0.9, 1e-6);
    EXPECT_EQ(correct, 1);
    // Mixup: label 1 with 30 % of label 0: q = (0.3, 0.7); accuracy still counts label 1.
    LabelTargets mix;
    mix.mixLabels = {0};
    mix.mixWeights = {0.3f};
    loss = softmaxCrossEntropy(logits, {1}, grad, &correct, nullptr, &mix);
    EXPECT_NEAR(loss, -(0.3 * std::log(0.25) + 0.7 * std::log(0.75)), 1e-6);
    EXPECT_NEAR(grad[0], 0.25 - 0.3, 1e-6);
    EXPECT_EQ(correct, 1);
    // Both: q = 0.8 * (0.3, 0.7) + 0.1 = (0.34, 0.66).
    mix.smoothing = 0.2;
    loss = softmaxCrossEntropy(logits, {1}, grad, nullptr, nullptr, &mix);
    EXPECT_NEAR(loss, -(0.34 * std::log(0.25) + 0.66 * std::log(0.75)), 1e-6);
    EXPECT_NEAR(grad[1], 0.75 - 0.66, 1e-6);
    // No smoothing and no mixing is the plain loss, bit for bit.
    const LabelTargets plain;
    Tensor plainGrad;
    EXPECT_EQ(softmaxCrossEntropy(logits, {1}, grad, nullptr, nullptr, &plain),
              softmaxCrossEntropy(logits, {1}, plainGrad));
    EXPECT_EQ(grad[0], plainGrad[0]);
    // Mismatched mixup vectors are refused.
    LabelTargets bad;
    bad.mixLabels = {0, 1};
    bad.mixWeights = {0.5f, 0.5f};
    EXPECT_THROW(softmaxCrossEntropy(logits, {1}, grad, nullptr, nullptr, &bad), Error);
}

TEST(TrainGradients, MixedTargetsWithDistillationMatchFiniteDifferences) {
    std::mt19937 rng(23);
    const Tensor logits = randomTensor({4, 6}, rng, 3.0f);
    const Tensor teacher = randomTensor({4, 6}, rng, 3.0f);
    const SoftTargets soft{teacher, 0.4, 2.0};
    LabelTargets targets;
    targets.smoothing = 0.1;
    targets.mixLabels = {3, 5, 1, 0};
    targets.mixWeights = {0.2f, 0.5f, 0.0f, 0.45f};
    checkLossGradient(logits, {0, 5, 2, 2}, &soft, &targets);
}

// Two training steps of a small Numenta-style network (sparse conv, BN, max-pool, k-winners
// with boosting, sparse linear, BN1d, k-winners, linear, NLL) compared with PyTorch running
// tools/train_compare/torch_step_reference.py from the same weights and batch.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/train/optimizer.h"
#include "core/train/train_network.h"

using namespace sparselab;
using namespace sparselab::train;
using Json = nlohmann::json;

namespace {

Tensor sparseRandom(Shape shape, std::mt19937& rng, float scale, double zeros) {
    Tensor t(std::move(shape));
    std::normal_distribution<float> d(0.0f, scale);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (auto& v : t.values()) v = u(rng) < zeros ? 0.0f : d(rng);
    return t;
}

Json toJson(const Tensor& t) {
    return Json{{"shape", t.shape()},
                {"data", std::vector<float>(t.values().begin(), t.values().end())}};
}

bool torchAvailable() {
    return std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
}

void runComparison(const std::string& optimizer) {
    if (!torchAvailable()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
    std::mt19937 rng(42);
    Model m;
    m.inputShape = {1, 12, 12};
    Conv2dParams conv;
    conv.weight = sparseRandom({4, 1, 5, 5}, rng, 0.3f, 0.5);
    conv.bias = {0.1f, -0.1f, 0.05f, 0.0f};
    m.layers.push_back(Layer{"conv", conv});
    m.layers.push_back(Layer{"pool", MaxPool2dParams{}});
    KWinnersParams kw1;
    kw1.k = 20;
    kw1.boostStrength = 1.5f;
    m.layers.push_back(Layer{"kw1", kw1});
    m.layers.push_back(Layer{"flatten", FlattenParams{1}});
    LinearParams fc1;
    fc1.weight = sparseRandom({16, 64}, rng, 0.2f, 0.7);
    fc1.bias.assign(16, 0.02f);
    m.layers.push_back(Layer{"fc1", fc1});
    KWinnersParams kw2;
    kw2.k = 4;
    kw2.boostStrength = 1.5f;
    m.layers.push_back(Layer{"kw2", kw2});
    LinearParams out;
    out.weight = sparseRandom({3, 16}, rng, 0.3f, 0.0);
    out.bias = {0.0f, 0.1f, -0.1f};
    m.layers.push_back(Layer{"out", out});
    m.layers.push_back(Layer{"lsm", LogSoftmaxParams{}});
    const Tensor x = sparseRandom({6, 1, 12, 12}, rng, 1.0f, 0.0);
    const std::vector<int> labels = {0, 1, 2, 2, 1, 0};
    const int steps = 2;
    OptimizerConfig oc;
    oc.kind = *OptimizerConfig::parseKind(optimizer);
    oc.learningRate = optimizer == "sgd" ? 0.1f : 0.01f;
    oc.momentum = 0.9f;
    oc.weightDecay = 0.01f;

    const std::filesystem::path tmp = std::getenv("SPARSELAB_TEST_TMP")
                                          ? std::getenv("SPARSELAB_TEST_TMP")
                                          : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(tmp);
    const auto in = tmp / ("torch_step_in_" + optimizer + ".json");
    const auto outPath = tmp / ("torch_step_out_" + optimizer + ".json");
    Json cfg{{"conv.weight", toJson(conv.weight)},
             {"conv.bias", Json{{"shape", {4}}, {"data", conv.bias}}},
             {"fc1.weight", toJson(fc1.weight)},
             {"fc1.bias", Json{{"shape", {16}}, {"data", fc1.bias}}},
             {"out.weight", toJson(out.weight)},
             {"out.bias", Json{{"shape", {3}}, {"data", out.bias}}},
             {"input", toJson(x)},
             {"labels", labels},
             {"k1", kw1.k},
             {"k2", kw2.k},
             {"boost", 1.5},
             {"steps", steps},
             {"optimizer", optimizer},
             {"lr", oc.learningRate},
             {"momentum", oc.momentum},
             {"weight_decay", oc.weightDecay}};
    std::ofstream(in) << cfg.dump();
    const std::string cmd = "/usr/bin/python3 " SPARSELAB_SOURCE_DIR
                            "/tools/train_compare/torch_step_reference.py " +
                            in.string() + " " + outPath.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const Json ref = Json::parse(std::ifstream(outPath));

    TrainNetwork net = TrainNetwork::fromModel(m);
    Optimizer opt(oc);
    PassContext ctx{true, 2};
    Tensor grad;
    for (int s = 0; s < steps; ++s) {
        net.zeroGradients();
        const double loss = softmaxCrossEntropy(net.forward(x, ctx), labels, grad);
        EXPECT_NEAR(loss, ref["losses"][s].get<double>(), 1e-4) << "step " << s;
        net.backward(grad, ctx);
        opt.step(net.parameters());
    }
    const StateMap state = net.state();
    auto expectClose = [&](const std::string& ours, const std::string& theirs) {
        const std::vector<float>& a = state.at(ours);
        const auto b = ref[theirs].get<std::vector<float>>();
        ASSERT_EQ(a.size(), b.size()) << ours;
        double maxAbs = 1e-6, maxErr = 0.0;
        for (size_t i = 0; i < a.size(); ++i) {
            maxAbs = std::max(maxAbs, double(std::abs(b[i])));
            maxErr = std::max(maxErr, double(std::abs(a[i] - b[i])));
        }
        EXPECT_LT(maxErr / maxAbs, 1e-4) << ours;
    };
    for (const char* n : {"conv.weight", "fc1.weight", "out.weight", "out.bias",
                          "conv.bn.running_var", "fc1.bn.running_var"})
        expectClose(n, n);
    // Biases feeding a BatchNorm have a true gradient of 0; Adam divides their rounding noise
    // by its own square root and moves them by +-lr, differently in every implementation, so
    // they (and the running means they shift) are compared for SGD only.
    if (optimizer == "sgd")
        for (const char* n :
             {"conv.bias", "fc1.bias", "conv.bn.running_mean", "fc1.bn.running_mean"})
            expectClose(n, n);
    expectClose("kw1.duty_cycles", "kw1.duty_cycles");
    expectClose("kw2.duty_cycles", "kw2.duty_cycles");
}

}  // namespace

TEST(TrainTorchStep, SgdMatchesPyTorch) {
    runComparison("sgd");
}
TEST(TrainTorchStep, AdamMatchesPyTorch) {
    runComparison("adam");
}

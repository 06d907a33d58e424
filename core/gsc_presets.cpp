#include "gsc_presets.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "error.h"

namespace sparselab {

GscConfig GscConfig::preset(std::string_view name) {
    GscConfig c;
    c.name = std::string(name);
    if (name == "dense") return c;
    if (name == "sparse") {
        c.conv1Sparsity = 0.5, c.conv2Sparsity = 0.8, c.linearSparsity = 0.9;
        c.conv1K = 1200, c.conv2K = 200, c.linearK = 100;
        c.boostStrength = 1.5f;
        return c;
    }
    if (name == "super-sparse") {
        c.linearUnits = 1500;
        c.conv1Sparsity = 0.88, c.conv2Sparsity = 0.95, c.linearSparsity = 0.955,
        c.outputSparsity = 0.5;
        c.conv1K = 1200, c.conv2K = 200, c.linearK = 100;
        c.boostStrength = 1.5f;
        return c;
    }
    throw Error("unknown architecture preset '" + std::string(name) +
                "' (use dense, sparse or super-sparse)");
}

namespace {

/// Positions (H x W) the k-winners after conv1 (layer 1) or conv2 (layer 2) select over: the
/// 32x32 input's 5x5 convolutions give 28x28 and, after a 2x2 pool, 10x10; pooled 14x14, 5x5.
int kWinnersPositions(int layer, bool beforePool) {
    const int side = layer == 1 ? 28 : 10;
    return beforePool ? side * side : (side / 2) * (side / 2);
}

}  // namespace

void GscConfig::useKWinnersBeforePool() {
    if (kWinnersBeforePool) return;
    kWinnersBeforePool = true;
    conv1K *= 4;
    conv2K *= 4;
}

void GscConfig::useLocalKWinners() {
    if (kWinnersLocal) return;
    kWinnersLocal = true;
    auto perPosition = [&](int k, int layer, int channels) {
        if (k <= 0) return k;
        const double positions = kWinnersPositions(layer, kWinnersBeforePool);
        return std::clamp(int(std::lround(k / positions)), 1, channels);
    };
    conv1K = perPosition(conv1K, 1, conv1Channels);
    conv2K = perPosition(conv2K, 2, conv2Channels);
}

std::vector<std::string> GscConfig::presetNames() {
    return {"dense", "sparse", "super-sparse"};
}

namespace {

/// Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights with a fixed number of non-zeros per output.
void initWeights(Tensor& w, std::vector<float>& bias, double sparsity, std::mt19937& rng) {
    const int64_t outs = w.dim(0), fanIn = w.size() / outs;
    const auto keep = std::clamp<int64_t>(std::llround((1.0 - sparsity) * double(fanIn)), 1, fanIn);
    const float bound = 1.0f / std::sqrt(float(keep));
    std::uniform_real_distribution<float> u(-bound, bound);
    std::vector<int64_t> idx(static_cast<size_t>(fanIn));
    for (int64_t o = 0; o < outs; ++o) {
        float* row = w.data() + o * fanIn;
        std::fill(row, row + fanIn, 0.0f);
        std::iota(idx.begin(), idx.end(), 0);
        std::shuffle(idx.begin(), idx.end(), rng);
        for (int64_t i = 0; i < keep; ++i) row[idx[static_cast<size_t>(i)]] = u(rng);
    }
    bias.resize(static_cast<size_t>(outs));
    for (float& b : bias) b = u(rng);
}

Layer activation(const std::string& name, int k, const GscConfig& c, int64_t dutyCount,
                 double density, bool local, std::mt19937& rng) {
    if (k <= 0) return Layer{name + ".relu", ReLUParams{}};
    KWinnersParams p;
    p.k = k;
    p.local = local;
    p.kInferenceFactor = c.kInferenceFactor;
    p.boostStrength = c.boostStrength;
    p.boostStrengthFactor = 0.9f;
    std::uniform_real_distribution<float> u(0.5f, 1.5f);
    p.dutyCycles.resize(static_cast<size_t>(dutyCount));
    for (float& d : p.dutyCycles) d = static_cast<float>(density) * u(rng);
    return Layer{name + ".kwinners", std::move(p)};
}

}  // namespace

Model buildGscModel(const GscConfig& c, uint32_t seed) {
    if (c.conv1Channels < 1 || c.conv2Channels < 1 || c.linearUnits < 1 || c.classes < 2)
        throw Error("GSC config '" + c.name + "' has a layer without units");
    std::mt19937 rng(seed);
    Model m;
    m.name = "gsc-" + c.name;
    m.inputShape = {1, 32, 32};
    auto conv = [&](const std::string& name, int in, int out, double sparsity) {
        Conv2dParams p;
        p.weight = Tensor({out, in, 5, 5});
        initWeights(p.weight, p.bias, sparsity, rng);
        m.layers.push_back(Layer{name, std::move(p)});
    };
    auto pool = [&](const std::string& name) {
        m.layers.push_back(Layer{name + ".maxpool", MaxPool2dParams{}});
    };
    // conv1: 64x28x28 -> pool 64x14x14; conv2: 64x10x10 -> pool 64x5x5.
    const int64_t c1Units = int64_t(c.conv1Channels) * kWinnersPositions(1, c.kWinnersBeforePool);
    const int64_t c2Units = int64_t(c.conv2Channels) * kWinnersPositions(2, c.kWinnersBeforePool);
    auto block = [&](const std::string& name, int k, int channels, int64_t units) {
        const double density = k <= 0            ? 1.0
                               : c.kWinnersLocal ? double(k) / channels
                                                 : double(k) / double(units);
        Layer act = activation(name, k, c, channels, density, c.kWinnersLocal, rng);
        if (c.kWinnersBeforePool) {
            m.layers.push_back(std::move(act));
            pool(name);
        } else {
            pool(name);
            m.layers.push_back(std::move(act));
        }
    };
    conv("conv1", 1, c.conv1Channels, c.conv1Sparsity);
    block("conv1", c.conv1K, c.conv1Channels, c1Units);
    conv("conv2", c.conv1Channels, c.conv2Channels, c.conv2Sparsity);
    block("conv2", c.conv2K, c.conv2Channels, c2Units);
    m.layers.push_back(Layer{"flatten", FlattenParams{1}});
    auto linear = [&](const std::string& name, int in, int out, double sparsity) {
        LinearParams p;
        p.weight = Tensor({out, in});
        initWeights(p.weight, p.bias, sparsity, rng);
        m.layers.push_back(Layer{name, std::move(p)});
    };
    linear("linear1", c.conv2Channels * 25, c.linearUnits, c.linearSparsity);
    m.layers.push_back(activation("linear1", c.linearK, c, c.linearUnits,
                                  c.linearK > 0 ? double(c.linearK) / c.linearUnits : 1.0,
                                  /*local=*/false, rng));
    linear("output", c.linearUnits, c.classes, c.outputSparsity);
    m.layers.push_back(Layer{"logsoftmax", LogSoftmaxParams{}});
    if (c.classes == 12) {
        m.metadata.labels = digitsLabels();
    } else {
        for (int i = 0; i < c.classes; ++i)
            m.metadata.labels.push_back("class" + std::to_string(i));
    }
    m.metadata.extra["sparselab.arch"] = c.name;
    m.metadata.extra["sparselab.seed"] = std::to_string(seed);
    m.validate();
    return m;
}

}  // namespace sparselab

// Gradual magnitude pruning (TrainConfig::pruning, TrainNetwork::narrowMasks): the cubic
// schedule against Zhu & Gupta's formula worked by hand, mask narrowing against brute-force
// rankings written here, and a tiny training run that prunes on schedule, resumes mid-way to
// the same masks and ends in the cpu-sparse blocked layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/train/train_network.h"
#include "core/train/trainer.h"

using namespace sparselab;
using namespace sparselab::train;

namespace {

/// A dense GSC CNN small enough to test and with more than 16 outputs in conv1 (40) and
/// linear1 (48), so both are pruned in 16-output blocks; conv2 has 12 (unstructured).
GscConfig smallConfig() {
    GscConfig c = GscConfig::preset("sparse");
    c.conv1Channels = 40, c.conv2Channels = 12, c.linearUnits = 48, c.classes = 5;
    c.conv1K = 400, c.conv2K = 60, c.linearK = 12;
    c.conv1Sparsity = c.conv2Sparsity = c.linearSparsity = c.outputSparsity = 0.0;
    return c;
}

Parameter& weightOf(TrainNetwork& net, const std::string& layer) {
    for (const auto& l : net.layers())
        if (l->name() == layer) return *l->parameters().at(0);
    throw std::runtime_error("no layer " + layer);
}

/// Non-zero (tap, 16-output block) slots of each input of a weight [outs][inputs][taps];
/// fails the test when a slot is only partly non-zero.
std::vector<int> slotsPerInput(const Parameter& w) {
    const int64_t outs = w.shape[0], inputs = w.shape[1], taps = w.size() / (outs * inputs);
    std::vector<int> slots(static_cast<size_t>(inputs), 0);
    for (int64_t in = 0; in < inputs; ++in)
        for (int64_t t = 0; t < taps; ++t)
            for (int64_t o0 = 0; o0 < outs; o0 += 16) {
                int nz = 0, n = 0;
                for (int64_t o = o0; o < std::min(outs, o0 + 16); ++o, ++n)
                    nz += w.value[size_t((o * inputs + in) * taps + t)] != 0.0f;
                EXPECT_TRUE(nz == 0 || nz == n) << w.name << " input " << in << " tap " << t;
                slots[size_t(in)] += nz > 0;
            }
    return slots;
}

}  // namespace

TEST(GradualPruning, CubicScheduleAsZhuAndGupta) {
    GradualPruning gp;
    gp.startEpoch = 1.0, gp.endEpoch = 3.0;
    // s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3 with s_i = 0, s_f = 0.9.
    EXPECT_DOUBLE_EQ(gp.at(0.9, 0.5), 0.0);
    EXPECT_DOUBLE_EQ(gp.at(0.9, 1.0), 0.0);
    EXPECT_NEAR(gp.at(0.9, 1.5), 0.9 * (1 - 0.75 * 0.75 * 0.75), 1e-12);  // 0.5203125
    EXPECT_NEAR(gp.at(0.9, 2.0), 0.7875, 1e-12);
    EXPECT_DOUBLE_EQ(gp.at(0.9, 3.0), 0.9);
    EXPECT_DOUBLE_EQ(gp.at(0.9, 7.0), 0.9);
    double last = 0.0;
    for (double e = 0.0; e <= 4.0; e += 0.01) {
        EXPECT_GE(gp.at(0.9, e), last);
        last = gp.at(0.9, e);
    }
    gp.startEpoch = gp.endEpoch = 2.0;  // one-shot at epoch 2
    EXPECT_DOUBLE_EQ(gp.at(0.5, 1.9), 0.0);
    EXPECT_DOUBLE_EQ(gp.at(0.5, 2.0), 0.5);
}

TEST(GradualPruning, UnstructuredKeepsTheLargestPerUnitAndNeverRegrows) {
    TrainNetwork net = TrainNetwork::fromModel(buildGscModel(smallConfig(), 3));
    Parameter& w = weightOf(net, "conv2");  // [12, 40, 5, 5]: 1000 weights per unit
    const std::vector<float> start = w.value;
    auto expectTopPerUnit = [&](int64_t keep, const std::vector<uint8_t>& among) {
        const int64_t fanIn = w.size() / w.shape[0];
        for (int64_t o = 0; o < w.shape[0]; ++o) {
            std::vector<float> candidates;
            for (int64_t i = 0; i < fanIn; ++i)
                if (among.empty() || among[size_t(o * fanIn + i)])
                    candidates.push_back(std::abs(start[size_t(o * fanIn + i)]));
            std::sort(candidates.rbegin(), candidates.rend());
            int64_t kept = 0;
            float smallestKept = INFINITY;
            for (int64_t i = 0; i < fanIn; ++i)
                if (w.mask[size_t(o * fanIn + i)]) {
                    ++kept;
                    smallestKept = std::min(smallestKept, std::abs(w.value[size_t(o * fanIn + i)]));
                    EXPECT_EQ(w.value[size_t(o * fanIn + i)], start[size_t(o * fanIn + i)]);
                    if (!among.empty()) {
                        EXPECT_TRUE(among[size_t(o * fanIn + i)]);
                    }
                } else {
                    EXPECT_EQ(w.value[size_t(o * fanIn + i)], 0.0f);
                }
            ASSERT_EQ(kept, keep) << "unit " << o;
            EXPECT_EQ(smallestKept, candidates[size_t(keep - 1)]) << "unit " << o;
        }
    };
    net.narrowMasks({{"conv2", 0.6}}, false);
    expectTopPerUnit(400, {});
    const std::vector<uint8_t> first = w.mask;
    net.narrowMasks({{"conv2", 0.3}}, false);  // a lower target changes nothing
    EXPECT_EQ(w.mask, first);
    net.narrowMasks({{"conv2", 0.9}}, false);
    expectTopPerUnit(100, first);
    EXPECT_NEAR(net.weightSparsity({"conv2"}), 0.9, 1e-12);
    EXPECT_THROW(net.narrowMasks({{"conv1.maxpool", 0.5}}, false), Error);
    EXPECT_THROW(net.narrowMasks({{"nothing", 0.5}}, false), Error);
    EXPECT_THROW(net.pruneByMagnitude({{"conv1.maxpool", 0.5}}), Error);  // one-shot, same rule
}

TEST(GradualPruning, StructuredScoresBlocksAsTheExportedModelHoldsThem) {
    TrainNetwork net = TrainNetwork::fromModel(buildGscModel(smallConfig(), 4));
    // linear1 [48, 300] is followed by BatchNorm: give the third 16-output block a 1/std 30
    // times the others', as running statistics would, so scores with and without it differ.
    StateMap state = net.state();
    std::vector<float>& var = state.at("linear1.bn.running_var");
    for (size_t o = 0; o < var.size(); ++o) var[o] = o >= 32 ? 1e-3f : 0.9f;
    net.loadState(state);
    Parameter& w = weightOf(net, "linear1");
    const std::vector<float> start = w.value;
    const int64_t outs = w.shape[0], inputs = w.shape[1];
    ASSERT_EQ(outs, 48);
    net.narrowMasks({{"linear1", 0.6}}, true);  // 3 blocks per input: llround(0.4 * 3) = 1 kept
    const std::vector<int> slots = slotsPerInput(w);
    int third = 0;
    for (int64_t in = 0; in < inputs; ++in) {
        ASSERT_EQ(slots[size_t(in)], 1) << "input " << in;
        double score[3] = {0, 0, 0};
        for (int64_t o = 0; o < outs; ++o) {
            const double v =
                start[size_t(o * inputs + in)] / std::sqrt(double(var[size_t(o)]) + 1e-5);
            score[o / 16] += v * v;
        }
        const int best = int(std::max_element(score, score + 3) - score);
        third += best == 2;
        for (int64_t o = 0; o < outs; ++o)
            EXPECT_EQ(w.value[size_t(o * inputs + in)] != 0.0f, o / 16 == best)
                << "input " << in << " output " << o;
    }
    EXPECT_GT(third, inputs * 9 / 10);  // the scale decided, as it should
    // conv1 [40, 1, 5, 5]: one input, 25 taps x 3 blocks = 75 slots; 80 % zeros keeps 15.
    net.narrowMasks({{"conv1", 0.8}}, true);
    EXPECT_EQ(slotsPerInput(weightOf(net, "conv1")), std::vector<int>{15});
    const std::vector<uint8_t> before = weightOf(net, "conv1").mask;
    net.narrowMasks({{"conv1", 0.5}}, true);  // never re-grows
    EXPECT_EQ(weightOf(net, "conv1").mask, before);
}

TEST(GradualPruning, TrainingPrunesOnScheduleAndResumesToTheSameMasks) {
    // Random "clips" of two classes told apart by the mean level: enough to train on.
    FeatureSet set;
    set.sampleShape = {1, 32, 32};
    set.variants = 1;
    std::mt19937 rng(5);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    for (int i = 0; i < 96; ++i) {
        const int label = i % 2;
        set.labels.push_back(label);
        set.groups.emplace_back();
        for (int k = 0; k < 1024; ++k) set.features.push_back(noise(rng) + (label ? 0.7f : -0.7f));
    }
    set.labelNames = {"a", "b", "c", "d", "e"};
    TrainConfig tc;
    tc.epochs = 6;
    tc.batchSize = 16;  // 6 batches per epoch
    tc.optimizer.kind = OptimizerConfig::Kind::Adam;
    tc.optimizer.learningRate = 0.002f;
    tc.augment.enabled = false;
    tc.pruning.sparsity = {{"conv1", 0.8}, {"linear1", 0.9}};
    tc.pruning.structured = true;
    tc.pruning.startEpoch = 1.0, tc.pruning.endEpoch = 4.0;
    tc.pruning.everyBatches = 4;
    tc.checkpointDir = testing::TempDir() + "/gradual-full";
    std::filesystem::remove_all(tc.checkpointDir);
    Trainer full(TrainNetwork::fromModel(buildGscModel(smallConfig(), 6)), tc);
    std::vector<double> zeros;
    ASSERT_TRUE(full.train(set, nullptr, [&](const TrainProgress& p) {
        if (p.epochDone) zeros.push_back(p.weightSparsity);
        return true;
    }));
    ASSERT_EQ(zeros.size(), 6u);
    EXPECT_EQ(zeros[0], 0.0);  // nothing before epoch position 1
    for (size_t e = 1; e < zeros.size(); ++e) EXPECT_GE(zeros[e], zeros[e - 1]);
    EXPECT_GT(zeros[1], 0.0);
    EXPECT_LT(zeros[2], zeros[3]);
    EXPECT_EQ(zeros[3], zeros[4]);  // the final masks are reached as epoch 4 ends
    EXPECT_EQ(zeros[3], zeros[5]);
    EXPECT_GT(full.evaluate(set), 0.9);
    TrainNetwork& net = full.network();
    EXPECT_EQ(slotsPerInput(weightOf(net, "conv1")), std::vector<int>{15});
    const std::vector<int> slots = slotsPerInput(weightOf(net, "linear1"));
    EXPECT_TRUE(std::all_of(slots.begin(), slots.end(), [](int s) { return s == 1; }));  // 0.3
    EXPECT_EQ(weightOf(net, "conv2").mask.size(), 0u);  // not in the schedule: dense
    // Exported, the zeros stay where they were (BatchNorm folding scales whole units).
    const Model m = net.toModel({}, "gradual");
    int64_t modelZeros = 0, trainZeros = 0;
    for (const Layer& l : m.layers)
        if (l.name == "conv1" || l.name == "linear1") modelZeros += l.weight()->countZeros();
    for (const char* name : {"conv1", "linear1"}) {
        const Parameter& p = weightOf(net, name);
        trainZeros += std::count(p.value.begin(), p.value.end(), 0.0f);
    }
    EXPECT_EQ(modelZeros, trainZeros);

    // Cancelled at the end of epoch 3 (mid-schedule), resumed in a new trainer: same masks.
    tc.checkpointDir = testing::TempDir() + "/gradual-part";
    std::filesystem::remove_all(tc.checkpointDir);
    Trainer part(TrainNetwork::fromModel(buildGscModel(smallConfig(), 6)), tc);
    EXPECT_FALSE(part.train(set, nullptr,
                            [](const TrainProgress& p) { return !(p.epochDone && p.epoch == 2); }));
    Trainer resumed(TrainNetwork::fromModel(buildGscModel(smallConfig(), 6)), tc);
    ASSERT_TRUE(resumed.resume());
    ASSERT_TRUE(resumed.train(set, nullptr));
    for (const char* name : {"conv1", "linear1"})
        EXPECT_EQ(weightOf(resumed.network(), name).mask, weightOf(net, name).mask) << name;
}

TEST(GradualPruning, BadSchedulesAreRefused) {
    TrainConfig tc;
    tc.epochs = 4;
    tc.pruning.sparsity = {{"linear1", 0.9}};
    tc.pruning.startEpoch = 1.0, tc.pruning.endEpoch = 5.0;  // past the last epoch
    auto make = [&] { Trainer t(TrainNetwork::fromModel(buildGscModel(smallConfig(), 1)), tc); };
    EXPECT_THROW(make(), Error);
    tc.pruning.endEpoch = 0.5;  // ends before it starts
    EXPECT_THROW(make(), Error);
    tc.pruning.endEpoch = 3.0;
    tc.pruning.sparsity = {{"conv1.maxpool", 0.9}};
    EXPECT_THROW(make(), Error);
    tc.pruning.sparsity = {{"linear1", 1.0}};
    EXPECT_THROW(make(), Error);
    tc.pruning.sparsity = {{"linear1", 0.9}};
    EXPECT_NO_THROW(make());
}

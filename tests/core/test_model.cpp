// Models: BatchNorm folding, statistics, executors, registry and presets.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/cpu_dense_backend.h"
#include "core/dense_ops.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/model_stats.h"

using namespace sparselab;

namespace {

Tensor randomInput(const Shape& shape, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d;
    Tensor t(shape);
    for (float& v : t.values()) v = d(rng);
    return t;
}

Tensor runDense(const Model& m, const Tensor& x, int threads = 1) {
    CpuDenseBackend backend;
    PrepareOptions o;
    o.threads = threads;
    return backend.prepare(std::make_shared<const Model>(m), o)->run(x);
}

}  // namespace

TEST(FoldBatchNorm, MatchesUnfoldedComputation) {
    Model m;
    m.name = "bn";
    m.inputShape = {2, 6, 6};
    Conv2dParams c;
    c.weight = randomInput({3, 2, 3, 3}, 1);
    c.bias = {0.1f, -0.2f, 0.3f};
    BatchNormParams bn{
        {1.5f, 0.5f, 2.0f}, {0.1f, 0.2f, -0.3f}, {0.3f, -0.1f, 0.0f}, {0.5f, 2.0f, 1.0f}, 1e-5f};
    m.layers = {Layer{"conv", c}, Layer{"bn", bn}, Layer{"flatten", FlattenParams{}}};
    const Tensor x = randomInput({3, 2, 6, 6}, 2);
    const Tensor before = runDense(m, x);
    Model folded = m;
    foldBatchNorms(folded);
    ASSERT_EQ(folded.layers.size(), 2u);
    EXPECT_EQ(folded.layers[0].kind(), LayerKind::Conv2d);
    const Tensor after = runDense(folded, x);
    for (int64_t i = 0; i < before.size(); ++i) EXPECT_NEAR(before[i], after[i], 1e-5f);
}

TEST(FoldBatchNorm, KeepsBatchNormAfterPooling) {
    Model m;
    m.inputShape = {2, 4, 4};
    m.layers = {Layer{"pool", MaxPool2dParams{}},
                Layer{"bn", BatchNormParams{{1, 1}, {0, 0}, {0, 0}, {1, 1}, 1e-5f}}};
    foldBatchNorms(m);
    EXPECT_EQ(m.layers.size(), 2u);
}

TEST(CopyMatchingWeights, DenseIntoSparsePresetKeepsItsKWinners) {
    const Model dense = buildGscModel(GscConfig::preset("dense"), 1);
    Model sparse = buildGscModel(GscConfig::preset("sparse"), 2);
    const Model before = sparse;
    const std::vector<std::string> copied = copyMatchingWeights(dense, sparse);
    EXPECT_EQ(copied, (std::vector<std::string>{"conv1", "conv2", "linear1", "output"}));
    ASSERT_EQ(sparse.layers.size(), before.layers.size());
    for (size_t i = 0; i < sparse.layers.size(); ++i) {
        const Layer& l = sparse.layers[i];
        if (!l.weight()) {  // activations, pooling: still the sparse preset's
            EXPECT_EQ(l.name, before.layers[i].name);
            EXPECT_EQ(l.kind(), before.layers[i].kind());
            continue;
        }
        const Layer& src = *std::find_if(dense.layers.begin(), dense.layers.end(),
                                         [&](const Layer& x) { return x.name == l.name; });
        for (int64_t j = 0; j < l.weight()->size(); ++j)
            ASSERT_EQ((*l.weight())[j], (*src.weight())[j]) << l.name << " " << j;
    }
    EXPECT_EQ(sparse.layers[2].kind(), LayerKind::KWinners);
    sparse.validate();
}

TEST(CopyMatchingWeights, OnlyLayersOfTheSameShape) {
    // super-sparse has linear1 1600->1500: only the convolutions fit.
    const Model dense = buildGscModel(GscConfig::preset("dense"), 1);
    Model superSparse = buildGscModel(GscConfig::preset("super-sparse"), 2);
    const Model before = superSparse;
    EXPECT_EQ(copyMatchingWeights(dense, superSparse),
              (std::vector<std::string>{"conv1", "conv2"}));
    for (size_t i = 0; i < superSparse.layers.size(); ++i) {
        if (superSparse.layers[i].name != "linear1" && superSparse.layers[i].name != "output")
            continue;
        const Tensor& w = *superSparse.layers[i].weight();
        for (int64_t j = 0; j < w.size(); ++j) ASSERT_EQ(w[j], (*before.layers[i].weight())[j]);
    }
}

TEST(ModelStats, DenseGscMacsMatchPaper) {
    // PERF.md: conv1 1,254,400; conv2 10,240,000; linear 1,600,000; output 12,000 = 13,106,400.
    const Model m = buildGscModel(GscConfig::preset("dense"), 1);
    const ModelStats s = computeStats(m);
    EXPECT_EQ(s.denseMacs, 13106400);
    EXPECT_EQ(s.weights, 64 * 25 + 64 * 64 * 25 + 1600 * 1000 + 1000 * 12);
    EXPECT_EQ(s.params, s.weights + 64 + 64 + 1000 + 12);
}

TEST(ModelStats, SparseMacsFollowWeightAndActivationDensity) {
    const GscConfig c = GscConfig::preset("sparse");
    const Model m = buildGscModel(c, 3);
    const ModelStats s = computeStats(m);
    // conv2 sees k=1200 of 12544 active inputs and keeps round(0.2 * 1600) = 320 weights per
    // channel.
    const LayerStats& conv2 = s.layers[3];
    ASSERT_EQ(conv2.name, "conv2");
    EXPECT_EQ(conv2.nonzeros, 64 * 320);
    EXPECT_NEAR(conv2.inputDensity, 1200.0 / 12544.0, 1e-12);
    EXPECT_NEAR(conv2.sparseMacs, 64.0 * 320 * 100 * 1200.0 / 12544.0, 1e-6);
    EXPECT_GT(s.macLimitSpeedup(), 10.0);
}

TEST(GscPresets, FixedNonZerosPerOutputUnit) {
    const Model m = buildGscModel(GscConfig::preset("super-sparse"), 7);
    const auto& lin = m.layers[7].as<LinearParams>();
    ASSERT_EQ(lin.outFeatures(), 1500);
    for (int o = 0; o < lin.outFeatures(); ++o) {
        int nnz = 0;
        for (int i = 0; i < lin.inFeatures(); ++i)
            nnz += lin.weight[int64_t(o) * lin.inFeatures() + i] != 0.0f;
        ASSERT_EQ(nnz, 72) << "unit " << o;  // round(0.045 * 1600)
    }
    EXPECT_THROW(GscConfig::preset("nonsense"), Error);
}

TEST(GscPresets, KWinnersBeforePoolKeepsTheActivationDensities) {
    // nupic.torch's order selects over the 28x28 and 10x10 maps before pooling: 4x the units,
    // so 4x the winners for the same density (GSCSparseCNN: 4767 of 50,176 at conv1).
    GscConfig c = GscConfig::preset("sparse");
    c.useKWinnersBeforePool();
    c.useKWinnersBeforePool();  // idempotent: the k's are scaled once
    EXPECT_EQ(c.conv1K, 4 * GscConfig::preset("sparse").conv1K);
    EXPECT_EQ(c.conv2K, 4 * GscConfig::preset("sparse").conv2K);
    EXPECT_EQ(c.linearK, GscConfig::preset("sparse").linearK);
    const Model m = buildGscModel(c, 5);
    ASSERT_EQ(m.layers[1].name, "conv1.kwinners");
    EXPECT_EQ(m.layers[2].kind(), LayerKind::MaxPool2d);
    EXPECT_EQ(m.layers[1].as<KWinnersParams>().k, 4800);
    const ModelStats stats = computeStats(m);
    const LayerStats& kw = stats.layers[1];  // the density the built model selects
    EXPECT_NEAR(double(kw.kWinners) / double(kw.kUnits), 1200.0 / (64 * 14 * 14), 1e-12);
}

TEST(GscPresets, LocalKWinnersCountWinnersPerPosition) {
    GscConfig c = GscConfig::preset("sparse");
    c.useLocalKWinners();
    EXPECT_EQ(c.conv1K, 6);  // round(1200 / (14 * 14)): 9.4 % of 64 channels at each position
    EXPECT_EQ(c.conv2K, 8);  // 200 / (5 * 5): 12.5 %
    EXPECT_EQ(c.linearK, 100);
    const Model m = buildGscModel(c, 5);
    const auto& kw1 = m.layers[2].as<KWinnersParams>();
    EXPECT_TRUE(kw1.local);
    EXPECT_EQ(kw1.inferenceK({64, 14, 14}), 6);
    ASSERT_EQ(m.layers[8].name, "linear1.kwinners");
    EXPECT_FALSE(m.layers[8].as<KWinnersParams>().local);  // linear1 selects globally
    // Every position keeps exactly k winners, whatever the input.
    CpuDenseBackend backend;
    auto exec = backend.prepare(std::make_shared<const Model>(m), {});
    int positionsChecked = 0;
    exec->run(randomInput({1, 32, 32}, 9), [&](const LayerOutput& out) {
        if (out.index != 2) return;
        const Tensor& t = *out.output;
        ASSERT_EQ(t.size(), 64 * 14 * 14);
        for (int64_t pos = 0; pos < 14 * 14; ++pos, ++positionsChecked) {
            int active = 0;
            for (int64_t ch = 0; ch < 64; ++ch) active += t[ch * 14 * 14 + pos] != 0.0f;
            ASSERT_EQ(active, 6) << "position " << pos;
        }
    });
    EXPECT_EQ(positionsChecked, 14 * 14);

    GscConfig before = GscConfig::preset("sparse");
    before.useKWinnersBeforePool();
    before.useLocalKWinners();
    EXPECT_EQ(before.conv1K, 6);  // 4800 / (28 * 28)
    EXPECT_EQ(before.conv2K, 8);  // 800 / (10 * 10)
}

TEST(Executor, ThreadsGiveTheSameResultAsOneThread) {
    const Model m = buildGscModel(GscConfig::preset("sparse"), 11);
    const Tensor x = randomInput({7, 1, 32, 32}, 5);
    const Tensor one = runDense(m, x, 1), two = runDense(m, x, 2);
    ASSERT_EQ(one.shape(), (Shape{7, 12}));
    for (int64_t i = 0; i < one.size(); ++i) EXPECT_EQ(one[i], two[i]);
}

TEST(Executor, SingleSampleWithoutBatchDimension) {
    const Model m = buildGscModel(GscConfig::preset("dense"), 2);
    const Tensor x = randomInput({1, 32, 32}, 9);
    Tensor batched = x;
    batched.reshape({1, 1, 32, 32});
    const Tensor a = runDense(m, x), b = runDense(m, batched);
    for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
    EXPECT_THROW(runDense(m, randomInput({1, 31, 32}, 1)), Error);
}

TEST(Executor, TapSeesEveryLayerAndWinnerCounts) {
    const Model m = buildGscModel(GscConfig::preset("sparse"), 4);
    CpuDenseBackend backend;
    auto exec = backend.prepare(std::make_shared<const Model>(m), {});
    std::vector<int> seen;
    std::vector<int64_t> nonzeros;
    exec->run(randomInput({1, 32, 32}, 3), [&](const LayerOutput& out) {
        seen.push_back(out.index);
        nonzeros.push_back(out.output->size() - out.output->countZeros());
    });
    ASSERT_EQ(seen.size(), m.layers.size());
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], int(i));
    EXPECT_LE(nonzeros[2], 1200);  // conv1 k-winners (after pool): at most k non-zeros
    EXPECT_LE(nonzeros[5], 200);
    EXPECT_LE(nonzeros[8], 100);
}

TEST(Registry, CpuDenseAlwaysAvailableAndUnknownNamesExplained) {
    const BackendRegistry r = BackendRegistry::withCpuBackends();
    ASSERT_NE(r.find("cpu-dense"), nullptr);
    EXPECT_TRUE(r.find("cpu-dense")->status().available);
    try {
        r.require("tpu");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cpu-dense"), std::string::npos);
    }
    EXPECT_THROW(
        r.find("cpu-dense")
            ->prepare(std::make_shared<const Model>(buildGscModel(GscConfig::preset("dense"), 1)),
                      PrepareOptions{ExecutionMode::SparseSparse, 1}),
        Error);
}

TEST(ExecutionModes, NamesRoundTrip) {
    for (ExecutionMode m : allExecutionModes()) EXPECT_EQ(parseExecutionMode(toString(m)), m);
    EXPECT_FALSE(parseExecutionMode("sparse"));
}

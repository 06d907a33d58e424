// ggml-style consistency of the cpu-sparse backend: every mode, layout and kernel ISA, layer by
// layer and for the whole network, against the dense reference of the same (sparse) model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "core/cpu_dense_backend.h"
#include "core/dense_ops.h"
#include "core/gsc_presets.h"
#include "core/onnx_model.h"
#include "core/sparse/cpu_sparse_backend.h"
#include "core/sparse/pruning.h"
#include "core/sparse/sparse_kernels.h"
#include "random_input.h"

using namespace sparselab;

namespace {

/// max |a - b| / max |b|: the error relative to the reference's scale.
double normalisedError(const Tensor& a, const Tensor& b) {
    EXPECT_EQ(a.shape(), b.shape());
    double diff = 0.0, scale = 0.0;
    for (int64_t i = 0; i < b.size(); ++i) {
        diff = std::max(diff, double(std::fabs(a[i] - b[i])));
        scale = std::max(scale, double(std::fabs(b[i])));
    }
    return scale > 0.0 ? diff / scale : diff;
}

std::vector<int64_t> labels(const Tensor& out) {
    std::vector<int64_t> l;
    const int64_t c = out.size() / out.dim(0);
    for (int64_t b = 0; b < out.dim(0); ++b)
        l.push_back(std::max_element(out.data() + b * c, out.data() + (b + 1) * c) -
                    (out.data() + b * c));
    return l;
}

struct Case {
    ModelPtr model;
    std::string what;
};

/// Checks one prepared configuration: each layer against dense::runLayer on the sparse
/// executor's own input to that layer (via the tap), then the fused fast path end to end.
void checkConfig(const Case& c, ExecutionMode mode, const CpuSparseOptions& opts, int64_t batch,
                 int threads, uint32_t seed) {
    SCOPED_TRACE(c.what + " mode " + std::string(toString(mode)) + " layout " +
                 toString(opts.layout) + " isa " + opts.isa + " batch " + std::to_string(batch) +
                 " threads " + std::to_string(threads));
    CpuSparseBackend backend(opts);
    auto exec = backend.prepare(c.model, PrepareOptions{mode, threads});
    ASSERT_EQ(exec->mode(), mode);
    const Tensor input = test::randomInput(*c.model, batch, seed);

    std::vector<Tensor> outs;
    exec->run(input, [&](const LayerOutput& o) { outs.push_back(*o.output); });
    ASSERT_EQ(outs.size(), c.model->layers.size());
    for (size_t i = 0; i < outs.size(); ++i) {
        const Tensor& in = i == 0 ? input : outs[i - 1];
        Tensor ref;
        dense::runLayer(c.model->layers[i], in, ref);
        const double err = normalisedError(outs[i], ref);
        EXPECT_LE(err, 1e-5) << "layer " << i << " " << c.model->layers[i].name;
        if (c.model->layers[i].is<KWinnersParams>() || c.model->layers[i].is<MaxPool2dParams>()) {
            EXPECT_EQ(err, 0.0) << "selection/pooling must be exact, layer " << i;
        }
    }

    // Whole network, fused program and worker threads, against the dense reference backend.
    const Tensor fast = exec->run(input);
    CpuDenseBackend dense;
    const Tensor ref = dense.prepare(c.model, PrepareOptions{})->run(input);
    EXPECT_LE(normalisedError(fast, ref), 1e-5);
    EXPECT_EQ(labels(fast), labels(ref));
    EXPECT_LE(normalisedError(fast, outs.back()), 1e-5) << "fused vs unfused program";
}

std::vector<Case> randomCases() {
    std::vector<Case> cases;
    uint32_t seed = 1;
    for (const char* preset : {"sparse", "super-sparse", "dense"}) {
        for (bool before : {false, true}) {
            GscConfig cfg = GscConfig::preset(preset);
            cfg.kWinnersBeforePool = before;
            if (before) cfg.conv1K *= 4, cfg.conv2K *= 4;
            cfg.linearUnits = std::min(cfg.linearUnits, 400);  // keeps the test quick
            cases.push_back({std::make_shared<const Model>(buildGscModel(cfg, seed++)),
                             std::string(preset) + (before ? " kwinners-before-pool" : "")});
        }
    }
    // Local k-winners at the convolutions.
    Model local = buildGscModel(GscConfig::preset("sparse"), 42);
    for (Layer& l : local.layers)
        if (l.is<KWinnersParams>() && l.name.rfind("conv", 0) == 0) {
            l.as<KWinnersParams>().local = true;
            l.as<KWinnersParams>().k = 6;
        }
    cases.push_back({std::make_shared<const Model>(std::move(local)), "local k-winners"});
    // Structured (blocked) sparsity from pruning a dense-weight k-winners model.
    GscConfig cfg = GscConfig::preset("super-sparse");
    cfg.conv1Sparsity = cfg.conv2Sparsity = cfg.linearSparsity = cfg.outputSparsity = 0.0;
    WeightPruning prune;
    prune.structured = true;
    prune.layerSparsity = {{"conv2", 0.95}, {"linear1", 0.955}, {"output", 0.5}};
    prune.layers = {"conv2"};
    cases.push_back({pruneWeights(buildGscModel(cfg, 9), prune), "structured super-sparse"});
    return cases;
}

}  // namespace

TEST(SparseConsistency, EveryModeAndLayoutOnRandomModels) {
    const auto cases = randomCases();
    uint32_t seed = 100;
    for (const Case& c : cases)
        for (ExecutionMode mode : allExecutionModes())
            for (SparseLayout layout : {SparseLayout::Unstructured, SparseLayout::Blocked}) {
                CpuSparseOptions opts;
                opts.layout = layout;
                checkConfig(c, mode, opts, 1, 1, seed++);
            }
}

TEST(SparseConsistency, BatchesAndThreads) {
    const auto cases = randomCases();
    for (size_t i = 0; i < cases.size(); i += 3)
        for (int threads : {1, 2}) {
            CpuSparseOptions opts;
            checkConfig(cases[i], ExecutionMode::SparseSparse, opts, 5, threads, 7 + threads);
        }
}

TEST(SparseConsistency, EveryKernelIsa) {
    const auto cases = randomCases();
    for (const std::string& isa : availableKernelIsas())
        for (const Case& c : {cases[0], cases[3], cases.back()})
            for (ExecutionMode mode :
                 {ExecutionMode::SparseWeights, ExecutionMode::SparseActivations,
                  ExecutionMode::SparseSparse}) {
                CpuSparseOptions opts;
                opts.isa = isa;
                checkConfig(c, mode, opts, 2, 1, 3);
            }
}

TEST(SparseConsistency, FastestModeAndTrainedModels) {
    const Model sparse = buildGscModel(GscConfig::preset("sparse"), 3);
    EXPECT_EQ(CpuSparseBackend::fastestMode(sparse), ExecutionMode::SparseSparse);
    EXPECT_EQ(CpuSparseBackend::fastestMode(buildGscModel(GscConfig::preset("dense"), 3)),
              ExecutionMode::Dense);
    const auto dir = std::filesystem::path(SPARSELAB_SOURCE_DIR) / "resources" / "models";
    int trained = 0;
    if (std::filesystem::exists(dir))
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.path().extension() != ".onnx") continue;
            Case c{std::make_shared<const Model>(loadOnnx(entry.path().string())),
                   entry.path().filename().string()};
            for (ExecutionMode mode : allExecutionModes()) checkConfig(c, mode, {}, 2, 1, 5);
            ++trained;
        }
    if (trained == 0) GTEST_LOG_(INFO) << "no trained model in " << dir << "; random models only";
}

TEST(SparseConsistency, StructuredLinearUsesTheFixedCountScatter) {
    // Structured pruning leaves every input of linear1 the same number of blocks, so the
    // blocked scatter takes its fixed-count path; it must equal the dense reference GEMV on a
    // sparse input, on every ISA. An unstructured layer must not claim a fixed count.
    const auto cases = randomCases();
    const Model& m = *cases.back().model;
    const Layer* linear = nullptr;
    for (const Layer& l : m.layers)
        if (l.name == "linear1") linear = &l;
    ASSERT_NE(linear, nullptr);
    const auto& p = linear->as<LinearParams>();
    const LinearPlan plan = packLinear(p, SparseLayout::Blocked);
    ASSERT_GT(plan.blocksPerInput, 0);
    EXPECT_EQ(plan.blocks, int64_t(plan.blocksPerInput) * plan.in);
    Model unstructured = buildGscModel(GscConfig::preset("super-sparse"), 4);
    for (const Layer& l : unstructured.layers) {
        if (l.name != "linear1") continue;
        EXPECT_EQ(packLinear(l.as<LinearParams>(), SparseLayout::Blocked).blocksPerInput, -1);
    }

    std::mt19937 rng(21);
    std::normal_distribution<float> normal;
    Tensor x({1, plan.in}), ref;
    std::vector<int32_t> index;
    std::vector<float> value;
    for (int j = 0; j < plan.in; ++j)
        if (rng() % 8 == 0) {
            x[j] = normal(rng);
            index.push_back(j);
            value.push_back(x[j]);
        }
    dense::runLayer(*linear, x, ref);
    for (const std::string& isa : availableKernelIsas()) {
        AlignedFloats y(size_t(plan.outPad));
        sparseKernels(isa)->linearScatter(plan, ScatterWeights::Blocked, index.data(), value.data(),
                                          int64_t(index.size()), y.data());
        Tensor got({1, plan.out});
        std::copy(y.begin(), y.begin() + plan.out, got.data());
        EXPECT_LE(normalisedError(got, ref), 1e-5) << isa;
    }
}

// Kernel microbenchmarks of the cpu-sparse backend on GSC-sized layers (see docs/SPARSE.md).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>
#include <random>

#include "core/dense_ops.h"
#include "core/gsc_presets.h"
#include "core/sparse/kwinners_select.h"
#include "core/sparse/pruning.h"
#include "core/sparse/sparse_formats.h"
#include "core/sparse/sparse_kernels.h"

using namespace sparselab;

namespace {

std::vector<float> normal(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = d(rng);
    return x;
}

const char* kIsas[] = {"generic", "avx2", "avx512"};

const SparseKernelTable* isaArg(benchmark::State& state, int arg) {
    const SparseKernelTable* k = sparseKernels(kIsas[state.range(arg)]);
    if (!k)
        state.SkipWithError("ISA not supported on this CPU");
    else
        state.SetLabel(k->isa);
    return k;
}

/// The GSC super-sparse network with its weights pruned, unstructured or structured.
const Model& gscModel(bool structured) {
    static const std::array<Model, 2> models = [] {
        GscConfig c = GscConfig::preset("super-sparse");
        c.conv1Sparsity = c.conv2Sparsity = c.linearSparsity = c.outputSparsity = 0.0;
        const Model dense = buildGscModel(c, 1);
        WeightPruning w;
        w.layerSparsity = {{"conv1", 0.88}, {"conv2", 0.95}, {"linear1", 0.955}, {"output", 0.5}};
        w.sparsity = 0.0;
        Model u = *pruneWeights(dense, w);
        w.structured = true;
        Model s = *pruneWeights(dense, w);
        return std::array<Model, 2>{u, s};
    }();
    return models[structured ? 1 : 0];
}

const Layer& layer(const Model& m, const std::string& name) {
    for (const Layer& l : m.layers)
        if (l.name == name) return l;
    throw std::runtime_error("no layer " + name);
}

/// Active list of k random positions out of n, values normal.
ActiveList activeList(int64_t n, int64_t k, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), rng);
    ActiveList a;
    a.index.assign(idx.begin(), idx.begin() + k);
    std::sort(a.index.begin(), a.index.end());  // k-winners lists its winners in index order
    a.value = normal(size_t(k), seed + 1);
    return a;
}

void BM_KWinnersSelect(benchmark::State& state) {
    const int64_t n = state.range(0);
    KWinnersParams p;
    p.k = static_cast<int>(state.range(1));
    p.boostStrength = 1.5f;
    const Shape shape = n == 12544 ? Shape{64, 14, 14} : Shape{n};
    p.dutyCycles.assign(size_t(shape[0]), 0.1f);
    KWinnersSelector sel(p, shape);
    const auto x = normal(size_t(n), 3);
    ActiveList out;
    for (auto _ : state) {
        sel.select(x.data(), out, nullptr);
        benchmark::DoNotOptimize(out.index.data());
    }
}
BENCHMARK(BM_KWinnersSelect)->Args({12544, 1200})->Args({1600, 200})->Args({1500, 100});

/// k-winners on 64 distinct inputs in turn (as a batch of 64 sees them: the band from the
/// previous selection is wider than on one repeated input, and branch predictors cannot learn
/// the winners), per ISA; boosts vary per channel / unit. Each input is first copied into one
/// buffer, so that it is in cache as a layer's fresh output would be; only the selection is
/// timed (manual time, one clock read before and after).
void BM_KWinnersSelectDistinct(benchmark::State& state) {
    const SparseKernelTable* kernels = isaArg(state, 2);
    if (!kernels) return;
    const int64_t n = state.range(0);
    KWinnersParams p;
    p.k = static_cast<int>(state.range(1));
    p.boostStrength = 1.5f;
    const Shape shape = n == 12544 ? Shape{64, 14, 14} : n == 1600 ? Shape{64, 5, 5} : Shape{n};
    p.dutyCycles.resize(size_t(shape[0]));
    for (size_t c = 0; c < p.dutyCycles.size(); ++c)
        p.dutyCycles[c] = 0.05f + 0.01f * float(c % 11);
    KWinnersSelector sel(p, shape, kernels);
    constexpr int kInputs = 64;
    std::vector<std::vector<float>> x;
    for (int i = 0; i < kInputs; ++i) x.push_back(normal(size_t(n), 100 + uint32_t(i)));
    std::vector<float> in(static_cast<size_t>(n));
    ActiveList out;
    int i = 0;
    for (auto _ : state) {
        std::copy(x[size_t(i)].begin(), x[size_t(i)].end(), in.begin());
        i = (i + 1) % kInputs;
        const auto t0 = std::chrono::steady_clock::now();
        sel.select(in.data(), out, nullptr);
        benchmark::DoNotOptimize(out.index.data());
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
}
BENCHMARK(BM_KWinnersSelectDistinct)
    ->UseManualTime()
    ->ArgsProduct({{12544}, {1200}, {0, 1, 2}})
    ->Args({1600, 200, 2})
    ->Args({1500, 100, 2});

void BM_KWinnersDenseReference(benchmark::State& state) {
    const int64_t n = state.range(0);
    KWinnersParams p;
    p.k = static_cast<int>(state.range(1));
    Tensor in({1, n}, normal(size_t(n), 3)), out;
    for (auto _ : state) dense::kWinners(p, in, out);
}
BENCHMARK(BM_KWinnersDenseReference)->Args({12544, 1200})->Args({1600, 200});

void BM_Conv1DenseInput(benchmark::State& state) {
    const SparseKernelTable* k = isaArg(state, 0);
    if (!k) return;
    const ConvPlan plan =
        packConv(layer(gscModel(false), "conv1").as<Conv2dParams>(), {1, 32, 32}, {});
    AlignedFloats pin(size_t(plan.pinFloats), 0.0f);  // aligned, as the executor's
    const auto x = normal(32 * 32, 5);
    AlignedFloats out(64 * 28 * 28 + 16);
    const bool pool = state.range(1);
    for (auto _ : state) {
        k->convDenseInput(plan, x.data(), pin.data(), out.data(), pool);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_Conv1DenseInput)->ArgsProduct({{0, 1, 2}, {0, 1}});

void BM_Conv2Scatter(benchmark::State& state) {
    const SparseKernelTable* k = isaArg(state, 0);
    if (!k) return;
    const auto w = static_cast<ScatterWeights>(state.range(1));
    const bool structured = w == ScatterWeights::Blocked;
    const ConvPlan plan =
        packConv(layer(gscModel(structured), "conv2").as<Conv2dParams>(), {64, 14, 14},
                 structured ? SparseLayout::Blocked : SparseLayout::Unstructured);
    const ActiveList a = activeList(64 * 14 * 14, 1200, 7);
    std::vector<float> acc(size_t(plan.ho) * plan.wo * plan.coutPad + kScatterScratchFloats),
        out(64 * 25);
    for (auto _ : state) {
        k->convScatter(plan, w, a.index.data(), a.value.data(), a.size(), acc.data());
        k->convFinish(plan, acc.data(), out.data(), true);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_Conv2Scatter)->ArgsProduct({{0, 1, 2}, {0, 1, 2}});

void BM_Linear1Scatter(benchmark::State& state) {
    const SparseKernelTable* k = isaArg(state, 0);
    if (!k) return;
    const auto w = static_cast<ScatterWeights>(state.range(1));
    const bool structured = w == ScatterWeights::Blocked;
    const LinearPlan plan =
        packLinear(layer(gscModel(structured), "linear1").as<LinearParams>(),
                   structured ? SparseLayout::Blocked : SparseLayout::Unstructured);
    const ActiveList a = activeList(1600, 200, 9);
    std::vector<float> y(size_t(plan.outPad));
    for (auto _ : state) {
        k->linearScatter(plan, w, a.index.data(), a.value.data(), a.size(), y.data());
        benchmark::DoNotOptimize(y.data());
    }
}
BENCHMARK(BM_Linear1Scatter)->ArgsProduct({{0, 1, 2}, {0, 1, 2}});

void BM_DenseReference(benchmark::State& state) {
    const Model& m = gscModel(false);
    const bool conv = state.range(0) == 0;
    Tensor in(conv ? Shape{1, 64, 14, 14} : Shape{1, 1600}), out;
    const auto x = normal(size_t(in.size()), 11);
    std::copy(x.begin(), x.end(), in.data());
    const Layer& l = layer(m, conv ? "conv2" : "linear1");
    state.SetLabel(conv ? "conv2 im2col+GEMM" : "linear1 GEMV");
    for (auto _ : state) dense::runLayer(l, in, out);
}
BENCHMARK(BM_DenseReference)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();

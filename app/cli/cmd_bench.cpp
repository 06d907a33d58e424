// sparselab-cli bench: time every backend and execution mode on the whole network in one run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "commands.h"
#include "core/cpu_dense_backend.h"
#include "core/dense_ops.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/model_stats.h"
#include "core/sparse/sparse_executor.h"
#include "core/sparse/sparse_formats.h"
#include "core/sparse/sparse_kernels.h"

namespace sparselab::cli {

namespace {

struct BenchArgs {
    std::string model, arch, backend, mode;
    int threads = 1, batch = 1;
    double seconds = 1.0;  ///< timing budget per configuration
    int minRuns = 20, maxRuns = 100000;
    bool json = false, tail = true;
    uint32_t seed = 1;
};

/// Distinct random samples the timed runs cycle through (see the bench callback).
constexpr int kDistinctSamples = 512;

struct Timing {
    double median = 0, p10 = 0, p90 = 0, min = 0, mean = 0;
    double cpuMedian = 0;  ///< process CPU time per run (all threads), robust to a busy machine
    int runs = 0;
};

/// Warm-up (a tenth of the budget, at least 3 runs), then runs until the budget is spent. Runs
/// cycle through several different input batches, so that branch predictors cannot learn one
/// input's winners (repeating one sample flatters data-dependent sparse kernels).
Timing timeRuns(Executor& exec, const std::vector<Tensor>& inputs, const BenchArgs& a) {
    size_t next = 0;
    auto input = [&]() -> const Tensor& { return inputs[next++ % inputs.size()]; };
    using Clock = std::chrono::steady_clock;
    const auto warmEnd = Clock::now() + std::chrono::duration<double>(a.seconds / 10);
    for (int i = 0; i < 3 || Clock::now() < warmEnd; ++i) exec.run(input());
    std::vector<double> us, cpu;
    auto cpuNow = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
    };
    const auto end = Clock::now() + std::chrono::duration<double>(a.seconds);
    while ((static_cast<int>(us.size()) < a.minRuns || Clock::now() < end) &&
           static_cast<int>(us.size()) < a.maxRuns) {
        const Tensor& in = input();
        const double c0 = cpuNow();
        const auto t0 = Clock::now();
        exec.run(in);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        cpu.push_back(cpuNow() - c0);
    }
    std::sort(us.begin(), us.end());
    std::sort(cpu.begin(), cpu.end());
    auto q = [&](double f) { return us[static_cast<size_t>(f * double(us.size() - 1))]; };
    Timing t;
    t.runs = static_cast<int>(us.size());
    t.median = q(0.5), t.p10 = q(0.1), t.p90 = q(0.9), t.min = us.front();
    t.cpuMedian = cpu[cpu.size() / 2];
    for (double v : us) t.mean += v / double(us.size());
    return t;
}

/// MACs a mode performs per sample: zero weights skipped in the sparse-weight modes, inactive
/// inputs skipped in the sparse-activation modes (expected densities from k-winners).
double modeMacs(const ModelStats& stats, ExecutionMode mode) {
    const bool skipWeights =
        mode == ExecutionMode::SparseWeights || mode == ExecutionMode::SparseSparse;
    const bool skipInputs =
        mode == ExecutionMode::SparseActivations || mode == ExecutionMode::SparseSparse;
    double macs = 0;
    for (const LayerStats& l : stats.layers) {
        if (!l.weights) continue;
        const double positions =
            l.outputShape.size() == 3 ? double(l.outputShape[1] * l.outputShape[2]) : 1.0;
        macs += double(skipWeights ? l.nonzeros : l.weights) * positions *
                (skipInputs ? l.inputDensity : 1.0);
    }
    return macs;
}

Tensor randomBatch(const Shape& sample, int batch, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    Shape s{batch};
    s.insert(s.end(), sample.begin(), sample.end());
    Tensor t(s);
    for (float& v : t.values()) v = d(rng);
    return t;
}

std::string cpuName() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

/// Times every available backend/mode (or the chosen ones) on `model` and input; fills JSON rows.
Json benchModel(const CliContext& ctx, const ModelPtr& model, const std::vector<Tensor>& input,
                const BenchArgs& a) {
    const ModelStats stats = computeStats(*model);
    Json rows = Json::array();
    double denseMedian = 0;
    std::vector<const Backend*> backends;
    if (a.backend.empty())
        backends = ctx.registry.all();
    else
        backends.push_back(&ctx.registry.require(a.backend));
    std::optional<ExecutionMode> onlyMode;
    if (!a.mode.empty()) {
        onlyMode = parseExecutionMode(a.mode);
        if (!onlyMode)
            throw Error("unknown mode '" + a.mode +
                        "' (use dense, sparse-weights, sparse-activations or sparse-sparse)");
    }
    for (const Backend* b : backends) {
        const BackendStatus st = b->status();
        if (!st.available) {
            rows.push_back({{"backend", b->name()}, {"available", false}, {"reason", st.reason}});
            continue;
        }
        for (ExecutionMode mode : b->modes()) {
            if (onlyMode && mode != *onlyMode) continue;
            auto exec = b->prepare(model, PrepareOptions{mode, a.threads});
            const Timing t = timeRuns(*exec, input, a);
            if (mode == ExecutionMode::Dense && (b->name() == "cpu-dense" || denseMedian == 0))
                denseMedian = t.median;
            const double macs = modeMacs(stats, mode);
            Json row = {{"backend", b->name()},
                        {"mode", std::string(toString(mode))},
                        {"available", true},
                        {"batch", a.batch},
                        {"threads", a.threads},
                        {"median_us", t.median},
                        {"p10_us", t.p10},
                        {"p90_us", t.p90},
                        {"min_us", t.min},
                        {"mean_us", t.mean},
                        {"runs", t.runs},
                        {"median_cpu_us", t.cpuMedian},
                        {"per_sample_us", t.median / a.batch},
                        {"samples_per_s", 1e6 * a.batch / t.median},
                        {"macs", macs},
                        {"dense_macs", stats.denseMacs},
                        {"mac_limit_speedup", double(stats.denseMacs) / std::max(macs, 1.0)}};
            if (auto* se = dynamic_cast<const SparseExecutor*>(exec.get())) {
                row["isa"] = se->isa();
                Json steps = Json::array();
                for (const SparseStepInfo& s : se->describe())
                    steps.push_back(model->layers[size_t(s.lastLayer)].name + ": " + s.kernel);
                row["kernels"] = steps;
            }
            rows.push_back(row);
        }
    }
    if (denseMedian > 0)
        for (Json& r : rows)
            if (r.value("available", false))
                r["speedup_vs_dense"] = denseMedian / r["median_us"].get<double>();
    return rows;
}

/// The network from the k-winners feeding the first Linear to the end: the linear layers and
/// their selections, fed with the model's real intermediate activations.
std::pair<ModelPtr, std::vector<Tensor>> linearTail(const Model& m,
                                                    const std::vector<Tensor>& inputs) {
    size_t first = 0;
    while (first < m.layers.size() && !m.layers[first].is<LinearParams>()) ++first;
    if (first == m.layers.size()) return {};
    size_t start = first;
    while (start > 0 &&
           (m.layers[start - 1].is<FlattenParams>() || m.layers[start - 1].is<KWinnersParams>()))
        --start;
    auto tail = std::make_shared<Model>();
    tail->name = m.name + " (linear part)";
    tail->inputShape = start == 0 ? m.inputShape : m.layerOutputShapes()[start - 1];
    tail->layers.assign(m.layers.begin() + long(start), m.layers.end());
    tail->metadata = m.metadata;
    std::vector<Tensor> mids = inputs;
    if (start > 0) {
        auto ref = CpuDenseBackend().prepare(std::make_shared<const Model>(m), PrepareOptions{});
        for (size_t i = 0; i < inputs.size(); ++i)
            ref->run(inputs[i], [&](const LayerOutput& o) {
                if (size_t(o.index) == start - 1) mids[i] = *o.output;
            });
    }
    return {tail, mids};
}

/// Median microseconds of `body(i)` (i cycles through the inputs) after a warm-up, over at
/// least a.minRuns runs and a.seconds.
double medianUs(const std::function<void(size_t)>& body, size_t inputs, const BenchArgs& a) {
    using Clock = std::chrono::steady_clock;
    size_t next = 0;
    const auto warmEnd = Clock::now() + std::chrono::duration<double>(a.seconds / 10);
    for (int i = 0; i < 3 || Clock::now() < warmEnd; ++i) body(next++ % inputs);
    std::vector<double> us;
    const auto end = Clock::now() + std::chrono::duration<double>(a.seconds);
    while ((static_cast<int>(us.size()) < a.minRuns || Clock::now() < end) &&
           static_cast<int>(us.size()) < a.maxRuns) {
        const size_t i = next++ % inputs;
        const auto t0 = Clock::now();
        body(i);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

/// The Linear layers alone, one sample at a time: the dense reference GEMV on each layer's real
/// (k-winners) input against the sparse-sparse scatter of the same input's non-zeros over the
/// non-zero weights (the layout cpu-sparse picks). Both sides do exactly the Linear layers, so
/// the ratio compares with the MAC limit of the same span.
Json linearKernels(const ModelPtr& model, const std::vector<Tensor>& inputs, const BenchArgs& a) {
    std::vector<int> linears;
    for (size_t i = 0; i < model->layers.size(); ++i)
        if (model->layers[i].is<LinearParams>()) linears.push_back(static_cast<int>(i));
    if (linears.empty()) return Json();
    // Each Linear's input, per sample, from the dense reference.
    std::vector<std::vector<Tensor>> x(linears.size());
    auto ref = CpuDenseBackend().prepare(model, PrepareOptions{});
    for (const Tensor& in : inputs) {
        const int64_t n = in.dim(0), per = numel(model->inputShape);
        for (int64_t b = 0; b < n; ++b) {
            Tensor one(model->inputShape);
            std::copy(in.data() + b * per, in.data() + (b + 1) * per, one.data());
            ref->run(one, [&](const LayerOutput& o) {
                for (size_t l = 0; l < linears.size(); ++l)
                    if (o.index == linears[l] - 1) x[l].push_back(*o.output);
            });
        }
    }
    const SparseKernelTable& k = sparseKernels();
    std::vector<LinearPlan> plans;
    std::vector<std::vector<ActiveList>> active(linears.size());
    double denseMacs = 0, sparseMacs = 0;
    Json names = Json::array();
    for (size_t l = 0; l < linears.size(); ++l) {
        const auto& p = model->layers[size_t(linears[l])].as<LinearParams>();
        plans.push_back(packLinear(p, SparseLayout::Auto, CpuSparseOptions{}.autoBlockFill));
        names.push_back(model->layers[size_t(linears[l])].name);
        double count = 0;
        for (const Tensor& t : x[l]) {
            ActiveList al;
            for (int64_t j = 0; j < t.size(); ++j)
                if (t[j] != 0.0f) al.index.push_back(int32_t(j)), al.value.push_back(t[j]);
            count += double(al.size());
            active[l].push_back(std::move(al));
        }
        const double density = count / double(x[l].size()) / double(plans[l].in);
        denseMacs += double(plans[l].in) * plans[l].out;
        sparseMacs += double(plans[l].nonzeros) * density;
    }
    const size_t samples = x[0].size();
    std::vector<Tensor> out(linears.size());
    const double denseUs = medianUs(
        [&](size_t i) {
            for (size_t l = 0; l < linears.size(); ++l)
                dense::runLayer(model->layers[size_t(linears[l])], x[l][i], out[l]);
        },
        samples, a);
    // Cache-line aligned like the executor's buffers (a 16-float block must not straddle lines).
    std::vector<AlignedFloats> y(linears.size());
    for (size_t l = 0; l < linears.size(); ++l) y[l].resize(size_t(plans[l].outPad));
    const double sparseUs = medianUs(
        [&](size_t i) {
            for (size_t l = 0; l < linears.size(); ++l) {
                const ActiveList& al = active[l][i];
                k.linearScatter(
                    plans[l],
                    plans[l].blocked ? ScatterWeights::Blocked : ScatterWeights::Unstructured,
                    al.index.data(), al.value.data(), al.size(), y[l].data());
            }
        },
        samples, a);
    const double limit = denseMacs / std::max(sparseMacs, 1.0), speedup = denseUs / sparseUs;
    return {{"layers", names},
            {"dense_us", denseUs},
            {"sparse_sparse_us", sparseUs},
            {"dense_macs", denseMacs},
            {"sparse_sparse_macs", sparseMacs},
            {"speedup", speedup},
            {"mac_limit_speedup", limit},
            {"fraction_of_limit", speedup / limit},
            {"isa", k.isa}};
}

void printTable(const Json& rows, const char* title) {
    std::printf("%s\n", title);
    std::printf("%-10s %-18s %10s %10s %10s %11s %12s %8s %9s\n", "backend", "mode", "median_us",
                "p10_us", "p90_us", "samples/s", "MACs", "speedup", "MAC-limit");
    for (const Json& r : rows) {
        if (!r.value("available", false)) {
            std::printf("%-10s unavailable: %s\n", r["backend"].get<std::string>().c_str(),
                        r["reason"].get<std::string>().c_str());
            continue;
        }
        std::printf("%-10s %-18s %10.1f %10.1f %10.1f %11.0f %12.0f %7.1fx %8.1fx\n",
                    r["backend"].get<std::string>().c_str(), r["mode"].get<std::string>().c_str(),
                    r["median_us"].get<double>(), r["p10_us"].get<double>(),
                    r["p90_us"].get<double>(), r["samples_per_s"].get<double>(),
                    r["macs"].get<double>(), r.value("speedup_vs_dense", 0.0),
                    r["mac_limit_speedup"].get<double>());
    }
}

}  // namespace

void registerBenchCommand(CLI::App& app, CliContext& ctx) {
    auto* cmd = app.add_subcommand(
        "bench", "Time every backend and execution mode on a whole network (median of many runs)");
    auto a = std::make_shared<BenchArgs>();
    auto* modelOpt = cmd->add_option("--model", a->model, "ONNX model to benchmark");
    cmd->add_option("--arch", a->arch,
                    "Or a random model of a preset (dense, sparse, super-sparse)")
        ->excludes(modelOpt);
    cmd->add_option("--backend", a->backend, "Only this backend (default: all)");
    cmd->add_option("--mode", a->mode, "Only this mode (default: every mode of each backend)");
    cmd->add_option("--threads", a->threads, "Worker threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--batch", a->batch, "Samples per run")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--seconds", a->seconds, "Timing budget per configuration")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 60.0));
    cmd->add_option("--min-runs", a->minRuns, "At least this many timed runs")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--seed", a->seed, "Seed of the random input (and --arch model)");
    cmd->add_flag(
        "!--no-linear-part", a->tail,
        "Skip timing the linear part (k-winners + Linear layers) and the Linear kernels alone");
    cmd->add_flag("--json", a->json, "Print JSON instead of a table");
    cmd->callback([a, &ctx] {
        if (a->model.empty() && a->arch.empty()) throw Error("bench needs --model or --arch");
        ModelPtr model =
            a->model.empty()
                ? std::make_shared<const Model>(buildGscModel(GscConfig::preset(a->arch), a->seed))
                : loadModel(a->model);
        // At least 512 distinct samples (8 batches when batch >= 64): with only 8 inputs at
        // batch 1 the branch predictors learn them, and sparse-sparse measured ~10 % faster
        // than on distinct inputs, which is what live audio gives.
        const int batches = std::max(8, (kDistinctSamples + a->batch - 1) / a->batch);
        std::vector<Tensor> input;
        for (uint32_t i = 0; i < uint32_t(batches); ++i)
            input.push_back(randomBatch(model->inputShape, a->batch, a->seed + 1000 + i));
        const ModelStats stats = computeStats(*model);
        Json doc = {
            {"model", a->model.empty() ? "random " + a->arch : a->model},
            {"model_name", model->name},
            {"machine",
             {{"cpu", cpuName()}, {"hardware_threads", std::thread::hardware_concurrency()}}},
            {"batch", a->batch},
            {"threads", a->threads},
            {"dense_macs", stats.denseMacs},
            {"sparse_macs", stats.sparseMacs},
            {"weight_sparsity", stats.weightSparsity()},
            {"mac_limit_speedup", stats.macLimitSpeedup()}};
        doc["results"] = benchModel(ctx, model, input, *a);
        if (a->tail) {
            auto [tail, mid] = linearTail(*model, input);
            if (tail) {
                BenchArgs t = *a;
                if (t.backend.empty()) t.backend = "cpu-sparse";
                doc["linear_part"] = benchModel(ctx, tail, mid, t);
                doc["linear_part_first_layer"] = tail->layers.front().name;
            }
            if (Json lk = linearKernels(model, input, *a); !lk.is_null())
                doc["linear_kernels"] = lk;
        }
        if (a->json) {
            printJson(doc);
            return;
        }
        std::printf("%s: %.2f M dense MACs, %.1f%% weight zeros, MAC-limit speedup %.1fx\n",
                    model->name.c_str(), double(stats.denseMacs) / 1e6,
                    100.0 * stats.weightSparsity(), stats.macLimitSpeedup());
        std::printf("machine: %s; batch %d, threads %d; times per batch\n\n", cpuName().c_str(),
                    a->batch, a->threads);
        printTable(doc["results"], "whole network");
        if (doc.contains("linear_part")) {
            std::printf("\n");
            printTable(doc["linear_part"],
                       "linear part (from the k-winners before the first Linear)");
        }
        if (doc.contains("linear_kernels")) {
            const Json& lk = doc["linear_kernels"];
            std::printf(
                "\nlinear kernels only (%s, real k-winners inputs, one sample): dense "
                "%.2f us, sparse-sparse %.2f us = %.1fx; MAC limit %.1fx -> %.0f%% of "
                "the limit\n",
                lk["layers"].dump().c_str(), lk["dense_us"].get<double>(),
                lk["sparse_sparse_us"].get<double>(), lk["speedup"].get<double>(),
                lk["mac_limit_speedup"].get<double>(),
                100.0 * lk["fraction_of_limit"].get<double>());
        }
    });
}

}  // namespace sparselab::cli

#include "sparse_executor.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "core/dense_ops.h"
#include "core/error.h"
#include "core/sequential_executor.h"

namespace sparselab {

struct SparseExecutor::Step {
    enum class Kind { Conv, Linear, KWinners, MaxPool, Flatten, Generic };
    Kind kind = Kind::Generic;
    int first = 0, last = 0;
    ExecutionMode mode = ExecutionMode::Dense;  ///< Conv/Linear: the kernel family used
    bool pool2 = false;       ///< Conv: also computes the following 2x2 stride-2 max-pool
    bool denseOut = true;     ///< KWinners: also write the dense output
    bool poolDerive = false;  ///< MaxPool: derive the output's active list from the input's
    int64_t outSize = 0;      ///< per-sample output elements
};

struct SparseExecutor::Program {
    std::vector<Step> steps;
};

struct SparseExecutor::Workspace {
    AlignedFloats buf[2];
    ActiveList act[2];
    std::vector<AlignedFloats> pin;  ///< per layer: zero-padded input of a Conv2d
    AlignedFloats acc;
    std::vector<std::unique_ptr<KWinnersSelector>> selectors;  ///< per layer
    std::vector<uint32_t> mark;
    uint32_t generation = 0;
    std::vector<Tensor> tin;  ///< per layer: one-sample input of a layer run on the reference
    Tensor tout;
};

namespace {

ExecutionMode effectiveMode(ExecutionMode mode, bool sparseInput) {
    switch (mode) {
        case ExecutionMode::SparseActivations:
            return sparseInput ? mode : ExecutionMode::Dense;
        case ExecutionMode::SparseSparse:
            return sparseInput ? mode : ExecutionMode::SparseWeights;
        default:
            return mode;
    }
}

bool usesActiveList(ExecutionMode mode) {
    return mode == ExecutionMode::SparseActivations || mode == ExecutionMode::SparseSparse;
}

bool isPool2x2(const Layer& layer) {
    if (!layer.is<MaxPool2dParams>()) return false;
    const auto& p = layer.as<MaxPool2dParams>();
    return p.kernelH == 2 && p.kernelW == 2 && p.strideH == 2 && p.strideW == 2 && p.padTop == 0 &&
           p.padLeft == 0 && p.padBottom == 0 && p.padRight == 0;
}

/// Max-pool of one sample [c][h][w] -> [c][ho][wo] (padded positions never win).
void maxPoolSample(const MaxPool2dParams& p, const Shape& in, const Shape& out, const float* s,
                   float* d) {
    dense::maxPool2dSample(p, in[0], in[1], in[2], out[1], out[2], s, d);
}

std::string modeKernel(ExecutionMode mode, bool blocked) {
    switch (mode) {
        case ExecutionMode::Dense:
            return "dense (Eigen)";
        case ExecutionMode::SparseWeights:
            return "sparse weights x dense input";
        case ExecutionMode::SparseActivations:
            return "dense weights x active inputs";
        case ExecutionMode::SparseSparse:
            return std::string("sparse weights x active inputs, ") +
                   (blocked ? "blocked" : "unstructured");
    }
    return "";
}

}  // namespace

SparseExecutor::SparseExecutor(ModelPtr model, ExecutionMode mode, int threads,
                               const CpuSparseOptions& options)
    : m_model(std::move(model)), m_mode(mode), m_threads(std::max(1, threads)), m_options(options) {
    if (options.isa.empty()) {
        m_kernels = &sparseKernels();
    } else {
        m_kernels = sparseKernels(options.isa);
        if (!m_kernels)
            throw Error("cpu-sparse: instruction set '" + options.isa +
                        "' is unknown or not supported by this CPU");
    }
    const Model& m = *m_model;
    m_outShapes = m.layerOutputShapes();
    m_inShapes.reserve(m.layers.size());
    for (size_t i = 0; i < m.layers.size(); ++i)
        m_inShapes.push_back(i == 0 ? m.inputShape : m_outShapes[i - 1]);
    m_conv.resize(m.layers.size());
    m_linear.resize(m.layers.size());
    for (size_t i = 0; i < m.layers.size(); ++i) {
        const Layer& l = m.layers[i];
        if (l.is<Conv2dParams>())
            m_conv[i] = packConv(l.as<Conv2dParams>(), m_inShapes[i], options.layout,
                                 options.autoBlockFill);
        else if (l.is<LinearParams>())
            m_linear[i] = packLinear(l.as<LinearParams>(), options.layout, options.autoBlockFill);
    }
    m_fast = compile(options.fuse, false);
}

SparseExecutor::~SparseExecutor() = default;

std::unique_ptr<SparseExecutor::Program> SparseExecutor::compile(bool fuse, bool allDense) const {
    auto prog = std::make_unique<Program>();
    const auto& layers = m_model->layers;
    const int count = static_cast<int>(layers.size());
    bool sparseIn = false;  // an active list is available at this point
    for (int i = 0; i < count; ++i) {
        const Layer& l = layers[size_t(i)];
        Step s;
        s.first = s.last = i;
        switch (l.kind()) {
            case LayerKind::Conv2d:
            case LayerKind::Linear:
                s.kind = l.is<Conv2dParams>() ? Step::Kind::Conv : Step::Kind::Linear;
                s.mode = effectiveMode(m_mode, sparseIn);
                if (s.kind == Step::Kind::Conv && fuse && s.mode != ExecutionMode::Dense &&
                    i + 1 < count && isPool2x2(layers[size_t(i) + 1]))
                    s.pool2 = true, s.last = ++i;
                sparseIn = false;
                break;
            case LayerKind::KWinners: {
                s.kind = Step::Kind::KWinners;
                int next = i + 1;
                while (next < count && layers[size_t(next)].is<FlattenParams>()) ++next;
                const bool consumerSparse = next < count &&
                                            (layers[size_t(next)].is<Conv2dParams>() ||
                                             layers[size_t(next)].is<LinearParams>()) &&
                                            usesActiveList(effectiveMode(m_mode, true));
                s.denseOut = allDense || !consumerSparse;
                sparseIn = true;
                break;
            }
            case LayerKind::MaxPool2d:
                s.kind = Step::Kind::MaxPool;
                s.poolDerive = sparseIn && isPool2x2(l);
                sparseIn = s.poolDerive;
                break;
            case LayerKind::Flatten:
                s.kind = Step::Kind::Flatten;
                break;
            default:
                s.kind = Step::Kind::Generic;
                sparseIn = false;
                break;
        }
        s.outSize = numel(m_outShapes[size_t(s.last)]);
        prog->steps.push_back(s);
    }
    return prog;
}

std::unique_ptr<SparseExecutor::Workspace> SparseExecutor::makeWorkspace(
    const Program& program) const {
    auto ws = std::make_unique<Workspace>();
    int64_t maxSize = numel(m_model->inputShape), maxAcc = 0;
    const size_t count = m_model->layers.size();
    ws->pin.resize(count);
    ws->selectors.resize(count);
    ws->tin.resize(count);
    for (size_t i = 0; i < count; ++i) {
        maxSize = std::max(maxSize, numel(m_outShapes[i]));
        const Layer& l = m_model->layers[i];
        if (l.is<Conv2dParams>()) {
            const ConvPlan& c = m_conv[i];
            maxSize = std::max<int64_t>(maxSize, int64_t(c.cout) * c.ho * c.wo);
            maxAcc = std::max<int64_t>(maxAcc, int64_t(c.ho) * c.wo * c.coutPad);
            ws->pin[i].assign(size_t(c.pinFloats), 0.0f);
        } else if (l.is<LinearParams>()) {
            maxAcc = std::max<int64_t>(maxAcc, m_linear[i].outPad);
        } else if (l.is<KWinnersParams>()) {
            ws->selectors[i] = std::make_unique<KWinnersSelector>(l.as<KWinnersParams>(),
                                                                  m_inShapes[i], m_kernels);
        } else if (l.is<MaxPool2dParams>()) {
            ws->mark.resize(std::max<size_t>(ws->mark.size(), size_t(numel(m_outShapes[i]))), 0);
        }
    }
    (void)program;
    for (auto& b : ws->buf) b.assign(size_t(maxSize) + 16, 0.0f);
    ws->acc.assign(size_t(maxAcc) + kScatterScratchFloats, 0.0f);
    return ws;
}

namespace {

/// Asks the cache for the `n` floats at p (a sample's input is read from memory the first
/// time: in a batch, the next sample's input is fetched while this one runs).
void prefetchFloats(const float* p, int64_t n) {
    constexpr int64_t kLine = 64 / sizeof(float);
    for (int64_t i = 0; i < n; i += kLine) __builtin_prefetch(p + i, 0, 3);
}

}  // namespace

void SparseExecutor::runSample(const Program& program, Workspace& ws, const float* input,
                               float* output, std::vector<Tensor>* record, int64_t sample,
                               int64_t batch) const {
    const SparseKernelTable& k = *m_kernels;
    int cur = 0;
    // The first step reads the caller's input in place (a leading flatten needs it in buf[0]).
    const bool copyInput = program.steps.front().kind == Step::Kind::Flatten;
    if (copyInput)
        std::memcpy(ws.buf[0].data(), input, sizeof(float) * size_t(numel(m_model->inputShape)));
    ws.act[0].clear();
    auto runGeneric = [&](const Layer& layer, const Shape& in, const float* src, float* dst) {
        Tensor& tin = ws.tin[&layer - m_model->layers.data()];
        if (tin.empty()) {  // first use: shape it once
            Shape s{1};
            s.insert(s.end(), in.begin(), in.end());
            tin.resize(std::move(s));
        }
        std::memcpy(tin.data(), src, sizeof(float) * size_t(tin.size()));
        dense::runLayer(layer, tin, ws.tout);
        std::memcpy(dst, ws.tout.data(), sizeof(float) * size_t(ws.tout.size()));
    };
    for (const Step& s : program.steps) {
        const Layer& layer = m_model->layers[size_t(s.first)];
        const float* src = &s == &program.steps.front() && !copyInput ? input : ws.buf[cur].data();
        float* dst = ws.buf[1 - cur].data();
        const ActiveList& in = ws.act[cur];
        ActiveList& outAct = ws.act[1 - cur];
        bool swap = true;
        switch (s.kind) {
            case Step::Kind::Conv: {
                const ConvPlan& plan = m_conv[size_t(s.first)];
                outAct.clear();
                if (s.mode == ExecutionMode::Dense) {
                    runGeneric(layer, m_inShapes[size_t(s.first)], src, dst);
                } else if (s.mode == ExecutionMode::SparseWeights) {
                    k.convDenseInput(plan, src, ws.pin[size_t(s.first)].data(), dst, s.pool2);
                } else {
                    const ScatterWeights w = s.mode == ExecutionMode::SparseActivations
                                                 ? ScatterWeights::Dense
                                             : plan.blocked ? ScatterWeights::Blocked
                                                            : ScatterWeights::Unstructured;
                    k.convScatter(plan, w, in.index.data(), in.value.data(), in.size(),
                                  ws.acc.data());
                    k.convFinish(plan, ws.acc.data(), dst, s.pool2);
                }
                break;
            }
            case Step::Kind::Linear: {
                const LinearPlan& plan = m_linear[size_t(s.first)];
                outAct.clear();
                if (s.mode == ExecutionMode::Dense) {
                    runGeneric(layer, m_inShapes[size_t(s.first)], src, dst);
                    break;
                }
                const ScatterWeights w = s.mode == ExecutionMode::SparseActivations
                                             ? ScatterWeights::Dense
                                         : plan.blocked ? ScatterWeights::Blocked
                                                        : ScatterWeights::Unstructured;
                // dst has room for outPad values (buffers have 16 floats of slack).
                if (s.mode == ExecutionMode::SparseWeights)
                    k.linearScatter(plan, w, nullptr, src, plan.in, dst);
                else
                    k.linearScatter(plan, w, in.index.data(), in.value.data(), in.size(), dst);
                break;
            }
            case Step::Kind::KWinners:
                ws.selectors[size_t(s.first)]->select(src, outAct, s.denseOut ? dst : nullptr);
                break;
            case Step::Kind::MaxPool: {
                const auto& p = layer.as<MaxPool2dParams>();
                const Shape& inShape = m_inShapes[size_t(s.first)];
                const Shape& outShape = m_outShapes[size_t(s.first)];
                maxPoolSample(p, inShape, outShape, src, dst);
                outAct.clear();
                if (s.poolDerive) {
                    // Each input position lies in at most one 2x2 window: the pooled non-zeros
                    // are the windows of the active inputs.
                    const int64_t h = inShape[1], w = inShape[2], ho = outShape[1],
                                  wo = outShape[2];
                    if (++ws.generation == 0) {
                        std::fill(ws.mark.begin(), ws.mark.end(), 0u);
                        ws.generation = 1;
                    }
                    for (int32_t idx : in.index) {
                        const int64_t c = idx / (h * w), r = idx % (h * w);
                        const int64_t y = r / w / 2, x = r % w / 2;
                        if (y >= ho || x >= wo) continue;
                        const auto o = static_cast<int32_t>((c * ho + y) * wo + x);
                        if (ws.mark[size_t(o)] == ws.generation) continue;
                        ws.mark[size_t(o)] = ws.generation;
                        if (dst[o] != 0.0f) {
                            outAct.index.push_back(o);
                            outAct.value.push_back(dst[o]);
                        }
                    }
                }
                break;
            }
            case Step::Kind::Flatten:
                swap = false;
                break;
            case Step::Kind::Generic:
                outAct.clear();
                runGeneric(layer, m_inShapes[size_t(s.first)], src, dst);
                break;
        }
        if (swap) cur = 1 - cur;
        if (record) {
            Tensor& r = (*record)[size_t(s.last)];
            std::memcpy(r.data() + sample * s.outSize, ws.buf[cur].data(),
                        sizeof(float) * size_t(s.outSize));
        }
    }
    (void)batch;
    std::memcpy(output, ws.buf[cur].data(), sizeof(float) * size_t(program.steps.back().outSize));
}

Tensor SparseExecutor::run(const Tensor& input, const ActivationTap& tap) {
    // One sample (the model's input shape) or a batch of them; anything else throws, naming both.
    const Shape& want = m_model->inputShape;
    const Shape& got = input.shape();
    int64_t n = 1;
    if (got != want) {
        if (got.size() != want.size() + 1 || !std::equal(want.begin(), want.end(), got.begin() + 1))
            (void)asBatch(*m_model, input);
        n = got[0];
        if (n < 1) (void)asBatch(*m_model, input);
    }
    const Shape& outSample = m_outShapes.empty() ? want : m_outShapes.back();
    Shape outShape{n};
    outShape.insert(outShape.end(), outSample.begin(), outSample.end());
    Tensor out(outShape);
    const int64_t inSize = numel(want), outSize = numel(outSample);
    if (m_model->layers.empty()) {
        std::memcpy(out.data(), input.data(), sizeof(float) * size_t(n * inSize));
        return out;
    }

    if (tap) {
        if (!m_tapped) m_tapped = compile(false, true);
        if (!m_tapWorkspace) m_tapWorkspace = makeWorkspace(*m_tapped);
        std::vector<Tensor> records;
        for (const Shape& s : m_outShapes) {
            Shape r{n};
            r.insert(r.end(), s.begin(), s.end());
            records.emplace_back(r);
        }
        for (int64_t b = 0; b < n; ++b)
            runSample(*m_tapped, *m_tapWorkspace, input.data() + b * inSize,
                      out.data() + b * outSize, &records, b, n);
        for (size_t i = 0; i < records.size(); ++i)
            tap(LayerOutput{static_cast<int>(i), &m_model->layers[i], &records[i]});
        return out;
    }

    const int workers = static_cast<int>(std::min<int64_t>(m_threads, n));
    while (static_cast<int>(m_workspaces.size()) < workers)
        m_workspaces.push_back(makeWorkspace(*m_fast));
    if (workers <= 1) {
        for (int64_t b = 0; b < n; ++b) {
            if (b + 1 < n) prefetchFloats(input.data() + (b + 1) * inSize, inSize);
            runSample(*m_fast, *m_workspaces[0], input.data() + b * inSize,
                      out.data() + b * outSize, nullptr, b, n);
        }
        return out;
    }
    // Samples are handed out one at a time, so a worker that the OS preempts holds up little.
    // Each worker claims its next sample before running the current one and prefetches that
    // sample's input meanwhile.
    if (!m_pool) m_pool = std::make_unique<WorkerPool>(m_threads);
    std::atomic<int64_t> next{0};
    m_pool->run(workers, [&](int w) {
        Workspace& ws = *m_workspaces[size_t(w)];
        for (int64_t b = next.fetch_add(1, std::memory_order_relaxed); b < n;) {
            const int64_t following = next.fetch_add(1, std::memory_order_relaxed);
            if (following < n) prefetchFloats(input.data() + following * inSize, inSize);
            runSample(*m_fast, ws, input.data() + b * inSize, out.data() + b * outSize, nullptr, b,
                      n);
            b = following;
        }
    });
    return out;
}

std::vector<SparseStepInfo> SparseExecutor::describe() const {
    std::vector<SparseStepInfo> out;
    for (const Step& s : m_fast->steps) {
        SparseStepInfo info{s.first, s.last, {}};
        switch (s.kind) {
            case Step::Kind::Conv:
                info.kernel = "conv2d " + modeKernel(s.mode, m_conv[size_t(s.first)].blocked) +
                              (s.pool2 ? " + maxpool" : "");
                break;
            case Step::Kind::Linear:
                info.kernel = "linear " + modeKernel(s.mode, m_linear[size_t(s.first)].blocked);
                break;
            case Step::Kind::KWinners:
                info.kernel = std::string("kwinners band select -> index list") +
                              (s.denseOut ? " + dense" : "");
                break;
            case Step::Kind::MaxPool:
                info.kernel = s.poolDerive ? "maxpool, index list kept" : "maxpool";
                break;
            case Step::Kind::Flatten:
                info.kernel = "flatten (no copy)";
                break;
            case Step::Kind::Generic:
                info.kernel = std::string(toString(m_model->layers[size_t(s.first)].kind())) +
                              " (dense reference)";
                break;
        }
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace sparselab

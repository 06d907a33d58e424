#include "cpu_sparse_backend.h"

#include "core/error.h"
#include "sparse_executor.h"
#include "sparse_kernels.h"

namespace sparselab {

CpuSparseBackend::CpuSparseBackend(CpuSparseOptions options) : m_options(std::move(options)) {}

std::string CpuSparseBackend::description() const {
    const std::string isa = m_options.isa.empty() ? sparseKernels().isa : m_options.isa;
    return "CPU, sparse kernels (" + isa + ", " + toString(m_options.layout) +
           " layout): sparse weights, k-winners index lists, sparse x sparse";
}

bool CpuSparseBackend::supports(const Layer& layer) const {
    switch (layer.kind()) {
        case LayerKind::Conv2d:
        case LayerKind::Linear:
        case LayerKind::KWinners:
        case LayerKind::MaxPool2d:
        case LayerKind::Flatten:
            return true;
        default:
            return false;
    }
}

ExecutionMode CpuSparseBackend::fastestMode(const Model& model) {
    bool kwinners = false, sparseWeights = false;
    for (const Layer& l : model.layers) {
        if (l.is<KWinnersParams>()) kwinners = true;
        if (const Tensor* w = l.weight())
            if (w->size() > 0 && 2 * w->countZeros() >= w->size()) sparseWeights = true;
    }
    if (kwinners && sparseWeights) return ExecutionMode::SparseSparse;
    if (kwinners) return ExecutionMode::SparseActivations;
    if (sparseWeights) return ExecutionMode::SparseWeights;
    return ExecutionMode::Dense;
}

std::unique_ptr<Executor> CpuSparseBackend::prepare(ModelPtr model,
                                                    const PrepareOptions& options) const {
    if (!model) throw Error("cpu-sparse: no model to prepare");
    model->validate();
    const ExecutionMode mode = options.mode ? *options.mode : fastestMode(*model);
    return std::make_unique<SparseExecutor>(std::move(model), mode, options.threads, m_options);
}

}  // namespace sparselab

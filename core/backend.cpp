#include "backend.h"

#include "cpu_dense_backend.h"
#include "error.h"
#include "sparse/cpu_sparse_backend.h"

namespace sparselab {

std::string_view toString(ExecutionMode mode) {
    switch (mode) {
        case ExecutionMode::Dense:
            return "dense";
        case ExecutionMode::SparseWeights:
            return "sparse-weights";
        case ExecutionMode::SparseActivations:
            return "sparse-activations";
        case ExecutionMode::SparseSparse:
            return "sparse-sparse";
    }
    return "unknown";
}

std::vector<ExecutionMode> allExecutionModes() {
    return {ExecutionMode::Dense, ExecutionMode::SparseWeights, ExecutionMode::SparseActivations,
            ExecutionMode::SparseSparse};
}

std::optional<ExecutionMode> parseExecutionMode(std::string_view text) {
    for (ExecutionMode m : allExecutionModes())
        if (toString(m) == text) return m;
    return std::nullopt;
}

void BackendRegistry::add(std::unique_ptr<Backend> backend) {
    m_backends.push_back(std::move(backend));
}

const Backend* BackendRegistry::find(std::string_view name) const {
    for (const auto& b : m_backends)
        if (b->name() == name) return b.get();
    return nullptr;
}

std::vector<const Backend*> BackendRegistry::all() const {
    std::vector<const Backend*> out;
    for (const auto& b : m_backends) out.push_back(b.get());
    return out;
}

const Backend& BackendRegistry::require(std::string_view name) const {
    const Backend* b = find(name);
    if (!b) {
        std::string known;
        for (const auto& x : m_backends) known += (known.empty() ? "" : ", ") + x->name();
        throw Error("unknown backend '" + std::string(name) + "' (known: " + known + ")");
    }
    const BackendStatus s = b->status();
    if (!s.available)
        throw Error("backend '" + std::string(name) + "' is unavailable: " + s.reason);
    return *b;
}

BackendRegistry BackendRegistry::withCpuBackends() {
    BackendRegistry r;
    r.add(std::make_unique<CpuDenseBackend>());
    r.add(std::make_unique<CpuSparseBackend>());
    return r;
}

}  // namespace sparselab

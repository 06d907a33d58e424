#pragma once

#include "backend.h"

namespace sparselab {

/// "cpu-dense": the Eigen reference. Every layer, dense mode only, always available.
class CpuDenseBackend : public Backend {
  public:
    std::string name() const override { return "cpu-dense"; }
    std::string description() const override {
        return "CPU, dense reference kernels (Eigen im2col + GEMM)";
    }
    BackendStatus status() const override { return {true, {}}; }
    std::vector<ExecutionMode> modes() const override { return {ExecutionMode::Dense}; }
    bool supports(const Layer&) const override { return true; }
    std::unique_ptr<Executor> prepare(ModelPtr model, const PrepareOptions& options) const override;
};

}  // namespace sparselab

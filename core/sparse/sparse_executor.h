#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/worker_pool.h"
#include "cpu_sparse_backend.h"
#include "kwinners_select.h"
#include "sparse_formats.h"
#include "sparse_kernels.h"

namespace sparselab {

/// How one step of a prepared model is computed (for reports and benchmarks).
struct SparseStepInfo {
    int firstLayer = 0, lastLayer = 0;  ///< model layers covered (a fused step covers two)
    std::string kernel;                 ///< e.g. "conv sparse-weights x dense input + maxpool"
};

/// The cpu-sparse Executor. Samples run one at a time through a compiled list of steps with
/// per-worker scratch; k-winners hand index lists to the next Conv2d/Linear. Batches are shared
/// by `threads` workers of a pool that lives as long as the executor (no thread is started per
/// run). Not thread-safe (one Executor per thread); distinct executors run concurrently.
class SparseExecutor : public Executor {
  public:
    SparseExecutor(ModelPtr model, ExecutionMode mode, int threads,
                   const CpuSparseOptions& options);
    ~SparseExecutor() override;

    Tensor run(const Tensor& input, const ActivationTap& tap = {}) override;
    ExecutionMode mode() const override { return m_mode; }
    const Model& model() const override { return *m_model; }

    /// The steps of the (fused) program, in order.
    std::vector<SparseStepInfo> describe() const;
    /// The kernel ISA in use ("avx512", "avx2", "generic").
    std::string isa() const { return m_kernels->isa; }

    struct Step;
    struct Program;
    struct Workspace;

  private:
    void runSample(const Program& program, Workspace& ws, const float* input, float* output,
                   std::vector<Tensor>* record, int64_t sample, int64_t batch) const;
    std::unique_ptr<Program> compile(bool fuse, bool allDense) const;
    std::unique_ptr<Workspace> makeWorkspace(const Program& program) const;

    ModelPtr m_model;
    ExecutionMode m_mode;
    int m_threads;
    CpuSparseOptions m_options;
    const SparseKernelTable* m_kernels;
    std::vector<Shape> m_inShapes, m_outShapes;  ///< per layer, per sample
    std::vector<ConvPlan> m_conv;                ///< per layer (empty unless Conv2d)
    std::vector<LinearPlan> m_linear;            ///< per layer (empty unless Linear)
    std::unique_ptr<Program> m_fast, m_tapped;
    std::vector<std::unique_ptr<Workspace>> m_workspaces;  ///< one per worker, fast program
    std::unique_ptr<Workspace> m_tapWorkspace;
    std::unique_ptr<WorkerPool> m_pool;  ///< created on the first batch run with threads > 1
};

}  // namespace sparselab

#pragma once

#include <string>

#include "core/backend.h"
#include "sparse_formats.h"

namespace sparselab {

/// Tuning knobs of the cpu-sparse backend (the registry's instance uses the defaults).
struct CpuSparseOptions {
    SparseLayout layout = SparseLayout::Auto;  ///< weight layout of the scatter kernels
    double autoBlockFill = 2.0;  ///< Auto: blocked when stored blocks hold >= this many non-zeros
    std::string isa;             ///< "generic", "avx2", "avx512"; empty = best this CPU runs
    bool fuse = true;            ///< compute Conv2d + a following 2x2 max-pool in one pass
};

/// "cpu-sparse": Conv2d and Linear in the four execution modes (dense, sparse weights x dense
/// input, dense weights x the k winners, sparse x sparse), k-winners that hand index lists to
/// the next layer, other layers on the dense reference kernels. Always available.
class CpuSparseBackend : public Backend {
  public:
    explicit CpuSparseBackend(CpuSparseOptions options = {});

    std::string name() const override { return "cpu-sparse"; }
    std::string description() const override;
    BackendStatus status() const override { return {true, {}}; }
    std::vector<ExecutionMode> modes() const override { return allExecutionModes(); }
    bool supports(const Layer& layer) const override;
    /// Packs the weights for every mode's kernels; throws Error for a bad ISA name.
    std::unique_ptr<Executor> prepare(ModelPtr model, const PrepareOptions& options) const override;

    /// The mode `prepare` picks when none is asked for: sparse-sparse when the model has
    /// k-winners and sparse weights (>= 50 % zeros in some Conv2d/Linear), sparse-activations
    /// with k-winners only, sparse-weights with sparse weights only, else dense.
    static ExecutionMode fastestMode(const Model& model);

  private:
    CpuSparseOptions m_options;
};

}  // namespace sparselab

#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace sparselab {

/// How Conv2d and Linear layers are computed. Identifiers (toString) are used in the CLI and JSON.
enum class ExecutionMode {
    Dense,              ///< "dense": every weight times every input (the reference)
    SparseWeights,      ///< "sparse-weights": only non-zero weights, dense input
    SparseActivations,  ///< "sparse-activations": dense weights, only the k-winners' inputs
    SparseSparse,       ///< "sparse-sparse": non-zero weights times winning inputs
};

std::string_view toString(ExecutionMode mode);
/// Parses "dense", "sparse-weights", "sparse-activations" or "sparse-sparse".
std::optional<ExecutionMode> parseExecutionMode(std::string_view text);
/// All modes, in the order above.
std::vector<ExecutionMode> allExecutionModes();

/// What an activation tap sees: one layer's output for the whole batch ([N, ...]).
/// The reference is valid only during the callback; copy what you keep.
struct LayerOutput {
    int index = 0;
    const Layer* layer = nullptr;
    const Tensor* output = nullptr;
};

/// Called after each layer when set. Kernels never know who listens (heatmaps, tests, debugging).
using ActivationTap = std::function<void(const LayerOutput&)>;

/// Options for preparing a model on a backend.
struct PrepareOptions {
    /// Requested mode; std::nullopt = the fastest mode the backend supports for this model.
    std::optional<ExecutionMode> mode;
    int threads = 1;  ///< worker threads used for batches > 1
};

/// A model prepared for one backend (weights packed, scratch allocated). Not thread-safe:
/// use one Executor per thread. It keeps the model alive.
class Executor {
  public:
    virtual ~Executor() = default;
    /// Runs a batch [N, C, H, W] (or a single sample without N) and returns [N, classes].
    virtual Tensor run(const Tensor& input, const ActivationTap& tap = {}) = 0;
    virtual ExecutionMode mode() const = 0;
    virtual const Model& model() const = 0;
};

/// Whether a backend can be used now, and if not, why (shown to users as is).
struct BackendStatus {
    bool available = false;
    std::string reason;  ///< e.g. "XRT found no device"; empty when available
};

/// A compute backend (cpu-dense, cpu-sparse, fpga). Layers a backend does not support run on
/// the CPU dense path inside its Executor.
class Backend {
  public:
    virtual ~Backend() = default;
    /// Stable identifier used by --backend ("cpu-dense", "cpu-sparse", "fpga").
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    virtual BackendStatus status() const = 0;
    /// Modes this backend implements.
    virtual std::vector<ExecutionMode> modes() const = 0;
    /// Whether the backend computes this layer itself (others fall back to the CPU).
    virtual bool supports(const Layer& layer) const = 0;
    /// Prepares a model; throws Error when the backend is unavailable or the mode is not offered.
    virtual std::unique_ptr<Executor> prepare(ModelPtr model,
                                              const PrepareOptions& options) const = 0;
};

/// The backends known to this build, in preference order. CPU backends are always present.
class BackendRegistry {
  public:
    void add(std::unique_ptr<Backend> backend);
    /// The backend with that name, or nullptr.
    const Backend* find(std::string_view name) const;
    std::vector<const Backend*> all() const;
    /// The named backend; throws Error listing the known names when absent, or its reason when
    /// it is unavailable.
    const Backend& require(std::string_view name) const;

    /// A registry holding the CPU backends of sparselab::core.
    static BackendRegistry withCpuBackends();

  private:
    std::vector<std::unique_ptr<Backend>> m_backends;
};

}  // namespace sparselab

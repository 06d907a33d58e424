#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/layer.h"
#include "core/tensor.h"

namespace sparselab::train {

/// A learnable tensor: values, the gradient of the current batch, and an optional fixed mask of
/// the positions allowed to be non-zero (nupic.torch SparseWeights: chosen at init, re-applied
/// after every optimiser step). An empty mask means dense.
struct Parameter {
    std::string name;
    std::vector<float> value, grad;
    std::vector<uint8_t> mask;
    Shape shape;  ///< dimensions of value for weights ([out, in, ...]); empty for 1-D parameters

    int64_t size() const { return static_cast<int64_t>(value.size()); }
    /// Zeroes the values (and gradients) outside the mask; no-op when dense.
    void applyMask();
    /// Non-zeros allowed by the mask (size() when dense).
    int64_t allowed() const;
};

/// Named float buffers that are state but not learnable (running statistics, duty cycles,
/// counters); checkpoints save and restore them by name.
using StateMap = std::map<std::string, std::vector<float>>;

/// Execution settings shared by all layers of a network during one pass.
struct PassContext {
    bool training = false;
    int threads = 1;
};

/// One layer of a trainable network. forward() keeps what backward() needs (inputs, masks,
/// argmaxes), so a backward call must follow the forward call of the same batch. Batches are
/// [N, ...] tensors. Not thread-safe (it parallelises internally).
class TrainLayer {
  public:
    explicit TrainLayer(std::string name) : m_name(std::move(name)) {}
    virtual ~TrainLayer() = default;
    const std::string& name() const { return m_name; }

    /// Output shape (batch excluded) for an input shape (batch excluded).
    virtual Shape outputShape(const Shape& in) const = 0;
    virtual void forward(const Tensor& in, Tensor& out, const PassContext& ctx) = 0;
    /// Accumulates parameter gradients (added to Parameter::grad) and, when gradIn is not null,
    /// writes dLoss/dInput.
    virtual void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext& ctx) = 0;
    /// Learnable parameters (owned by the layer).
    virtual std::vector<Parameter*> parameters() { return {}; }
    /// Non-learnable state, saved in checkpoints; keys are prefixed with the layer name.
    virtual void saveState(StateMap&) const {}
    virtual void loadState(const StateMap&) {}
    /// Per-channel factors this layer multiplies its input by at inference (BatchNorm without
    /// affine parameters: 1 / sqrt(running_var + epsilon)); empty when it has none.
    virtual std::vector<float> inferenceScale() const { return {}; }
    /// Called once at the end of every training epoch (k-winners decays its boost strength).
    virtual void endEpoch() {}
    /// Appends the inference form of this layer to `out` (BatchNorm as BatchNormParams, folded
    /// later by foldBatchNorms).
    virtual void exportTo(std::vector<Layer>& out) const = 0;

  protected:
    /// Prefix for state keys: "<layer name>.".
    std::string key(const char* what) const { return m_name + "." + what; }

  private:
    std::string m_name;
};

using TrainLayerPtr = std::unique_ptr<TrainLayer>;

/// Convolution (groups 1, no dilation) as im2col + Eigen GEMM, parallel over the batch.
TrainLayerPtr makeConv2d(const std::string& name, const Conv2dParams& init, bool sparseMask);
/// Fully connected layer [N, in] -> [N, out] (weight [out, in]).
TrainLayerPtr makeLinear(const std::string& name, const LinearParams& init, bool sparseMask);
/// BatchNorm without affine parameters (Numenta's affine=False) over dimension 1 of [N, C, ...]:
/// batch statistics while training (running mean/var updated with `momentum`, unbiased variance
/// as PyTorch), running statistics at evaluation.
TrainLayerPtr makeBatchNorm(const std::string& name, int channels, float momentum = 0.1f,
                            float epsilon = 1e-5f);
TrainLayerPtr makeMaxPool2d(const std::string& name, const MaxPool2dParams& p);
TrainLayerPtr makeReLU(const std::string& name);
TrainLayerPtr makeFlatten(const std::string& name);
/// k-winners with boosting, nupic.torch semantics (see NUMENTA_GSC.md): during training the
/// k largest boosted values win, gradients flow through winners only, duty cycles are updated
/// after each batch and boost strength decays by boostStrengthFactor in endEpoch(). At
/// evaluation k is p.inferenceK(). Duty cycles start at zero.
TrainLayerPtr makeKWinners(const std::string& name, const KWinnersParams& p);

}  // namespace sparselab::train

#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tensor.h"

namespace sparselab {

/// 2-D convolution, groups = 1, dilation = 1. Weight is [out, in, kh, kw]; bias has `out` values.
struct Conv2dParams {
    Tensor weight;
    std::vector<float> bias;
    int strideH = 1, strideW = 1;
    int padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;

    int outChannels() const { return static_cast<int>(weight.dim(0)); }
    int inChannels() const { return static_cast<int>(weight.dim(1)); }
    int kernelH() const { return static_cast<int>(weight.dim(2)); }
    int kernelW() const { return static_cast<int>(weight.dim(3)); }
};

/// Fully connected layer y = W x + b. Weight is [out, in] (PyTorch's layout).
struct LinearParams {
    Tensor weight;
    std::vector<float> bias;

    int outFeatures() const { return static_cast<int>(weight.dim(0)); }
    int inFeatures() const { return static_cast<int>(weight.dim(1)); }
};

/// Batch normalisation at inference: y = (x - mean) / sqrt(var + eps) * scale + bias, per channel
/// (dimension 1). Kept only where it cannot be folded into a preceding Conv2d or Linear.
struct BatchNormParams {
    std::vector<float> scale, bias, mean, var;
    float epsilon = 1e-5f;
};

/// Max pooling over H and W; padded positions never win.
struct MaxPool2dParams {
    int kernelH = 2, kernelW = 2;
    int strideH = 2, strideW = 2;
    int padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
};

/// k-winners-take-all with boosting, as nupic.torch's KWinners / KWinners2d.
/// Winners are the k largest boosted values x * exp(boostStrength * (k/n - dutyCycle)); the
/// unboosted x is passed on, everything else becomes 0. Global selection runs over all n
/// units of a sample (C*H*W for images); local selection runs over the channels at each (h, w).
/// Duty cycles are per channel for images, per unit for vectors (empty = all zero).
struct KWinnersParams {
    int k = 0;  ///< winners at training time (per sample, or per position if local)
    float kInferenceFactor = 1.0f;  ///< inference k = int(k * factor), clamped to [1, n]
    bool local = false;             ///< images only: select among channels at each position
    float boostStrength = 0.0f;
    float boostStrengthFactor = 1.0f;  ///< per-epoch decay of boostStrength (training only)
    int dutyCyclePeriod = 1000;        ///< duty-cycle averaging period (training only)
    std::vector<float> dutyCycles;
    bool relu = false;  ///< also zero negative winners

    /// Units one selection runs over, for an input of shape `in` (batch excluded).
    static int64_t selectionSize(const Shape& in, bool local);
    /// Winners per selection at inference for that input shape.
    int inferenceK(const Shape& in) const;
};

struct ReLUParams {};
/// Flattens every dimension from `axis` on (axis counts the batch dimension, as in ONNX).
struct FlattenParams {
    int axis = 1;
};
struct SoftmaxParams {};
struct LogSoftmaxParams {};

/// The kinds of layer the engine runs, in the order of Layer::Params' alternatives.
enum class LayerKind {
    Conv2d,
    Linear,
    BatchNorm,
    MaxPool2d,
    KWinners,
    ReLU,
    Flatten,
    Softmax,
    LogSoftmax
};

/// Lower-case stable name of a layer kind ("conv2d", "kwinners", ...), used in CLI and JSON.
std::string_view toString(LayerKind kind);

/// One step of a sequential network: a name (from the ONNX node) and its parameters.
struct Layer {
    using Params =
        std::variant<Conv2dParams, LinearParams, BatchNormParams, MaxPool2dParams, KWinnersParams,
                     ReLUParams, FlattenParams, SoftmaxParams, LogSoftmaxParams>;
    std::string name;
    Params params;

    LayerKind kind() const { return static_cast<LayerKind>(params.index()); }
    template <typename T>
    const T& as() const {
        return std::get<T>(params);
    }
    template <typename T>
    T& as() {
        return std::get<T>(params);
    }
    template <typename T>
    bool is() const {
        return std::holds_alternative<T>(params);
    }

    /// The layer's weight tensor (Conv2d, Linear) or nullptr.
    const Tensor* weight() const;
    Tensor* weight();

    /// Output shape (batch excluded) for an input of shape `in`; throws Error when they do not fit.
    Shape outputShape(const Shape& in) const;
};

}  // namespace sparselab

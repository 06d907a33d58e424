#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/model.h"
#include "fixed_point.h"

namespace sparselab::quant {

/// One layer of an int8 model. Conv2d/Linear carry symmetric int8 weights (per-layer scale) and
/// int32 biases in accumulator units; every activation between layers is int8 at a per-layer
/// scale (real value = q * scale).
struct QuantLayer {
    Layer layer;  ///< the float layer (geometry, kind); its float weights are not used in int8

    // Conv2d / Linear
    std::vector<int8_t> weight;  ///< same layout as the float weight
    std::vector<int32_t> bias;   ///< round(b / (inputScale * weightScale))
    float weightScale = 0.0f;
    Requant requant;  ///< accumulator -> int8 at outputScale
    /// The network's last Conv2d/Linear: its int32 accumulators are the logits (not requantised);
    /// their real value is acc * inputScale * weightScale.
    bool producesLogits = false;

    // KWinners
    int k = 0;                    ///< inference k per selection
    std::vector<int32_t> boostQ;  ///< per channel (images) or unit (vectors), Q8; empty = 256

    float inputScale = 0.0f;   ///< scale of this layer's int8 input
    float outputScale = 0.0f;  ///< scale of its int8 output (accumulator scale if producesLogits)
    Shape inputShape, outputShape;  ///< per sample
};

/// A model quantised to int8 (see docs/FPGA.md "Quantisation"). Layers up to and including the
/// logits layer run in int8; the ones after it (Softmax, LogSoftmax, ...) run in float on the
/// dequantised logits. Immutable once built; share as std::shared_ptr<const QuantizedModel>.
struct QuantizedModel {
    ModelPtr source;  ///< the float model after BatchNorm folding
    float inputScale = 0.0f;
    std::vector<QuantLayer> layers;  ///< layers[0 .. logitsLayer]
    int logitsLayer = -1;            ///< index (in source->layers) of the last Conv2d/Linear

    /// Number of int32 logits per sample.
    int64_t logitCount() const;
    /// Scale that turns int32 logits into real values.
    float logitScale() const;
};

using QuantizedModelPtr = std::shared_ptr<const QuantizedModel>;

/// Whether the int8 path runs this layer kind before the logits (Conv2d, Linear, MaxPool2d,
/// KWinners, ReLU, Flatten).
bool isInt8Layer(const Layer& layer);

/// Quantises `model` with scales calibrated on `calibration` ([N, ...] inputs, a few clips): the
/// input scale and each Conv2d/Linear output scale are max|x| / 127 over those inputs' float
/// activations. BatchNorms are folded first; throws Error naming the layer when a layer before
/// the logits cannot run in int8, or when the model has no Conv2d/Linear.
QuantizedModel quantizeModel(const Model& model, const Tensor& calibration);

/// `count` deterministic synthetic calibration inputs shaped like log-mel images (dB values in
/// [-80, 0] with smooth time/frequency structure), for when no clips are at hand.
Tensor syntheticCalibrationInputs(const Model& model, int count, uint32_t seed = 7);

}  // namespace sparselab::quant

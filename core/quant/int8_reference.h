#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "quantized_model.h"

namespace sparselab::quant {

/// The CPU int8 reference: plain loops, one sample at a time, the ground truth the FPGA kernels
/// must match bit-exactly. Activations are int8 in CHW (or flat) order per sample.

/// Input float -> int8: saturate(round(x / inputScale)) (round half away from zero).
std::vector<int8_t> quantizeInput(const QuantizedModel& qm, std::span<const float> sample);

/// Called after each int8 layer (index into QuantizedModel::layers) with its int8 output; the
/// logits layer reports nothing here (its output is the int32 logits).
using Int8Tap = std::function<void(int index, std::span<const int8_t> output)>;

/// Runs layers 0..logitsLayer on one quantised sample and returns the int32 logits.
std::vector<int32_t> runInt8Logits(const QuantizedModel& qm, std::span<const int8_t> input,
                                   const Int8Tap& tap = {});

/// Dequantises a batch of int32 logits ([n * logitCount]) and runs the layers after the logits
/// layer in float (dense reference kernels): the network's output [n, classes].
Tensor finishInFloat(const QuantizedModel& qm, std::span<const int32_t> logits, int64_t n);

/// Whole int8 forward pass of a batch [N, ...] (or one sample): output [N, classes].
Tensor runInt8(const QuantizedModel& qm, const Tensor& input);

/// int8 layer kernels (single sample), exposed for per-layer tests.
namespace ops {
/// Returns int32 accumulators (bias included), [Cout, Ho, Wo].
std::vector<int32_t> conv2d(const QuantLayer& l, std::span<const int8_t> in);
/// Returns int32 accumulators (bias included), [out].
std::vector<int32_t> linear(const QuantLayer& l, std::span<const int8_t> in);
std::vector<int8_t> maxPool2d(const QuantLayer& l, std::span<const int8_t> in);
std::vector<int8_t> relu(std::span<const int8_t> in);
/// k-winners on int8 with boostedKey ranking; ties to the lower index (see fixed_point.h).
std::vector<int8_t> kWinners(const QuantLayer& l, std::span<const int8_t> in);
}  // namespace ops

/// How closely the int8 model follows the float one on some inputs.
struct Int8Agreement {
    int64_t samples = 0;
    int64_t sameLabel = 0;       ///< argmax of int8 output == argmax of float output
    double maxLogitError = 0.0;  ///< max |int8 - float| of the pre-softmax logits
    double logitRange = 0.0;     ///< max |float logit|, for scale
    std::vector<int64_t> floatLabels, int8Labels;  ///< argmax per input
};

/// Runs both models on `inputs` [N, ...] and compares.
Int8Agreement measureAgreement(const QuantizedModel& qm, const Tensor& inputs);

}  // namespace sparselab::quant

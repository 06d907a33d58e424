#pragma once

#include <cstdint>
#include <vector>

#include "layer.h"

namespace sparselab {

/// The dense reference kernels: straightforward, batch-aware (inputs are [N, ...]) and the
/// ground truth every other backend is compared with. Outputs are resized as needed.
namespace dense {

/// Runs any layer kind on a batch.
void runLayer(const Layer& layer, const Tensor& in, Tensor& out);

/// im2col + GEMM (Eigen). in [N, Cin, H, W] -> out [N, Cout, Ho, Wo].
void conv2d(const Conv2dParams& p, const Tensor& in, Tensor& out);
/// in [N, in] -> out [N, out].
void linear(const LinearParams& p, const Tensor& in, Tensor& out);
/// Per-channel (dimension 1) normalisation with running statistics.
void batchNorm(const BatchNormParams& p, const Tensor& in, Tensor& out);
void maxPool2d(const MaxPool2dParams& p, const Tensor& in, Tensor& out);
/// Max-pool of one sample: src [c][h][w] -> dst [c][ho][wo] (padded positions never win).
void maxPool2dSample(const MaxPool2dParams& p, int64_t c, int64_t h, int64_t w, int64_t ho,
                     int64_t wo, const float* src, float* dst);
void relu(const Tensor& in, Tensor& out);
/// k-winners at inference (see KWinnersParams). Ties are broken in favour of the lower index.
void kWinners(const KWinnersParams& p, const Tensor& in, Tensor& out);
/// Softmax or log-softmax over dimension 1 of [N, classes].
void softmax(const Tensor& in, Tensor& out, bool logarithm);

/// Boost factors exp(boostStrength * (targetDensity - dutyCycle)), one per duty-cycle entry
/// (empty when boostStrength is 0 or there are no duty cycles).
std::vector<float> boostFactors(const KWinnersParams& p, double targetDensity);

}  // namespace dense
}  // namespace sparselab

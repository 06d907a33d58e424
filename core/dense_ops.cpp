#include "dense_ops.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sparselab::dense {

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using RowMap = Eigen::Map<RowMatrix>;

Shape withBatch(int64_t n, const Shape& s) {
    Shape out{n};
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

Shape perSample(const Tensor& t) {
    return Shape(t.shape().begin() + 1, t.shape().end());
}

}  // namespace

void conv2d(const Conv2dParams& p, const Tensor& in, Tensor& out) {
    const int64_t n = in.dim(0), cin = in.dim(1), h = in.dim(2), w = in.dim(3);
    const int kh = p.kernelH(), kw = p.kernelW(), cout = p.outChannels();
    const int64_t ho = (h + p.padTop + p.padBottom - kh) / p.strideH + 1;
    const int64_t wo = (w + p.padLeft + p.padRight - kw) / p.strideW + 1;
    const int64_t positions = ho * wo, patch = cin * kh * kw;
    out.resize({n, cout, ho, wo});
    thread_local std::vector<float> cols;
    cols.resize(static_cast<size_t>(patch * positions));
    ConstRowMap weight(p.weight.data(), cout, patch);
    for (int64_t b = 0; b < n; ++b) {
        const float* src = in.data() + b * cin * h * w;
        // im2col: row (c, i, j) holds the input under kernel tap (i, j) of channel c for every
        // position.
        for (int64_t c = 0; c < cin; ++c)
            for (int i = 0; i < kh; ++i)
                for (int j = 0; j < kw; ++j) {
                    float* row = cols.data() + ((c * kh + i) * kw + j) * positions;
                    for (int64_t y = 0; y < ho; ++y) {
                        const int64_t sy = y * p.strideH + i - p.padTop;
                        for (int64_t x = 0; x < wo; ++x) {
                            const int64_t sx = x * p.strideW + j - p.padLeft;
                            const bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                            row[y * wo + x] = inside ? src[(c * h + sy) * w + sx] : 0.0f;
                        }
                    }
                }
        RowMap dst(out.data() + b * cout * positions, cout, positions);
        dst.noalias() = weight * ConstRowMap(cols.data(), patch, positions);
        for (int o = 0; o < cout; ++o) dst.row(o).array() += p.bias[static_cast<size_t>(o)];
    }
}

void linear(const LinearParams& p, const Tensor& in, Tensor& out) {
    const int64_t n = in.dim(0);
    const int64_t fin = p.inFeatures(), fout = p.outFeatures();
    out.resize({n, fout});
    ConstRowMap x(in.data(), n, fin);
    ConstRowMap weight(p.weight.data(), fout, fin);
    RowMap y(out.data(), n, fout);
    y.noalias() = x * weight.transpose();
    Eigen::Map<const Eigen::RowVectorXf> bias(p.bias.data(), fout);
    y.rowwise() += bias;
}

void batchNorm(const BatchNormParams& p, const Tensor& in, Tensor& out) {
    out.resize(in.shape());
    const int64_t n = in.dim(0), c = in.dim(1);
    const int64_t inner = c ? in.size() / (n * c) : 0;
    for (int64_t ch = 0; ch < c; ++ch) {
        const auto i = static_cast<size_t>(ch);
        const float a = p.scale[i] / std::sqrt(p.var[i] + p.epsilon);
        const float shift = p.bias[i] - p.mean[i] * a;
        for (int64_t b = 0; b < n; ++b) {
            const float* s = in.data() + (b * c + ch) * inner;
            float* d = out.data() + (b * c + ch) * inner;
            for (int64_t k = 0; k < inner; ++k) d[k] = s[k] * a + shift;
        }
    }
}

void maxPool2dSample(const MaxPool2dParams& p, int64_t c, int64_t h, int64_t w, int64_t ho,
                     int64_t wo, const float* src, float* dst) {
    for (int64_t plane = 0; plane < c; ++plane, src += h * w, dst += ho * wo)
        for (int64_t y = 0; y < ho; ++y)
            for (int64_t x = 0; x < wo; ++x) {
                float best = -std::numeric_limits<float>::infinity();
                for (int i = 0; i < p.kernelH; ++i) {
                    const int64_t sy = y * p.strideH + i - p.padTop;
                    if (sy < 0 || sy >= h) continue;
                    for (int j = 0; j < p.kernelW; ++j) {
                        const int64_t sx = x * p.strideW + j - p.padLeft;
                        if (sx >= 0 && sx < w) best = std::max(best, src[sy * w + sx]);
                    }
                }
                dst[y * wo + x] = best;
            }
}

void maxPool2d(const MaxPool2dParams& p, const Tensor& in, Tensor& out) {
    const int64_t n = in.dim(0), c = in.dim(1), h = in.dim(2), w = in.dim(3);
    const int64_t ho = (h + p.padTop + p.padBottom - p.kernelH) / p.strideH + 1;
    const int64_t wo = (w + p.padLeft + p.padRight - p.kernelW) / p.strideW + 1;
    out.resize({n, c, ho, wo});
    for (int64_t b = 0; b < n; ++b)
        maxPool2dSample(p, c, h, w, ho, wo, in.data() + b * c * h * w,
                        out.data() + b * c * ho * wo);
}

void relu(const Tensor& in, Tensor& out) {
    out.resize(in.shape());
    for (int64_t i = 0; i < in.size(); ++i) out[i] = std::max(in[i], 0.0f);
}

std::vector<float> boostFactors(const KWinnersParams& p, double targetDensity) {
    std::vector<float> f;
    if (p.boostStrength == 0.0f || p.dutyCycles.empty()) return f;
    f.reserve(p.dutyCycles.size());
    for (float d : p.dutyCycles)
        f.push_back(static_cast<float>(std::exp(p.boostStrength * (targetDensity - d))));
    return f;
}

void kWinners(const KWinnersParams& p, const Tensor& in, Tensor& out) {
    const Shape sample = perSample(in);
    const int64_t n = in.dim(0), units = numel(sample);
    const bool image = sample.size() == 3;
    const bool local = p.local && image;
    const int64_t channels = image ? sample[0] : units;
    const int64_t inner = image ? units / channels : 1;  // positions per channel
    const int64_t selSize = KWinnersParams::selectionSize(sample, p.local);
    const int k = p.inferenceK(sample);
    const std::vector<float> boost = boostFactors(p, double(k) / double(selSize));

    out.resize(in.shape());
    std::fill(out.values().begin(), out.values().end(), 0.0f);
    std::vector<float> boosted(static_cast<size_t>(selSize));
    std::vector<int64_t> order(static_cast<size_t>(selSize));
    // A selection covers `selSize` units at `offset + i * step` (i < selSize); unit u's boost is
    // that of its channel.
    auto select = [&](const float* src, float* dst, int64_t offset, int64_t step) {
        for (int64_t i = 0; i < selSize; ++i) {
            const int64_t u = offset + i * step;
            const int64_t ch = image ? u / inner : u;
            boosted[static_cast<size_t>(i)] =
                boost.empty() ? src[u] : src[u] * boost[static_cast<size_t>(ch)];
        }
        std::iota(order.begin(), order.end(), 0);
        auto better = [&](int64_t a, int64_t b) {
            const float va = boosted[static_cast<size_t>(a)], vb = boosted[static_cast<size_t>(b)];
            return va > vb || (va == vb && a < b);
        };
        std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), better);
        for (int i = 0; i < k; ++i) {
            const int64_t u = offset + order[static_cast<size_t>(i)] * step;
            dst[u] = p.relu ? std::max(src[u], 0.0f) : src[u];
        }
    };
    for (int64_t b = 0; b < n; ++b) {
        const float* src = in.data() + b * units;
        float* dst = out.data() + b * units;
        if (local) {
            for (int64_t pos = 0; pos < inner; ++pos) select(src, dst, pos, inner);
        } else {
            select(src, dst, 0, 1);
        }
    }
}

void softmax(const Tensor& in, Tensor& out, bool logarithm) {
    out.resize(in.shape());
    const int64_t n = in.dim(0), c = in.size() / n;
    for (int64_t b = 0; b < n; ++b) {
        const float* s = in.data() + b * c;
        float* d = out.data() + b * c;
        const float m = *std::max_element(s, s + c);
        double sum = 0.0;
        for (int64_t i = 0; i < c; ++i) sum += std::exp(double(s[i]) - m);
        const double logSum = std::log(sum);
        for (int64_t i = 0; i < c; ++i)
            d[i] = logarithm ? static_cast<float>(s[i] - m - logSum)
                             : static_cast<float>(std::exp(double(s[i]) - m - logSum));
    }
}

void runLayer(const Layer& layer, const Tensor& in, Tensor& out) {
    switch (layer.kind()) {
        case LayerKind::Conv2d:
            return conv2d(layer.as<Conv2dParams>(), in, out);
        case LayerKind::Linear:
            return linear(layer.as<LinearParams>(), in, out);
        case LayerKind::BatchNorm:
            return batchNorm(layer.as<BatchNormParams>(), in, out);
        case LayerKind::MaxPool2d:
            return maxPool2d(layer.as<MaxPool2dParams>(), in, out);
        case LayerKind::KWinners:
            return kWinners(layer.as<KWinnersParams>(), in, out);
        case LayerKind::ReLU:
            return relu(in, out);
        case LayerKind::Flatten: {
            out = in;
            out.reshape(withBatch(in.dim(0), layer.outputShape(perSample(in))));
            return;
        }
        case LayerKind::Softmax:
            return softmax(in, out, false);
        case LayerKind::LogSoftmax:
            return softmax(in, out, true);
    }
}

}  // namespace sparselab::dense

// Trainable Conv2d: im2col + Eigen GEMM per sample, samples split over threads.
#include <Eigen/Core>
#include <algorithm>

#include "core/error.h"
#include "parallel_for.h"
#include "train_layer.h"

namespace sparselab::train {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<RowMatrix>;
using ConstMatMap = Eigen::Map<const RowMatrix>;

class TrainConv2d final : public TrainLayer {
  public:
    TrainConv2d(const std::string& name, const Conv2dParams& init, bool sparseMask)
        : TrainLayer(name), m_geom(init) {
        m_geom.weight = Tensor();
        m_shape = init.weight.shape();
        m_weight.name = name + ".weight";
        m_weight.shape = m_shape;
        m_weight.value.assign(init.weight.values().begin(), init.weight.values().end());
        m_weight.grad.assign(m_weight.value.size(), 0.0f);
        if (sparseMask) {
            m_weight.mask.resize(m_weight.value.size());
            for (size_t i = 0; i < m_weight.value.size(); ++i)
                m_weight.mask[i] = m_weight.value[i] != 0.0f;
        }
        m_bias.name = name + ".bias";
        m_bias.value = init.bias;
        m_bias.value.resize(static_cast<size_t>(m_shape[0]), 0.0f);
        m_bias.grad.assign(m_bias.value.size(), 0.0f);
    }

    Shape outputShape(const Shape& in) const override {
        if (in.size() != 3 || in[0] != m_shape[1])
            throw Error("layer '" + name() + "' expects " + std::to_string(m_shape[1]) +
                        " input channels, got shape " + shapeToString(in));
        const int64_t ho =
            (in[1] + m_geom.padTop + m_geom.padBottom - m_shape[2]) / m_geom.strideH + 1;
        const int64_t wo =
            (in[2] + m_geom.padLeft + m_geom.padRight - m_shape[3]) / m_geom.strideW + 1;
        return {m_shape[0], ho, wo};
    }

    void forward(const Tensor& in, Tensor& out, const PassContext& ctx) override {
        const int64_t n = in.dim(0);
        m_inShape = Shape(in.shape().begin() + 1, in.shape().end());
        const Shape os = outputShape(m_inShape);
        out.resize({n, os[0], os[1], os[2]});
        const int64_t k = m_shape[1] * m_shape[2] * m_shape[3], p = os[1] * os[2];
        m_cols.resize(static_cast<size_t>(n * k * p));
        const ConstMatMap w(m_weight.value.data(), m_shape[0], k);
        const Eigen::Map<const Eigen::VectorXf> b(m_bias.value.data(), m_shape[0]);
        const int64_t inSize = numel(m_inShape), outSize = numel(os);
        parallelFor(n, ctx.threads, [&](int64_t begin, int64_t end, int) {
            for (int64_t s = begin; s < end; ++s) {
                float* col = m_cols.data() + s * k * p;
                im2col(in.data() + s * inSize, col, os);
                MatMap y(out.data() + s * outSize, m_shape[0], p);
                y.noalias() = w * ConstMatMap(col, k, p);
                y.colwise() += b;
            }
        });
        m_outShape = os;
    }

    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext& ctx) override {
        const int64_t n = gradOut.dim(0);
        const Shape& os = m_outShape;
        const int64_t k = m_shape[1] * m_shape[2] * m_shape[3], p = os[1] * os[2];
        const int64_t inSize = numel(m_inShape), outSize = numel(os);
        const int chunks = chunkCount(n, ctx.threads);
        auto& dW = m_chunkWeightGrad;
        auto& dB = m_chunkBiasGrad;
        dW.resize(static_cast<size_t>(chunks));
        dB.resize(static_cast<size_t>(chunks));
        m_chunkCols.resize(static_cast<size_t>(chunks));
        if (gradIn) gradIn->resize({n, m_inShape[0], m_inShape[1], m_inShape[2]});
        const ConstMatMap w(m_weight.value.data(), m_shape[0], k);
        parallelFor(n, ctx.threads, [&](int64_t begin, int64_t end, int c) {
            RowMatrix& gw = dW[static_cast<size_t>(c)];
            gw.setZero(m_shape[0], k);
            dB[static_cast<size_t>(c)].setZero(m_shape[0]);
            RowMatrix& dcol = m_chunkCols[static_cast<size_t>(c)];
            for (int64_t s = begin; s < end; ++s) {
                const ConstMatMap dy(gradOut.data() + s * outSize, m_shape[0], p);
                const ConstMatMap col(m_cols.data() + s * k * p, k, p);
                gw.noalias() += dy * col.transpose();
                dB[static_cast<size_t>(c)] += dy.rowwise().sum();
                if (gradIn) {
                    dcol.noalias() = w.transpose() * dy;
                    col2im(dcol.data(), gradIn->data() + s * inSize, os);
                }
            }
        });
        MatMap gW(m_weight.grad.data(), m_shape[0], k);
        Eigen::Map<Eigen::VectorXf> gB(m_bias.grad.data(), m_shape[0]);
        for (int c = 0; c < chunks; ++c) {
            gW += dW[static_cast<size_t>(c)];
            gB += dB[static_cast<size_t>(c)];
        }
    }

    std::vector<Parameter*> parameters() override { return {&m_weight, &m_bias}; }

    void exportTo(std::vector<Layer>& out) const override {
        Conv2dParams p = m_geom;
        p.weight = Tensor(m_shape, m_weight.value);
        p.bias = m_bias.value;
        out.push_back(Layer{name(), std::move(p)});
    }

  private:
    /// col[(c*kh + i)*kw + j][y*wo + x] = in[c][y*sh + i - pt][x*sw + j - pl] (0 outside).
    void im2col(const float* in, float* col, const Shape& os) const {
        const int64_t cin = m_shape[1], kh = m_shape[2], kw = m_shape[3];
        const int64_t h = m_inShape[1], wd = m_inShape[2], ho = os[1], wo = os[2];
        for (int64_t c = 0; c < cin; ++c)
            for (int64_t i = 0; i < kh; ++i)
                for (int64_t j = 0; j < kw; ++j) {
                    float* row = col + ((c * kh + i) * kw + j) * ho * wo;
                    for (int64_t y = 0; y < ho; ++y) {
                        const int64_t sy = y * m_geom.strideH + i - m_geom.padTop;
                        float* dst = row + y * wo;
                        if (sy < 0 || sy >= h) {
                            std::fill(dst, dst + wo, 0.0f);
                            continue;
                        }
                        const float* src = in + (c * h + sy) * wd;
                        for (int64_t x = 0; x < wo; ++x) {
                            const int64_t sx = x * m_geom.strideW + j - m_geom.padLeft;
                            dst[x] = (sx >= 0 && sx < wd) ? src[sx] : 0.0f;
                        }
                    }
                }
    }

    /// The adjoint of im2col: writes (not adds) the input gradient.
    void col2im(const float* col, float* in, const Shape& os) const {
        const int64_t cin = m_shape[1], kh = m_shape[2], kw = m_shape[3];
        const int64_t h = m_inShape[1], wd = m_inShape[2], ho = os[1], wo = os[2];
        std::fill(in, in + cin * h * wd, 0.0f);
        for (int64_t c = 0; c < cin; ++c)
            for (int64_t i = 0; i < kh; ++i)
                for (int64_t j = 0; j < kw; ++j) {
                    const float* row = col + ((c * kh + i) * kw + j) * ho * wo;
                    for (int64_t y = 0; y < ho; ++y) {
                        const int64_t sy = y * m_geom.strideH + i - m_geom.padTop;
                        if (sy < 0 || sy >= h) continue;
                        float* dst = in + (c * h + sy) * wd;
                        const float* src = row + y * wo;
                        for (int64_t x = 0; x < wo; ++x) {
                            const int64_t sx = x * m_geom.strideW + j - m_geom.padLeft;
                            if (sx >= 0 && sx < wd) dst[sx] += src[x];
                        }
                    }
                }
    }

    Conv2dParams m_geom;  ///< strides and padding (weight moved into m_weight)
    Shape m_shape;        ///< weight shape [out, in, kh, kw]
    Parameter m_weight, m_bias;
    Shape m_inShape, m_outShape;
    std::vector<float> m_cols;
    // Per-thread scratch kept between batches (no reallocation).
    std::vector<RowMatrix> m_chunkWeightGrad, m_chunkCols;
    std::vector<Eigen::VectorXf> m_chunkBiasGrad;
};

}  // namespace

TrainLayerPtr makeConv2d(const std::string& name, const Conv2dParams& init, bool sparseMask) {
    return std::make_unique<TrainConv2d>(name, init, sparseMask);
}

}  // namespace sparselab::train

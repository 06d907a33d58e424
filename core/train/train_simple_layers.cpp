// Trainable layers without parameters: MaxPool2d (argmax routing), ReLU, Flatten.
#include <limits>

#include "core/error.h"
#include "parallel_for.h"
#include "train_layer.h"

namespace sparselab::train {
namespace {

class TrainMaxPool2d final : public TrainLayer {
  public:
    TrainMaxPool2d(const std::string& name, const MaxPool2dParams& p) : TrainLayer(name), m_p(p) {}

    Shape outputShape(const Shape& in) const override { return Layer{name(), m_p}.outputShape(in); }

    void forward(const Tensor& in, Tensor& out, const PassContext& ctx) override {
        const int64_t n = in.dim(0), c = in.dim(1), h = in.dim(2), w = in.dim(3);
        const Shape os = outputShape({c, h, w});
        const int64_t ho = os[1], wo = os[2];
        out.resize({n, c, ho, wo});
        m_inShape = in.shape();
        m_argmax.resize(static_cast<size_t>(out.size()));
        const bool fast2x2 = m_p.kernelH == 2 && m_p.kernelW == 2 && m_p.strideH == 2 &&
                             m_p.strideW == 2 && m_p.padTop == 0 && m_p.padLeft == 0 &&
                             m_p.padBottom == 0 && m_p.padRight == 0;
        parallelFor(n * c, ctx.threads, [&](int64_t begin, int64_t end, int) {
            for (int64_t plane = begin; plane < end && fast2x2; ++plane) {
                const float* s = in.data() + plane * h * w;
                float* d = out.data() + plane * ho * wo;
                int32_t* a = m_argmax.data() + plane * ho * wo;
                for (int64_t y = 0; y < ho; ++y)
                    for (int64_t x = 0; x < wo; ++x) {
                        const int32_t i0 = static_cast<int32_t>(2 * y * w + 2 * x);
                        int32_t at = i0;
                        if (s[i0 + 1] > s[at]) at = i0 + 1;
                        if (s[i0 + w] > s[at]) at = static_cast<int32_t>(i0 + w);
                        if (s[i0 + w + 1] > s[at]) at = static_cast<int32_t>(i0 + w + 1);
                        d[y * wo + x] = s[at];
                        a[y * wo + x] = at;
                    }
            }
            for (int64_t plane = begin; plane < end && !fast2x2; ++plane) {
                const float* s = in.data() + plane * h * w;
                float* d = out.data() + plane * ho * wo;
                int32_t* a = m_argmax.data() + plane * ho * wo;
                for (int64_t y = 0; y < ho; ++y)
                    for (int64_t x = 0; x < wo; ++x) {
                        float best = -std::numeric_limits<float>::infinity();
                        int32_t at = -1;
                        for (int i = 0; i < m_p.kernelH; ++i) {
                            const int64_t sy = y * m_p.strideH + i - m_p.padTop;
                            if (sy < 0 || sy >= h) continue;
                            for (int j = 0; j < m_p.kernelW; ++j) {
                                const int64_t sx = x * m_p.strideW + j - m_p.padLeft;
                                if (sx < 0 || sx >= w) continue;
                                if (at < 0 || s[sy * w + sx] > best) {
                                    best = s[sy * w + sx];
                                    at = static_cast<int32_t>(sy * w + sx);
                                }
                            }
                        }
                        d[y * wo + x] = best;
                        a[y * wo + x] = at;
                    }
            }
        });
    }

    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext& ctx) override {
        if (!gradIn) return;
        gradIn->resize(m_inShape);
        const int64_t planes = m_inShape[0] * m_inShape[1];
        const int64_t inPlane = m_inShape[2] * m_inShape[3], outPlane = gradOut.size() / planes;
        parallelFor(planes, ctx.threads, [&](int64_t begin, int64_t end, int) {
            for (int64_t plane = begin; plane < end; ++plane) {
                float* d = gradIn->data() + plane * inPlane;
                std::fill(d, d + inPlane, 0.0f);
                const float* g = gradOut.data() + plane * outPlane;
                const int32_t* a = m_argmax.data() + plane * outPlane;
                for (int64_t i = 0; i < outPlane; ++i)
                    if (a[i] >= 0) d[a[i]] += g[i];
            }
        });
    }

    void exportTo(std::vector<Layer>& out) const override { out.push_back(Layer{name(), m_p}); }

  private:
    MaxPool2dParams m_p;
    Shape m_inShape;
    std::vector<int32_t> m_argmax;
};

class TrainReLU final : public TrainLayer {
  public:
    using TrainLayer::TrainLayer;
    Shape outputShape(const Shape& in) const override { return in; }
    void forward(const Tensor& in, Tensor& out, const PassContext&) override {
        out.resize(in.shape());
        for (int64_t i = 0; i < in.size(); ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
        m_output = out;
    }
    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext&) override {
        if (!gradIn) return;
        gradIn->resize(gradOut.shape());
        for (int64_t i = 0; i < gradOut.size(); ++i)
            (*gradIn)[i] = m_output[i] > 0.0f ? gradOut[i] : 0.0f;
    }
    void exportTo(std::vector<Layer>& out) const override {
        out.push_back(Layer{name(), ReLUParams{}});
    }

  private:
    Tensor m_output;
};

class TrainFlatten final : public TrainLayer {
  public:
    using TrainLayer::TrainLayer;
    Shape outputShape(const Shape& in) const override { return {numel(in)}; }
    void forward(const Tensor& in, Tensor& out, const PassContext&) override {
        m_inShape = in.shape();
        out = in;
        out.reshape({in.dim(0), in.size() / in.dim(0)});
    }
    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext&) override {
        if (!gradIn) return;
        *gradIn = gradOut;
        gradIn->reshape(m_inShape);
    }
    void exportTo(std::vector<Layer>& out) const override {
        out.push_back(Layer{name(), FlattenParams{1}});
    }

  private:
    Shape m_inShape;
};

}  // namespace

TrainLayerPtr makeMaxPool2d(const std::string& name, const MaxPool2dParams& p) {
    return std::make_unique<TrainMaxPool2d>(name, p);
}
TrainLayerPtr makeReLU(const std::string& name) {
    return std::make_unique<TrainReLU>(name);
}
TrainLayerPtr makeFlatten(const std::string& name) {
    return std::make_unique<TrainFlatten>(name);
}

}  // namespace sparselab::train

// Trainable BatchNorm without affine parameters (Numenta's BatchNorm2d/1d(affine=False)).
#include <cmath>

#include "core/error.h"
#include "parallel_for.h"
#include "train_layer.h"

namespace sparselab::train {
namespace {

class TrainBatchNorm final : public TrainLayer {
  public:
    TrainBatchNorm(const std::string& name, int channels, float momentum, float epsilon)
        : TrainLayer(name),
          m_channels(channels),
          m_momentum(momentum),
          m_epsilon(epsilon),
          m_runningMean(static_cast<size_t>(channels), 0.0f),
          m_runningVar(static_cast<size_t>(channels), 1.0f) {}

    Shape outputShape(const Shape& in) const override {
        if (in.empty() || in[0] != m_channels)
            throw Error("layer '" + name() + "' expects " + std::to_string(m_channels) +
                        " channels, got shape " + shapeToString(in));
        return in;
    }

    void forward(const Tensor& in, Tensor& out, const PassContext& ctx) override {
        outputShape(Shape(in.shape().begin() + 1, in.shape().end()));
        const int64_t n = in.dim(0), inner = in.size() / (n * m_channels);
        out.resize(in.shape());
        m_training = ctx.training;
        m_invStd.assign(static_cast<size_t>(m_channels), 0.0f);
        parallelFor(m_channels, ctx.threads, [&](int64_t begin, int64_t end, int) {
            for (int64_t c = begin; c < end; ++c) {
                double mean = 0.0, var = 0.0;
                const auto cs = static_cast<size_t>(c);
                if (ctx.training) {
                    for (int64_t b = 0; b < n; ++b) {
                        const float* x = in.data() + (b * m_channels + c) * inner;
                        for (int64_t i = 0; i < inner; ++i) mean += x[i];
                    }
                    const double m = double(n * inner);
                    mean /= m;
                    for (int64_t b = 0; b < n; ++b) {
                        const float* x = in.data() + (b * m_channels + c) * inner;
                        for (int64_t i = 0; i < inner; ++i) var += (x[i] - mean) * (x[i] - mean);
                    }
                    var /= m;
                    const double unbiased = m > 1 ? var * m / (m - 1) : var;
                    m_runningMean[cs] =
                        float((1 - m_momentum) * m_runningMean[cs] + m_momentum * mean);
                    m_runningVar[cs] =
                        float((1 - m_momentum) * m_runningVar[cs] + m_momentum * unbiased);
                } else {
                    mean = m_runningMean[cs];
                    var = m_runningVar[cs];
                }
                const double inv = 1.0 / std::sqrt(var + m_epsilon);
                m_invStd[cs] = float(inv);
                for (int64_t b = 0; b < n; ++b) {
                    const int64_t off = (b * m_channels + c) * inner;
                    for (int64_t i = 0; i < inner; ++i)
                        out[off + i] = float((in[off + i] - mean) * inv);
                }
            }
        });
        if (ctx.training) m_normalised = out;
    }

    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext& ctx) override {
        if (!gradIn) return;
        if (!m_training) throw Error("layer '" + name() + "': backward after an eval pass");
        const int64_t n = gradOut.dim(0), inner = gradOut.size() / (n * m_channels);
        gradIn->resize(gradOut.shape());
        const double m = double(n * inner);
        parallelFor(m_channels, ctx.threads, [&](int64_t begin, int64_t end, int) {
            for (int64_t c = begin; c < end; ++c) {
                double sumDy = 0.0, sumDyXhat = 0.0;
                for (int64_t b = 0; b < n; ++b) {
                    const int64_t off = (b * m_channels + c) * inner;
                    for (int64_t i = 0; i < inner; ++i) {
                        sumDy += gradOut[off + i];
                        sumDyXhat += double(gradOut[off + i]) * m_normalised[off + i];
                    }
                }
                const double inv = m_invStd[static_cast<size_t>(c)];
                for (int64_t b = 0; b < n; ++b) {
                    const int64_t off = (b * m_channels + c) * inner;
                    for (int64_t i = 0; i < inner; ++i)
                        (*gradIn)[off + i] = float(inv * (gradOut[off + i] - sumDy / m -
                                                          m_normalised[off + i] * sumDyXhat / m));
                }
            }
        });
    }

    std::vector<float> inferenceScale() const override {
        std::vector<float> scale(m_runningVar.size());
        for (size_t c = 0; c < scale.size(); ++c)
            scale[c] = float(1.0 / std::sqrt(double(m_runningVar[c]) + m_epsilon));
        return scale;
    }

    void saveState(StateMap& s) const override {
        s[key("running_mean")] = m_runningMean;
        s[key("running_var")] = m_runningVar;
    }
    void loadState(const StateMap& s) override {
        load(s, "running_mean", m_runningMean);
        load(s, "running_var", m_runningVar);
    }

    void exportTo(std::vector<Layer>& out) const override {
        BatchNormParams p;
        p.scale.assign(static_cast<size_t>(m_channels), 1.0f);
        p.bias.assign(static_cast<size_t>(m_channels), 0.0f);
        p.mean = m_runningMean;
        p.var = m_runningVar;
        p.epsilon = m_epsilon;
        out.push_back(Layer{name(), std::move(p)});
    }

  private:
    void load(const StateMap& s, const char* what, std::vector<float>& dst) const {
        auto it = s.find(key(what));
        if (it == s.end() || it->second.size() != dst.size())
            throw Error("checkpoint has no valid '" + key(what) + "'");
        dst = it->second;
    }

    int m_channels;
    float m_momentum, m_epsilon;
    std::vector<float> m_runningMean, m_runningVar, m_invStd;
    Tensor m_normalised;
    bool m_training = false;
};

}  // namespace

TrainLayerPtr makeBatchNorm(const std::string& name, int channels, float momentum, float epsilon) {
    return std::make_unique<TrainBatchNorm>(name, channels, momentum, epsilon);
}

}  // namespace sparselab::train

// Trainable Linear layer: Eigen GEMMs split over threads (batch rows forward and for the input
// gradient, output rows for the weight gradient, so no reduction is needed).
#include <Eigen/Core>

#include "core/error.h"
#include "parallel_for.h"
#include "train_layer.h"

namespace sparselab::train {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<RowMatrix>;
using ConstMatMap = Eigen::Map<const RowMatrix>;

class TrainLinear final : public TrainLayer {
  public:
    TrainLinear(const std::string& name, const LinearParams& init, bool sparseMask)
        : TrainLayer(name), m_out(init.weight.dim(0)), m_in(init.weight.dim(1)) {
        m_weight.name = name + ".weight";
        m_weight.shape = {m_out, m_in};
        m_weight.value.assign(init.weight.values().begin(), init.weight.values().end());
        m_weight.grad.assign(m_weight.value.size(), 0.0f);
        if (sparseMask) {
            m_weight.mask.resize(m_weight.value.size());
            for (size_t i = 0; i < m_weight.value.size(); ++i)
                m_weight.mask[i] = m_weight.value[i] != 0.0f;
        }
        m_bias.name = name + ".bias";
        m_bias.value = init.bias;
        m_bias.value.resize(static_cast<size_t>(m_out), 0.0f);
        m_bias.grad.assign(m_bias.value.size(), 0.0f);
    }

    Shape outputShape(const Shape& in) const override {
        if (numel(in) != m_in)
            throw Error("layer '" + name() + "' expects " + std::to_string(m_in) +
                        " inputs, got shape " + shapeToString(in));
        return {m_out};
    }

    void forward(const Tensor& in, Tensor& out, const PassContext& ctx) override {
        const int64_t n = in.dim(0);
        outputShape(Shape(in.shape().begin() + 1, in.shape().end()));
        m_input = in;
        out.resize({n, m_out});
        const ConstMatMap w(m_weight.value.data(), m_out, m_in);
        const Eigen::Map<const Eigen::RowVectorXf> b(m_bias.value.data(), m_out);
        parallelFor(n, ctx.threads, [&](int64_t begin, int64_t end, int) {
            const ConstMatMap x(in.data() + begin * m_in, end - begin, m_in);
            MatMap y(out.data() + begin * m_out, end - begin, m_out);
            y.noalias() = x * w.transpose();
            y.rowwise() += b;
        });
    }

    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext& ctx) override {
        const int64_t n = gradOut.dim(0);
        const ConstMatMap dy(gradOut.data(), n, m_out);
        const ConstMatMap x(m_input.data(), n, m_in);
        parallelFor(m_out, ctx.threads, [&](int64_t begin, int64_t end, int) {
            MatMap gw(m_weight.grad.data() + begin * m_in, end - begin, m_in);
            gw.noalias() += dy.middleCols(begin, end - begin).transpose() * x;
            for (int64_t o = begin; o < end; ++o)
                m_bias.grad[static_cast<size_t>(o)] += dy.col(o).sum();
        });
        if (!gradIn) return;
        gradIn->resize(m_input.shape());
        const ConstMatMap w(m_weight.value.data(), m_out, m_in);
        parallelFor(n, ctx.threads, [&](int64_t begin, int64_t end, int) {
            MatMap dx(gradIn->data() + begin * m_in, end - begin, m_in);
            dx.noalias() = dy.middleRows(begin, end - begin) * w;
        });
    }

    std::vector<Parameter*> parameters() override { return {&m_weight, &m_bias}; }

    void exportTo(std::vector<Layer>& out) const override {
        LinearParams p;
        p.weight = Tensor({m_out, m_in}, m_weight.value);
        p.bias = m_bias.value;
        out.push_back(Layer{name(), std::move(p)});
    }

  private:
    int64_t m_out, m_in;
    Parameter m_weight, m_bias;
    Tensor m_input;
};

}  // namespace

TrainLayerPtr makeLinear(const std::string& name, const LinearParams& init, bool sparseMask) {
    return std::make_unique<TrainLinear>(name, init, sparseMask);
}

}  // namespace sparselab::train

// Trainable k-winners with boosting (nupic.torch KWinners / KWinners2d semantics).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "parallel_for.h"
#include "train_layer.h"

namespace sparselab::train {
namespace {

class TrainKWinners final : public TrainLayer {
  public:
    TrainKWinners(const std::string& name, const KWinnersParams& p) : TrainLayer(name), m_p(p) {
        std::fill(m_p.dutyCycles.begin(), m_p.dutyCycles.end(), 0.0f);
    }

    Shape outputShape(const Shape& in) const override { return in; }

    void forward(const Tensor& in, Tensor& out, const PassContext& ctx) override {
        const Shape sample(in.shape().begin() + 1, in.shape().end());
        const int64_t n = in.dim(0), units = numel(sample);
        const bool image = sample.size() == 3;
        const bool local = m_p.local && image;
        const int64_t channels = image ? sample[0] : units;
        const int64_t inner = image ? units / channels : 1;
        if (m_p.dutyCycles.size() != static_cast<size_t>(channels))
            m_p.dutyCycles.assign(static_cast<size_t>(channels), 0.0f);
        const int64_t selSize = KWinnersParams::selectionSize(sample, m_p.local);
        const int k = ctx.training ? static_cast<int>(std::clamp<int64_t>(m_p.k, 1, selSize))
                                   : m_p.inferenceK(sample);
        std::vector<float> boost(static_cast<size_t>(channels), 1.0f);
        if (m_p.boostStrength != 0.0f) {
            const double target = double(k) / double(selSize);
            for (int64_t c = 0; c < channels; ++c)
                boost[static_cast<size_t>(c)] = static_cast<float>(std::exp(
                    m_p.boostStrength * (target - m_p.dutyCycles[static_cast<size_t>(c)])));
        }
        out.resize(in.shape());
        m_winner.assign(static_cast<size_t>(in.size()), 0);
        parallelFor(n, ctx.threads, [&](int64_t begin, int64_t end, int) {
            std::vector<float> boosted(static_cast<size_t>(selSize));
            std::vector<int64_t> order(static_cast<size_t>(selSize));
            for (int64_t b = begin; b < end; ++b) {
                const float* src = in.data() + b * units;
                float* dst = out.data() + b * units;
                uint8_t* win = m_winner.data() + b * units;
                std::fill(dst, dst + units, 0.0f);
                auto select = [&](int64_t offset, int64_t step) {
                    for (int64_t i = 0; i < selSize; ++i) {
                        const int64_t u = offset + i * step;
                        boosted[static_cast<size_t>(i)] =
                            src[u] * boost[static_cast<size_t>(image ? u / inner : u)];
                    }
                    std::iota(order.begin(), order.end(), 0);
                    auto better = [&](int64_t a, int64_t c) {
                        const float va = boosted[static_cast<size_t>(a)];
                        const float vc = boosted[static_cast<size_t>(c)];
                        return va > vc || (va == vc && a < c);
                    };
                    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), better);
                    for (int i = 0; i < k; ++i) {
                        const int64_t u = offset + order[static_cast<size_t>(i)] * step;
                        const bool pass = !m_p.relu || src[u] > 0.0f;
                        dst[u] = pass ? src[u] : 0.0f;
                        win[u] = pass ? 1 : 0;
                    }
                };
                if (local) {
                    for (int64_t pos = 0; pos < inner; ++pos) select(pos, inner);
                } else {
                    select(0, 1);
                }
            }
        });
        if (ctx.training) updateDutyCycles(out, n, channels, inner);
    }

    void backward(const Tensor& gradOut, Tensor* gradIn, const PassContext&) override {
        if (!gradIn) return;
        gradIn->resize(gradOut.shape());
        for (int64_t i = 0; i < gradOut.size(); ++i)
            (*gradIn)[i] = m_winner[static_cast<size_t>(i)] ? gradOut[i] : 0.0f;
    }

    void endEpoch() override { m_p.boostStrength *= m_p.boostStrengthFactor; }

    void saveState(StateMap& s) const override {
        s[key("duty_cycles")] = m_p.dutyCycles;
        s[key("learning_iterations")] = {float(m_learningIterations)};
        s[key("boost_strength")] = {m_p.boostStrength};
    }
    void loadState(const StateMap& s) override {
        auto get = [&](const char* what) -> const std::vector<float>& {
            auto it = s.find(key(what));
            if (it == s.end() || it->second.empty())
                throw Error("checkpoint has no valid '" + key(what) + "'");
            return it->second;
        };
        m_p.dutyCycles = get("duty_cycles");
        m_learningIterations = static_cast<int64_t>(get("learning_iterations")[0]);
        m_p.boostStrength = get("boost_strength")[0];
    }

    void exportTo(std::vector<Layer>& out) const override { out.push_back(Layer{name(), m_p}); }

  private:
    /// duty <- (duty * (period - batch) + activeShare) / period, period = min(P, seen); for
    /// images activeShare is the channel's active count divided by H*W (nupic.torch).
    void updateDutyCycles(const Tensor& out, int64_t n, int64_t channels, int64_t inner) {
        m_learningIterations += n;
        const double period = double(std::min<int64_t>(m_p.dutyCyclePeriod, m_learningIterations));
        for (int64_t c = 0; c < channels; ++c) {
            int64_t active = 0;
            for (int64_t b = 0; b < n; ++b) {
                const float* x = out.data() + (b * channels + c) * inner;
                for (int64_t i = 0; i < inner; ++i) active += x[i] > 0.0f;
            }
            float& d = m_p.dutyCycles[static_cast<size_t>(c)];
            d = static_cast<float>((d * (period - double(n)) + double(active) / double(inner)) /
                                   period);
        }
    }

    KWinnersParams m_p;
    int64_t m_learningIterations = 0;
    std::vector<uint8_t> m_winner;
};

}  // namespace

TrainLayerPtr makeKWinners(const std::string& name, const KWinnersParams& p) {
    return std::make_unique<TrainKWinners>(name, p);
}

}  // namespace sparselab::train

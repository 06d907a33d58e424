#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "train_layer.h"

namespace sparselab::train {

/// Optimiser settings; semantics follow torch.optim.SGD / torch.optim.Adam (weight decay added
/// to the gradient, applied to every parameter).
struct OptimizerConfig {
    enum class Kind { Sgd, Adam };
    Kind kind = Kind::Sgd;
    float learningRate = 0.01f;
    float momentum = 0.9f;  ///< SGD only (0 = plain SGD)
    float weightDecay = 0.0f;
    float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  ///< Adam only

    /// "sgd" or "adam".
    static std::optional<Kind> parseKind(std::string_view text);
};

/// Learning rate per epoch: lr0 * gamma^epoch ("step", Numenta's per-epoch decay) or
/// lr0 * 0.5 * (1 + cos(pi * epoch / epochs)) ("cosine").
struct LrSchedule {
    enum class Kind { Step, Cosine };
    Kind kind = Kind::Step;
    float gamma = 0.9f;
    int epochs = 1;  ///< cosine: length of the schedule

    float learningRate(float base, int epoch) const;
    /// "step" or "cosine".
    static std::optional<Kind> parseKind(std::string_view text);
};

/// Updates parameters from their gradients, then re-applies their sparse masks.
class Optimizer {
  public:
    explicit Optimizer(const OptimizerConfig& config) : m_config(config) {}
    const OptimizerConfig& config() const { return m_config; }
    void setLearningRate(float lr) { m_config.learningRate = lr; }

    /// One step over `params` (the same list, in the same order, at every call).
    void step(const std::vector<Parameter*>& params);

    /// Momentum / moment buffers and the step count, for checkpoints.
    void saveState(StateMap& state) const;
    void loadState(const StateMap& state, const std::vector<Parameter*>& params);

  private:
    OptimizerConfig m_config;
    std::vector<std::vector<float>> m_first, m_second;  ///< momentum / Adam moments per param
    std::vector<std::string> m_names;
    int64_t m_steps = 0;
};

}  // namespace sparselab::train

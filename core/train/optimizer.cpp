#include "optimizer.h"

#include <cmath>
#include <numbers>

#include "core/error.h"

namespace sparselab::train {

std::optional<OptimizerConfig::Kind> OptimizerConfig::parseKind(std::string_view text) {
    if (text == "sgd") return Kind::Sgd;
    if (text == "adam") return Kind::Adam;
    return std::nullopt;
}

float LrSchedule::learningRate(float base, int epoch) const {
    if (kind == Kind::Cosine) {
        const double t = epochs > 0 ? double(epoch) / double(epochs) : 0.0;
        return float(base * 0.5 * (1.0 + std::cos(std::numbers::pi * t)));
    }
    return float(base * std::pow(double(gamma), epoch));
}

std::optional<LrSchedule::Kind> LrSchedule::parseKind(std::string_view text) {
    if (text == "step") return Kind::Step;
    if (text == "cosine") return Kind::Cosine;
    return std::nullopt;
}

void Optimizer::step(const std::vector<Parameter*>& params) {
    if (m_first.empty()) {
        for (const Parameter* p : params) {
            m_first.emplace_back(p->value.size(), 0.0f);
            if (m_config.kind == OptimizerConfig::Kind::Adam)
                m_second.emplace_back(p->value.size(), 0.0f);
            m_names.push_back(p->name);
        }
    }
    if (m_first.size() != params.size())
        throw Error("optimizer: the parameter list changed between steps");
    ++m_steps;
    const float lr = m_config.learningRate, wd = m_config.weightDecay;
    for (size_t pi = 0; pi < params.size(); ++pi) {
        Parameter& p = *params[pi];
        std::vector<float>& m1 = m_first[pi];
        const size_t n = p.value.size();
        const uint8_t* mask = p.mask.empty() ? nullptr : p.mask.data();
        if (m_config.kind == OptimizerConfig::Kind::Sgd) {
            const float mom = m_config.momentum;
            for (size_t i = 0; i < n; ++i) {
                if (mask && !mask[i]) continue;
                float g = p.grad[i] + wd * p.value[i];
                if (mom != 0.0f) {
                    // torch: the first step initialises the buffer with the gradient.
                    m1[i] = m_steps == 1 ? g : mom * m1[i] + g;
                    g = m1[i];
                }
                p.value[i] -= lr * g;
            }
        } else {
            std::vector<float>& m2 = m_second[pi];
            const float b1 = m_config.beta1, b2 = m_config.beta2;
            const double c1 = 1.0 - std::pow(double(b1), double(m_steps));
            const double c2 = 1.0 - std::pow(double(b2), double(m_steps));
            const float stepSize = float(lr / c1), sqrtC2 = float(std::sqrt(c2));
            for (size_t i = 0; i < n; ++i) {
                if (mask && !mask[i]) continue;
                const float g = p.grad[i] + wd * p.value[i];
                m1[i] = b1 * m1[i] + (1 - b1) * g;
                m2[i] = b2 * m2[i] + (1 - b2) * g * g;
                p.value[i] -= stepSize * m1[i] / (std::sqrt(m2[i]) / sqrtC2 + m_config.epsilon);
            }
        }
        p.applyMask();
    }
}

void Optimizer::saveState(StateMap& state) const {
    state["optimizer.steps"] = {float(m_steps)};
    for (size_t i = 0; i < m_first.size(); ++i) {
        state["optimizer.m1." + m_names[i]] = m_first[i];
        if (i < m_second.size()) state["optimizer.m2." + m_names[i]] = m_second[i];
    }
}

void Optimizer::loadState(const StateMap& state, const std::vector<Parameter*>& params) {
    auto steps = state.find("optimizer.steps");
    if (steps == state.end() || steps->second.empty())
        throw Error("checkpoint has no optimizer state");
    m_steps = static_cast<int64_t>(steps->second[0]);
    m_first.clear(), m_second.clear(), m_names.clear();
    if (m_steps == 0) return;
    const bool adam = m_config.kind == OptimizerConfig::Kind::Adam;
    for (const Parameter* p : params) {
        auto a = state.find("optimizer.m1." + p->name);
        if (a == state.end() || a->second.size() != p->value.size())
            throw Error("checkpoint has no optimizer state for '" + p->name +
                        "' (was it written with another optimizer?)");
        m_first.push_back(a->second);
        if (adam) {
            auto b = state.find("optimizer.m2." + p->name);
            if (b == state.end() || b->second.size() != p->value.size())
                throw Error("checkpoint has no Adam state for '" + p->name + "'");
            m_second.push_back(b->second);
        }
        m_names.push_back(p->name);
    }
}

}  // namespace sparselab::train

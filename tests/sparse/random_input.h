// Shared by the sparse tests: a batch of standard-normal inputs of a model's input shape.
#pragma once

#include <random>

#include "core/model.h"
#include "core/tensor.h"

namespace sparselab::test {

/// n samples of `m.inputShape`, values drawn from N(0, 1) with a seeded generator.
inline Tensor randomInput(const Model& m, int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    Shape s{n};
    s.insert(s.end(), m.inputShape.begin(), m.inputShape.end());
    Tensor t(s);
    for (float& v : t.values()) v = d(rng);
    return t;
}

}  // namespace sparselab::test

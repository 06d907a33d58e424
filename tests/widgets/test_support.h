#pragma once

#include <QString>

#include "core/model.h"

namespace sparselab::test {

/// A scratch folder for this test (created; under $SPARSELAB_TEST_TMP when set).
QString scratchDir();
/// nupic.torch's sparse GSC architecture with random weights (seeded): 50/80/90 % zeros,
/// k = 1200/200/100 (buildGscModel).
ModelPtr sparseGscModel(uint32_t seed = 1);
/// A 1 s, 16 kHz test tone with a few harmonics and an envelope (deterministic).
std::vector<float> testTone(double hz = 440.0);
/// Fraction of exactly-zero elements of a tensor, counted here (not via model_stats).
double zeroFraction(const Tensor& t);

}  // namespace sparselab::test

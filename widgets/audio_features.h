#pragma once

#include <QString>
#include <span>
#include <vector>

#include "core/model.h"
#include "core/tensor.h"

namespace sparselab {

/// Reads an audio file as mono samples at `sampleRate` (any format libsndfile decodes).
/// Throws Error naming the file and the problem. Thread-safe.
std::vector<float> loadAudioSamples(const QString& path, int sampleRate = 16000);

/// The network input for one clip: Numenta's log-mel image [1, nMels, frames] computed with the
/// model's feature parameters. Planned LogMel objects are cached per parameter set. Thread-safe.
Tensor computeFeatures(const FeatureParams& params, std::span<const float> samples);

/// The word a sample clip's file name stands for ("three_1.wav" -> "three"), lower case.
QString labelFromClipName(const QString& fileName);

}  // namespace sparselab

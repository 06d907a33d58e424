#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <vector>

#include "core/model.h"
#include "core/tensor.h"
#include "log_mel.h"

namespace sparselab {

/// Supplies clip i as mono samples at the LogMel's sample rate. Called concurrently from
/// several threads with distinct i; must be thread-safe. May throw Error.
using ClipLoader = std::function<std::vector<float>(size_t index)>;

/// Loads and computes features for clips [first, first + count) on `threads` worker threads and
/// returns the network input batch [count, 1, nMels, frames]. The first Error thrown by a loader
/// is rethrown after all workers stop.
Tensor extractFeatureBatch(const LogMel& logMel, const ClipLoader& load, size_t first, size_t count,
                           int threads);

/// The feature parameters a model expects (its metadata, Numenta's defaults when absent).
/// Throws Error when the model's input shape is not [1, nMels, frames] for them.
FeatureParams featureParamsFor(const Model& model);

/// Reads an audio file (any format readAudioFile accepts), converts it to the LogMel's rate and
/// returns its features [1, nMels, frames]. Throws Error naming the file.
Tensor featuresFromFile(const LogMel& logMel, const std::filesystem::path& path);

}  // namespace sparselab

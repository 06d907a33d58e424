#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace sparselab {
class GscDataset;
class LogMel;
}  // namespace sparselab

namespace sparselab::train {

/// Precomputed network inputs for a list of clips: `variants` feature images per clip (variant
/// 0 is the clean clip, the others are waveform-augmented copies), and one label per clip.
/// Training picks a variant at random each epoch and augments it further in feature space.
struct FeatureSet {
    Shape sampleShape;  ///< per sample, e.g. {1, 32, 32}
    int variants = 1;
    std::vector<float> features;  ///< [clips][variants][numel(sampleShape)]
    std::vector<int> labels;      ///< class per clip
    std::vector<std::string> labelNames;
    std::vector<std::string> groups;  ///< optional per-clip tag (e.g. source engine) for reports

    int64_t clips() const { return static_cast<int64_t>(labels.size()); }
    int64_t sampleSize() const { return numel(sampleShape); }
    const float* sample(int64_t clip, int variant) const {
        return features.data() + (clip * variants + variant) * sampleSize();
    }
};

/// Waveform augmentation used to make the extra variants (Numenta's speed change plus the
/// microphone-like conditions DATA.md recommends); each applied with probability `prob`.
struct WaveAugmentConfig {
    double prob = 0.5;
    double maxSpeedChange = 0.15;  ///< resample by U(1 - x, 1 + x): tempo and pitch together
    double maxShiftSeconds = 0.1;  ///< circular-free time shift (zeros enter)
    double minSnrDb = 0.0, maxSnrDb = 20.0;  ///< background noise from _background_noise_
    double amplitudeMin = 0.7, amplitudeMax = 1.1;
};

/// Called with (clips done, clips total) while features are computed; return false to cancel
/// (buildFeatureSet then throws Error "cancelled").
using FeatureProgress = std::function<bool(int64_t done, int64_t total)>;

/// Loads every clip of `dataset`, computes `variants` feature images per clip with `logMel`
/// (variant 0 clean; variants > 0 waveform-augmented, deterministic from `seed`), on `threads`
/// threads. groups[i] is the clip's source engine when the speaker id starts with
/// "<engine>-" (the generated corpus' convention), else "".
FeatureSet buildFeatureSet(const GscDataset& dataset, const LogMel& logMel, int variants,
                           const WaveAugmentConfig& augment, uint32_t seed, int threads,
                           const FeatureProgress& progress = {});

/// Speaker-id prefix before the first '-' or '_' ("espeak-en-m3-12" -> "espeak"), "" if none.
std::string sourceGroupOf(const std::string& speaker);

}  // namespace sparselab::train

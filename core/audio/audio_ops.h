#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sparselab {

/// Averages the channels of interleaved frames into one mono signal. `channels` >= 1.
std::vector<float> downmixToMono(std::span<const float> interleaved, int channels);

/// Resamples mono audio from `fromRate` to `toRate` Hz with libsamplerate's best sinc converter
/// (band-limited, ~97 dB stopband). Returns a copy when the rates are equal. Thread-safe.
/// Throws Error (naming `source`) on invalid rates or a converter failure.
std::vector<float> resampleAudio(std::span<const float> mono, int fromRate, int toRate,
                                 const std::string& source = "audio");

/// Numenta's FixAudioLength: keeps the first `length` samples, or pads with zeros at the end.
std::vector<float> fitToLength(std::span<const float> samples, size_t length);

/// Numenta's noise test: x <- x * (1 - alpha) + alpha * U(-1, 1), with a deterministic
/// generator seeded by `seed` (std::mt19937). alpha in [0, 1].
void addUniformNoise(std::span<float> samples, float alpha, uint32_t seed);

/// Index of the first sample that is NaN or +-Inf, or -1 when all are finite.
int64_t firstNonFinite(std::span<const float> samples);

}  // namespace sparselab

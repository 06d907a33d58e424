#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace sparselab {

/// Mono audio samples (nominally in [-1, 1]) at a known sample rate.
struct AudioClip {
    std::vector<float> samples;
    int sampleRate = 0;

    double seconds() const {
        return sampleRate > 0 ? static_cast<double>(samples.size()) / sampleRate : 0.0;
    }
};

/// Limits applied while decoding, so a file's header can never make us allocate at will.
struct AudioReadLimits {
    double maxSeconds = 3600.0;  ///< longer files are rejected (background noise is ~1 min)
    int maxChannels = 64;
    int maxSampleRate = 768000;
};

/// Reads any format libsndfile decodes (WAV/AIFF/FLAC/OGG..., 8/16/24/32-bit int or float, any
/// rate and channel count), downmixes to mono and resamples to `targetRate` (0 keeps the file's
/// rate). Memory grows only with data actually read, never with what a header claims.
/// Throws Error naming the file and the problem: missing, empty, not audio, truncated or a
/// header that claims more data than the file holds, NaN/Inf samples, no samples, too long.
/// Thread-safe (no shared state).
AudioClip readAudioFile(const std::filesystem::path& path, int targetRate = 16000,
                        const AudioReadLimits& limits = {});

/// The in-memory counterpart (microphone, tests): interleaved frames of `channels` channels at
/// `sampleRate` -> mono at `targetRate` (0 keeps the rate). Rejects NaN/Inf and bad rates or
/// channel counts with an Error naming `source`.
AudioClip convertAudio(std::span<const float> interleaved, int channels, int sampleRate,
                       int targetRate = 16000, const std::string& source = "audio buffer");

/// Writes mono float samples as a 16-bit PCM WAV file (atomically); used by tools and tests.
/// Samples are clipped to [-1, 1]. Throws Error naming the file on failure.
void writeWav16(const std::filesystem::path& path, std::span<const float> samples, int sampleRate);

}  // namespace sparselab

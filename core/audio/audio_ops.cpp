#include "audio_ops.h"

#include <samplerate.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"

namespace sparselab {

std::vector<float> downmixToMono(std::span<const float> interleaved, int channels) {
    if (channels < 1) throw Error("downmix: channel count must be at least 1");
    if (channels == 1) return {interleaved.begin(), interleaved.end()};
    const size_t frames = interleaved.size() / static_cast<size_t>(channels);
    std::vector<float> mono(frames);
    const float scale = 1.0f / static_cast<float>(channels);
    for (size_t f = 0; f < frames; ++f) {
        const float* frame = interleaved.data() + f * static_cast<size_t>(channels);
        float sum = 0.0f;
        for (int c = 0; c < channels; ++c) sum += frame[c];
        mono[f] = sum * scale;
    }
    return mono;
}

std::vector<float> resampleAudio(std::span<const float> mono, int fromRate, int toRate,
                                 const std::string& source) {
    if (fromRate <= 0 || toRate <= 0)
        throw Error(source + ": invalid sample rate " + std::to_string(fromRate) + " -> " +
                    std::to_string(toRate) + " Hz");
    if (fromRate == toRate || mono.empty()) return {mono.begin(), mono.end()};
    const double ratio = static_cast<double>(toRate) / fromRate;
    if (ratio > 256.0 || ratio < 1.0 / 256.0)
        throw Error(source + ": cannot resample " + std::to_string(fromRate) + " Hz to " +
                    std::to_string(toRate) + " Hz (ratio beyond 256)");
    const size_t outFrames = static_cast<size_t>(std::ceil(mono.size() * ratio)) + 16;
    std::vector<float> out(outFrames);
    SRC_DATA data{};
    data.data_in = mono.data();
    data.input_frames = static_cast<long>(mono.size());
    data.data_out = out.data();
    data.output_frames = static_cast<long>(outFrames);
    data.src_ratio = ratio;
    data.end_of_input = 1;
    const int err = src_simple(&data, SRC_SINC_BEST_QUALITY, 1);
    if (err != 0)
        throw Error(source +
                    ": resampling failed (libsamplerate: " + std::string(src_strerror(err)) + ")");
    out.resize(static_cast<size_t>(data.output_frames_gen));
    return out;
}

std::vector<float> fitToLength(std::span<const float> samples, size_t length) {
    std::vector<float> out(length, 0.0f);
    std::copy_n(samples.begin(), std::min(length, samples.size()), out.begin());
    return out;
}

void addUniformNoise(std::span<float> samples, float alpha, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& x : samples) x = x * (1.0f - alpha) + alpha * u(rng);
}

int64_t firstNonFinite(std::span<const float> samples) {
    for (size_t i = 0; i < samples.size(); ++i)
        if (!std::isfinite(samples[i])) return static_cast<int64_t>(i);
    return -1;
}

}  // namespace sparselab

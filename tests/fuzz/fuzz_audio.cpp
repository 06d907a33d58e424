// libFuzzer harness: audio decoding (readAudioFile: libsndfile + SparseLab's WAV header checks),
// downmix, resampling to 16 kHz and Numenta's log-mel features. readAudioFile has no in-memory
// entry point, so each input is written to a scratch file (tmpfs when available).
// Invariants: only sparselab::Error escapes; a decoded clip is non-empty, finite, at 16 kHz,
// no longer than the limit allows; its features are finite and [1, 32, 32].
#include <cmath>

#include "core/audio/audio_file.h"
#include "core/audio/log_mel.h"
#include "core/error.h"
#include "fuzz_support.h"

using namespace sparselab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const LogMel logMel;  // Numenta's defaults: 16 kHz, 32 mels x 32 frames
    const auto path = fuzz::writeScratchFile("input.audio", fuzz::bytesOf(data, size));
    AudioReadLimits limits;
    limits.maxSeconds = 20.0;  // keeps one run fast; the check itself is what is exercised
    AudioClip clip;
    try {
        clip = readAudioFile(path, 16000, limits);
    } catch (const Error& e) {
        fuzz::noteRejected(e);
        return 0;
    }
    if (clip.sampleRate != 16000) fuzz::fail("decoded clip is not at 16 kHz");
    if (clip.samples.empty()) fuzz::fail("decoded clip has no samples");
    if (clip.seconds() > limits.maxSeconds + 1.0) fuzz::fail("decoded clip exceeds the limit");
    for (float x : clip.samples)
        if (!std::isfinite(x)) fuzz::fail("decoded clip has a non-finite sample");
    const Tensor features = logMel.compute(clip.samples);
    if (features.shape() != Shape{1, 32, 32}) fuzz::fail("features are not [1, 32, 32]");
    for (float x : features.values())
        if (!std::isfinite(x)) fuzz::fail("features have a non-finite value");
    return 0;
}

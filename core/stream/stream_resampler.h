#pragma once

#include <memory>
#include <span>
#include <vector>

namespace sparselab {

/// Converts an endless mono stream between sample rates block by block with libsamplerate's
/// stateful converter, so block edges leave no clicks (the one-shot resampleAudio() of
/// core/audio/audio_ops.h treats every call as a whole signal and would). Used on the consumer
/// side of live capture: device rate -> 16 kHz. Not thread-safe; one instance per stream.
class StreamResampler {
  public:
    /// Quality of the sinc converter; Medium keeps a 48 kHz stream well under 1 % of a core.
    enum class Quality { Fastest, Medium, Best };

    /// Throws Error on non-positive rates or a ratio beyond libsamplerate's 1/256..256.
    StreamResampler(double fromRate, double toRate, Quality quality = Quality::Medium);
    ~StreamResampler();
    StreamResampler(const StreamResampler&) = delete;
    StreamResampler& operator=(const StreamResampler&) = delete;

    /// Appends the resampled counterpart of `in` to `out` (the converter keeps a few ms of
    /// history, so output lags input slightly). A pass-through copy when the rates are equal.
    void process(std::span<const float> in, std::vector<float>& out);
    /// Forgets the history (new stream at the same rates).
    void reset();

    double fromRate() const { return m_from; }
    double toRate() const { return m_to; }

  private:
    struct State;
    double m_from, m_to;
    std::unique_ptr<State> m_state;  ///< null when the rates are equal
};

}  // namespace sparselab

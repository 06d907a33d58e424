#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/audio/log_mel.h"
#include "core/backend.h"
#include "core/data/label_scheme.h"
#include "core/stream/command_recognizer.h"

namespace sparselab {

/// Settings of StreamingDetector.
struct StreamingConfig {
    int hopMs = 100;  ///< a window is classified every hop (1..1000 ms)
    RecognizerConfig recognizer;
    /// Label override ("digits", "commands", "cat,dog"); empty: the model's labels.
    std::string labels;
};

/// A detected word (value type; safe to send across threads or queued signals).
struct Detection {
    std::string word;
    int index = -1;          ///< class index in model output order
    float score = 0.0f;      ///< averaged score that crossed the threshold
    double timeS = 0.0;      ///< stream time of the end of the window that fired, seconds
    double latencyMs = 0.0;  ///< wall time from arrival of that window's newest sample to now
};

/// One classified window (value type).
struct WindowResult {
    int64_t index = 0;          ///< 0, 1, 2, ... per window
    double timeS = 0.0;         ///< stream time of the window's end, seconds
    std::vector<float> scores;  ///< probabilities, model output order
    int topIndex = -1;          ///< argmax of this window's scores
    float levelDb = -120.0f;    ///< RMS of the newest hop, dBFS (input level meter)
    double inferenceMs = 0.0;   ///< features + model, wall time
    RecognizerDecision decision;
    std::optional<Detection> detection;
};

/// Running totals since the stream started.
struct StreamStats {
    int64_t windows = 0;        ///< windows classified
    int64_t samples = 0;        ///< samples pushed (at the model's rate)
    double audioSeconds = 0.0;  ///< the same in seconds
    double cpuSeconds = 0.0;    ///< thread CPU time spent in features + model
    double meanInferenceMs = 0.0, maxInferenceMs = 0.0;
    double meanLatencyMs = 0.0, maxLatencyMs = 0.0;  ///< over detections (end to end)
    int64_t detections = 0;
    /// cpuSeconds / seconds of audio: the fraction of one core the detector needs in real time.
    double cpuLoad() const { return audioSeconds > 0 ? cpuSeconds / audioSeconds : 0.0; }
};

/// The streaming keyword spotter without any audio device: push mono samples at the model's
/// feature rate (sampleRate(), 16 kHz for GSC models) as they
/// arrive; every hop it takes the last second (zeros before the stream started), computes the
/// model's log-mel features, runs the executor and feeds the scores to a CommandRecognizer.
/// Silence and unknown classes are never reported. Owns its executor; use from one thread
/// (a worker); results are plain values for the UI.
class StreamingDetector {
  public:
    using Clock = std::chrono::steady_clock;

    /// Throws Error when the input shape does not match the
    /// features, the labels do not fit the outputs, or the config is out of range.
    StreamingDetector(std::unique_ptr<Executor> executor, const StreamingConfig& config = {});
    ~StreamingDetector();

    /// Feeds samples; `arrival` is when the newest of them reached the program (for end-to-end
    /// latency). Returns one WindowResult per completed hop, oldest first.
    std::vector<WindowResult> push(std::span<const float> samples,
                                   Clock::time_point arrival = Clock::now());
    /// Observes every layer's output of every window (heatmaps); called on the pushing thread
    /// during push(); copy what you keep. Empty: no tap.
    void setActivationTap(ActivationTap tap) { m_tap = std::move(tap); }
    /// Starts a new stream (window back to zeros, recognizer and stats cleared).
    void reset();

    const StreamStats& stats() const { return m_stats; }
    const LabelScheme& labels() const { return m_labels; }
    const StreamingConfig& config() const { return m_config; }
    int hopSamples() const { return m_hop; }
    /// Rate push() expects (the model's FeatureParams::sampleRate).
    int sampleRate() const { return m_logMel.params().sampleRate; }
    const Executor& executor() const { return *m_executor; }

  private:
    WindowResult classify(Clock::time_point arrival);

    std::unique_ptr<Executor> m_executor;
    StreamingConfig m_config;
    LabelScheme m_labels;
    LogMel m_logMel;
    CommandRecognizer m_recognizer;
    int m_hop = 1600;
    std::vector<float> m_window;  ///< last clipSamples() samples, oldest first
    int m_pending = 0;            ///< samples since the last classified window
    enum class Output { Probabilities, LogProbabilities, Logits } m_output;
    StreamStats m_stats;
    ActivationTap m_tap;
    double m_latencySum = 0.0, m_inferenceSum = 0.0;
};

}  // namespace sparselab

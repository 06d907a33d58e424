#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace sparselab {

/// Tuning of CommandRecognizer (all times in milliseconds of stream time).
struct RecognizerConfig {
    int averageWindowMs = 300;  ///< scores are averaged over the results of this last span
    float threshold = 0.6f;     ///< averaged top score needed to report a word (0..1)
    int suppressionMs = 1000;   ///< no new detection (of any word) this long after one
    int minimumCount = 3;       ///< fewer results inside the averaging window: no decision
};

/// What CommandRecognizer decided for one result.
struct RecognizerDecision {
    int topIndex = -1;          ///< class with the highest averaged score (-1: too few results)
    float averageScore = 0.0f;  ///< its averaged score
    bool isNewCommand = false;  ///< true exactly once per detected word
};

/// Turns a stream of per-window class scores into word detections, after TensorFlow Lite Micro's
/// RecognizeCommands: average the scores of the results inside the last averageWindowMs, require
/// minimumCount of them spanning at least a quarter of the window, report the top class when its
/// average reaches the threshold. Two deliberate differences: suppression holds off every word
/// (TFLM lets a different word fire at once), and a word cannot fire twice in a row until another
/// class (silence included) has been on top in between, so a long word is never reported twice.
/// Ignored classes (silence, unknown) are never reported. Not thread-safe; a plain value type.
class CommandRecognizer {
  public:
    /// `ignored` lists class indices that are never reported. Throws Error on a bad config.
    CommandRecognizer(int numClasses, std::vector<int> ignored,
                      const RecognizerConfig& config = {});

    /// Adds the scores (numClasses values) of the window ending at `timeMs` and decides.
    /// Throws Error when the size is wrong or time goes backwards.
    RecognizerDecision process(std::span<const float> scores, int64_t timeMs);
    /// Forgets every result and detection (new stream).
    void reset();

    const RecognizerConfig& config() const { return m_config; }
    int numClasses() const { return m_numClasses; }

  private:
    struct Result {
        int64_t timeMs;
        std::vector<float> scores;
    };
    int m_numClasses;
    std::vector<bool> m_ignored;
    RecognizerConfig m_config;
    std::deque<Result> m_results;
    int m_lastDetected = -1;  ///< word reported last, until another class takes the top
    int64_t m_lastDetectionMs = 0;
    bool m_haveDetection = false;
};

}  // namespace sparselab

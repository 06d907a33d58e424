#include "command_recognizer.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace sparselab {

CommandRecognizer::CommandRecognizer(int numClasses, std::vector<int> ignored,
                                     const RecognizerConfig& config)
    : m_numClasses(numClasses),
      m_ignored(static_cast<size_t>(std::max(numClasses, 0)), false),
      m_config(config) {
    if (numClasses < 1) throw Error("recognizer: a model needs at least one output class");
    if (config.averageWindowMs < 0 || config.suppressionMs < 0 || config.minimumCount < 1)
        throw Error(
            "recognizer: averaging window and suppression must be >= 0 ms and the "
            "minimum count >= 1");
    if (!(config.threshold >= 0.0f && config.threshold <= 1.0f))
        throw Error("recognizer: threshold " + std::to_string(config.threshold) +
                    " is outside [0, 1]");
    for (int c : ignored)
        if (c >= 0 && c < numClasses) m_ignored[static_cast<size_t>(c)] = true;
}

void CommandRecognizer::reset() {
    m_results.clear();
    m_lastDetected = -1;
    m_haveDetection = false;
    m_lastDetectionMs = 0;
}

RecognizerDecision CommandRecognizer::process(std::span<const float> scores, int64_t timeMs) {
    if (static_cast<int>(scores.size()) != m_numClasses)
        throw Error("recognizer: got " + std::to_string(scores.size()) + " scores for " +
                    std::to_string(m_numClasses) + " classes");
    if (!m_results.empty() && timeMs < m_results.back().timeMs)
        throw Error("recognizer: result at " + std::to_string(timeMs) + " ms is older than " +
                    std::to_string(m_results.back().timeMs) + " ms");
    m_results.push_back({timeMs, {scores.begin(), scores.end()}});
    const int64_t limit = timeMs - m_config.averageWindowMs;
    while (!m_results.empty() && m_results.front().timeMs < limit) m_results.pop_front();

    RecognizerDecision d;
    const int64_t span = timeMs - m_results.front().timeMs;
    if (static_cast<int>(m_results.size()) < m_config.minimumCount ||
        span < m_config.averageWindowMs / 4)
        return d;

    std::vector<double> sum(static_cast<size_t>(m_numClasses), 0.0);
    for (const Result& r : m_results)
        for (int c = 0; c < m_numClasses; ++c)
            sum[static_cast<size_t>(c)] += r.scores[static_cast<size_t>(c)];
    int top = 0;
    for (int c = 1; c < m_numClasses; ++c)
        if (sum[static_cast<size_t>(c)] > sum[static_cast<size_t>(top)]) top = c;
    d.topIndex = top;
    d.averageScore = static_cast<float>(sum[static_cast<size_t>(top)] / m_results.size());

    if (top != m_lastDetected) m_lastDetected = -1;  // another class on top re-arms the word
    const bool suppressed = m_haveDetection && timeMs - m_lastDetectionMs <
                                                   static_cast<int64_t>(m_config.suppressionMs);
    if (!m_ignored[static_cast<size_t>(top)] && d.averageScore >= m_config.threshold &&
        !suppressed && top != m_lastDetected) {
        d.isNewCommand = true;
        m_lastDetected = top;
        m_lastDetectionMs = timeMs;
        m_haveDetection = true;
    }
    return d;
}

}  // namespace sparselab

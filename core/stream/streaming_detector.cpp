#include "streaming_detector.h"

#include <time.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sparselab {

namespace {

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

std::vector<int> ignoredClasses(const LabelScheme& labels) {
    std::vector<int> ignored;
    if (labels.silenceIndex() >= 0) ignored.push_back(labels.silenceIndex());
    if (labels.unknownIndex() >= 0) ignored.push_back(labels.unknownIndex());
    return ignored;
}

const Model& checkedModel(const std::unique_ptr<Executor>& executor) {
    if (!executor) throw Error("streaming detector: no executor given");
    return executor->model();
}

}  // namespace

StreamingDetector::StreamingDetector(std::unique_ptr<Executor> executor,
                                     const StreamingConfig& config)
    : m_executor(std::move(executor)),
      m_config(config),
      m_labels(LabelScheme::forModel(checkedModel(m_executor), config.labels)),
      m_logMel(m_executor->model().metadata.features),
      m_recognizer(m_labels.size(), ignoredClasses(m_labels), config.recognizer) {
    const Model& model = m_executor->model();
    if (config.hopMs < 1 || config.hopMs > 1000)
        throw Error("streaming detector: hop " + std::to_string(config.hopMs) +
                    " ms is outside 1..1000 ms");
    if (numel(model.inputShape) != m_logMel.featureSize())
        throw Error("model '" + model.name + "': input " + shapeToString(model.inputShape) +
                    " does not hold " + std::to_string(m_logMel.params().nMels) + "x" +
                    std::to_string(m_logMel.params().frames) + " log-mel features");
    m_hop = std::max(1, static_cast<int>(std::lround(sampleRate() * config.hopMs / 1000.0)));
    m_output = Output::Logits;
    if (!model.layers.empty()) {
        if (model.layers.back().is<SoftmaxParams>()) m_output = Output::Probabilities;
        if (model.layers.back().is<LogSoftmaxParams>()) m_output = Output::LogProbabilities;
    }
    reset();
}

StreamingDetector::~StreamingDetector() = default;

void StreamingDetector::reset() {
    m_window.assign(static_cast<size_t>(m_logMel.clipSamples()), 0.0f);
    m_pending = 0;
    m_recognizer.reset();
    m_stats = {};
    m_latencySum = m_inferenceSum = 0.0;
}

std::vector<WindowResult> StreamingDetector::push(std::span<const float> samples,
                                                  Clock::time_point arrival) {
    std::vector<WindowResult> results;
    const size_t clip = m_window.size();
    while (!samples.empty()) {
        const size_t take = std::min(samples.size(), static_cast<size_t>(m_hop - m_pending));
        // Slide the window: drop the oldest `take` samples, append the new ones.
        if (take >= clip) {
            std::copy(samples.begin() + static_cast<std::ptrdiff_t>(take - clip),
                      samples.begin() + static_cast<std::ptrdiff_t>(take), m_window.begin());
        } else {
            std::move(m_window.begin() + static_cast<std::ptrdiff_t>(take), m_window.end(),
                      m_window.begin());
            std::copy_n(samples.begin(), take, m_window.end() - static_cast<std::ptrdiff_t>(take));
        }
        samples = samples.subspan(take);
        m_pending += static_cast<int>(take);
        m_stats.samples += static_cast<int64_t>(take);
        if (m_pending == m_hop) {
            m_pending = 0;
            results.push_back(classify(arrival));
        }
    }
    m_stats.audioSeconds = static_cast<double>(m_stats.samples) / sampleRate();
    return results;
}

WindowResult StreamingDetector::classify(Clock::time_point arrival) {
    const auto wallStart = Clock::now();
    const double cpuStart = threadCpuSeconds();
    WindowResult r;
    r.index = m_stats.windows;
    r.timeS = static_cast<double>(m_stats.samples) / sampleRate();

    double sumSq = 0.0;
    for (auto it = m_window.end() - m_hop; it != m_window.end(); ++it) sumSq += double(*it) * *it;
    const double rms = std::sqrt(sumSq / m_hop);
    r.levelDb = rms > 1e-6 ? static_cast<float>(20.0 * std::log10(rms)) : -120.0f;

    Shape shape{1};
    const Shape& in = m_executor->model().inputShape;
    shape.insert(shape.end(), in.begin(), in.end());
    Tensor input(shape);
    m_logMel.computeInto(m_window, input.data());
    const Tensor out = m_executor->run(input, m_tap);
    r.scores.assign(out.values().begin(), out.values().end());
    if (m_output == Output::LogProbabilities) {
        for (float& s : r.scores) s = std::exp(s);
    } else if (m_output == Output::Logits) {
        const float top = *std::max_element(r.scores.begin(), r.scores.end());
        double sum = 0.0;
        for (float& s : r.scores) sum += (s = std::exp(s - top));
        for (float& s : r.scores) s = static_cast<float>(s / sum);
    }
    r.topIndex =
        static_cast<int>(std::max_element(r.scores.begin(), r.scores.end()) - r.scores.begin());
    r.decision = m_recognizer.process(r.scores, std::llround(r.timeS * 1000.0));

    const auto wallEnd = Clock::now();
    r.inferenceMs = std::chrono::duration<double, std::milli>(wallEnd - wallStart).count();
    if (r.decision.isNewCommand) {
        Detection d;
        d.index = r.decision.topIndex;
        d.word = m_labels.labels()[static_cast<size_t>(d.index)];
        d.score = r.decision.averageScore;
        d.timeS = r.timeS;
        d.latencyMs = std::chrono::duration<double, std::milli>(wallEnd - arrival).count();
        r.detection = d;
        ++m_stats.detections;
        m_latencySum += d.latencyMs;
        m_stats.maxLatencyMs = std::max(m_stats.maxLatencyMs, d.latencyMs);
        m_stats.meanLatencyMs = m_latencySum / m_stats.detections;
    }
    m_stats.cpuSeconds += threadCpuSeconds() - cpuStart;
    ++m_stats.windows;
    m_inferenceSum += r.inferenceMs;
    m_stats.maxInferenceMs = std::max(m_stats.maxInferenceMs, r.inferenceMs);
    m_stats.meanInferenceMs = m_inferenceSum / m_stats.windows;
    return r;
}

}  // namespace sparselab

// StreamingDetector: every window must be exactly what a one-shot classification of the last
// second gives (LogMel + a separate executor), whatever the push chunking; hop and level meter.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "core/audio/log_mel.h"
#include "core/backend.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/stream/streaming_detector.h"

using namespace sparselab;

namespace {

ModelPtr testModel() {
    static ModelPtr model =
        std::make_shared<const Model>(buildGscModel(GscConfig::preset("sparse"), 42));
    return model;
}

std::unique_ptr<Executor> denseExecutor() {
    static const BackendRegistry registry = BackendRegistry::withCpuBackends();
    return registry.require("cpu-dense").prepare(testModel(), {});
}

std::vector<float> testAudio(size_t n) {
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    std::vector<float> a(n);
    for (size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / 16000.0;
        const double burst = std::fmod(t, 0.7) < 0.3 ? 0.4 : 0.0;  // tone bursts over noise
        a[i] = noise(rng) + static_cast<float>(burst * std::sin(2 * std::numbers::pi * 700 * t));
    }
    return a;
}

}  // namespace

TEST(StreamingDetector, EveryWindowEqualsAOneShotClassificationOfTheLastSecond) {
    StreamingConfig config;
    config.hopMs = 100;
    StreamingDetector detector(denseExecutor(), config);
    ASSERT_EQ(detector.sampleRate(), 16000);
    ASSERT_EQ(detector.hopSamples(), 1600);

    const std::vector<float> audio = testAudio(40800);  // 2.55 s -> 25 full hops
    std::vector<WindowResult> results;
    std::mt19937 rng(5);
    std::uniform_int_distribution<size_t> chunk(1, 5000);
    for (size_t pos = 0; pos < audio.size();) {
        const size_t n = std::min(chunk(rng), audio.size() - pos);
        for (auto& r : detector.push({audio.data() + pos, n})) results.push_back(std::move(r));
        pos += n;
    }
    ASSERT_EQ(results.size(), 25u);
    EXPECT_EQ(detector.stats().windows, 25);
    EXPECT_EQ(detector.stats().samples, 40800);

    const LogMel logMel(testModel()->metadata.features);
    auto reference = denseExecutor();
    for (size_t k = 0; k < results.size(); ++k) {
        const WindowResult& r = results[k];
        const int64_t end = static_cast<int64_t>(k + 1) * 1600;
        EXPECT_EQ(r.index, static_cast<int64_t>(k));
        EXPECT_NEAR(r.timeS, end / 16000.0, 1e-9);
        std::vector<float> clip(16000, 0.0f);  // zeros before the stream started
        for (int64_t i = 0; i < 16000; ++i)
            if (end - 16000 + i >= 0)
                clip[static_cast<size_t>(i)] = audio[static_cast<size_t>(end - 16000 + i)];
        Tensor input = logMel.compute(clip);
        input = Tensor({1, 1, 32, 32}, {input.values().begin(), input.values().end()});
        const Tensor logProbs = reference->run(input);  // the GSC model ends in LogSoftmax
        ASSERT_EQ(r.scores.size(), static_cast<size_t>(logProbs.size()));
        double sum = 0.0;
        for (size_t c = 0; c < r.scores.size(); ++c) {
            EXPECT_NEAR(r.scores[c], std::exp(logProbs.data()[c]), 1e-5) << "window " << k;
            sum += r.scores[c];
        }
        EXPECT_NEAR(sum, 1.0, 1e-4);
        EXPECT_EQ(r.topIndex, std::max_element(logProbs.values().begin(), logProbs.values().end()) -
                                  logProbs.values().begin());
        EXPECT_GE(r.inferenceMs, 0.0);
    }
    EXPECT_GT(detector.stats().cpuSeconds, 0.0);
}

TEST(StreamingDetector, LevelMeterIsTheRmsOfTheNewestHop) {
    StreamingConfig config;
    config.hopMs = 50;
    StreamingDetector detector(denseExecutor(), config);
    std::vector<float> sine(3200);
    for (size_t i = 0; i < sine.size(); ++i)  // 0.5 * sin: RMS 0.5 / sqrt(2) = -9.03 dBFS
        sine[i] = 0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * 1000 * i / 16000.0));
    const auto loud = detector.push(sine);
    ASSERT_EQ(loud.size(), 4u);  // 3200 / 800
    for (const auto& r : loud) EXPECT_NEAR(r.levelDb, -9.03f, 0.02f);
    const auto quiet = detector.push(std::vector<float>(800, 0.0f));
    ASSERT_EQ(quiet.size(), 1u);
    EXPECT_LE(quiet[0].levelDb, -100.0f);
}

TEST(StreamingDetector, HopSetsTheWindowRateAndResetStartsOver) {
    StreamingConfig config;
    config.hopMs = 250;
    StreamingDetector detector(denseExecutor(), config);
    EXPECT_EQ(detector.push(std::vector<float>(3999, 0.1f)).size(), 0u);
    EXPECT_EQ(detector.push(std::vector<float>(1, 0.1f)).size(), 1u);
    EXPECT_EQ(detector.push(std::vector<float>(16000, 0.1f)).size(), 4u);
    detector.reset();
    EXPECT_EQ(detector.stats().windows, 0);
    const auto r = detector.push(std::vector<float>(4000, 0.1f));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].index, 0);
    EXPECT_NEAR(r[0].timeS, 0.25, 1e-9);
}

TEST(StreamingDetector, ActivationTapSeesEveryLayerOfEveryWindow) {
    StreamingDetector detector(denseExecutor());
    size_t calls = 0;
    detector.setActivationTap([&](const LayerOutput& o) {
        EXPECT_EQ(o.layer, &testModel()->layers[static_cast<size_t>(o.index)]);
        ++calls;
    });
    EXPECT_EQ(detector.push(std::vector<float>(3200, 0.01f)).size(), 2u);
    EXPECT_EQ(calls, 2 * testModel()->layers.size());
}

TEST(StreamingDetector, RejectsBadSettings) {
    StreamingConfig config;
    config.hopMs = 0;
    EXPECT_THROW(StreamingDetector(denseExecutor(), config), Error);
    config.hopMs = 100;
    config.labels = "yes,no";  // 4 classes for a 12-output model
    EXPECT_THROW(StreamingDetector(denseExecutor(), config), Error);
    EXPECT_THROW(StreamingDetector(nullptr, StreamingConfig{}), Error);
}

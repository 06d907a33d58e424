// StreamResampler: streaming in odd blocks gives the same signal as converting it in one go
// (core/audio's resampleAudio, an independent one-shot path) and an analytic sine.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/audio/audio_ops.h"
#include "core/stream/stream_resampler.h"

using namespace sparselab;

TEST(StreamResampler, BlockwiseEqualsOneShotAndTheAnalyticSine) {
    const int from = 44100, to = 16000;
    std::vector<float> in(from);  // 1 s of a 440 Hz sine, amplitude 0.5
    for (size_t i = 0; i < in.size(); ++i)
        in[i] = 0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * 440 * i / from));
    StreamResampler stream(from, to);
    std::vector<float> out;
    const size_t blocks[] = {1, 441, 17, 4096, 1000, 3};
    size_t pos = 0, b = 0;
    while (pos < in.size()) {
        const size_t n = std::min(blocks[b++ % 6], in.size() - pos);
        stream.process({in.data() + pos, n}, out);
        pos += n;
    }
    const std::vector<float> oneShot = resampleAudio(in, from, to);
    // The stateful converter holds back its last few ms (no end of input): most comes out.
    ASSERT_GT(out.size(), 15500u);
    ASSERT_LE(out.size(), oneShot.size());
    double maxDiff = 0.0, maxAnalytic = 0.0;
    for (size_t i = 200; i < out.size() - 200; ++i) {  // skip the edges
        maxDiff = std::max(maxDiff, std::abs(double(out[i]) - oneShot[i]));
        const double expected = 0.5 * std::sin(2 * std::numbers::pi * 440 * i / to);
        maxAnalytic = std::max(maxAnalytic, std::abs(out[i] - expected));
    }
    EXPECT_LT(maxDiff, 2e-3);
    EXPECT_LT(maxAnalytic, 2e-3);
}

TEST(StreamResampler, EqualRatesPassThrough) {
    StreamResampler same(16000, 16000);
    std::vector<float> out;
    same.process(std::vector<float>{0.1f, 0.2f, 0.3f}, out);
    EXPECT_EQ(out, (std::vector<float>{0.1f, 0.2f, 0.3f}));
}

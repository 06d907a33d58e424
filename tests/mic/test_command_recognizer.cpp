// CommandRecognizer on synthetic score streams; expected values are worked out by hand in the
// comments (averages of the listed results).
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "core/stream/command_recognizer.h"

using namespace sparselab;

namespace {

// Classes: 0 = "yes", 1 = "no", 2 = silence (ignored).
constexpr int kSilence = 2;

RecognizerConfig config(int averageMs, float threshold, int suppressionMs, int minCount) {
    RecognizerConfig c;
    c.averageWindowMs = averageMs;
    c.threshold = threshold;
    c.suppressionMs = suppressionMs;
    c.minimumCount = minCount;
    return c;
}

}  // namespace

TEST(CommandRecognizer, AveragesTheResultsInsideTheWindow) {
    CommandRecognizer r(3, {kSilence}, config(500, 0.6f, 1000, 3));
    // Two results only: below the minimum count, no decision at all.
    EXPECT_EQ(r.process(std::vector<float>{0.9f, 0.1f, 0.0f}, 0).topIndex, -1);
    EXPECT_EQ(r.process(std::vector<float>{0.3f, 0.7f, 0.0f}, 100).topIndex, -1);
    // Third: yes = (0.9 + 0.3 + 0.9) / 3 = 0.7 >= 0.6 -> a new "yes".
    const RecognizerDecision d = r.process(std::vector<float>{0.9f, 0.1f, 0.0f}, 200);
    EXPECT_EQ(d.topIndex, 0);
    EXPECT_NEAR(d.averageScore, 0.7f, 1e-6f);
    EXPECT_TRUE(d.isNewCommand);
}

TEST(CommandRecognizer, DropsResultsOlderThanTheWindow) {
    CommandRecognizer r(3, {kSilence}, config(300, 0.99f, 0, 1));
    r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 0);
    r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 100);
    r.process(std::vector<float>{0.0f, 1.0f, 0.0f}, 200);
    r.process(std::vector<float>{0.0f, 1.0f, 0.0f}, 300);
    // At 400 ms the window is [100, 400]: yes = (1 + 0 + 0 + 0) / 4 = 0.25, no = 0.75.
    RecognizerDecision d = r.process(std::vector<float>{0.0f, 1.0f, 0.0f}, 400);
    EXPECT_EQ(d.topIndex, 1);
    EXPECT_NEAR(d.averageScore, 0.75f, 1e-6f);
    // At 500 ms: [200, 500], all "no" -> 1.0.
    d = r.process(std::vector<float>{0.0f, 1.0f, 0.0f}, 500);
    EXPECT_NEAR(d.averageScore, 1.0f, 1e-6f);
    EXPECT_TRUE(d.isNewCommand);
}

TEST(CommandRecognizer, NeedsTheThreshold) {
    CommandRecognizer r(3, {kSilence}, config(1000, 0.6f, 0, 1));
    // One result spans 0 ms < 1000 / 4: no decision; then averages of 0.59 stay below 0.6.
    EXPECT_FALSE(r.process(std::vector<float>{0.59f, 0.41f, 0.0f}, 0).isNewCommand);
    EXPECT_FALSE(r.process(std::vector<float>{0.59f, 0.41f, 0.0f}, 300).isNewCommand);
    EXPECT_FALSE(r.process(std::vector<float>{0.59f, 0.41f, 0.0f}, 400).isNewCommand);
    // (0.59 * 3 + 0.83) / 4 = 0.65 -> fires.
    const RecognizerDecision d = r.process(std::vector<float>{0.83f, 0.17f, 0.0f}, 500);
    EXPECT_NEAR(d.averageScore, 0.65f, 1e-6f);
    EXPECT_TRUE(d.isNewCommand);
}

TEST(CommandRecognizer, NeedsMinimumCountAndAQuarterWindowSpan) {
    CommandRecognizer r(3, {kSilence}, config(400, 0.5f, 0, 3));
    EXPECT_EQ(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 0).topIndex, -1);
    EXPECT_EQ(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 10).topIndex, -1);
    // Three results, but they span 20 ms < 400 / 4 = 100 ms: still no decision.
    EXPECT_EQ(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 20).topIndex, -1);
    EXPECT_TRUE(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 100).isNewCommand);
}

TEST(CommandRecognizer, SuppressesEveryWordAfterADetection) {
    CommandRecognizer r(3, {kSilence}, config(0, 0.6f, 1000, 1));  // window 0: no averaging
    EXPECT_TRUE(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 0).isNewCommand);
    // "no" is on top from 100 ms on, but suppressed until 0 + 1000 ms.
    int64_t fired = -1;
    for (int64_t t = 100; t <= 2000 && fired < 0; t += 100)
        if (r.process(std::vector<float>{0.0f, 1.0f, 0.0f}, t).isNewCommand) fired = t;
    EXPECT_EQ(fired, 1000);
}

TEST(CommandRecognizer, ALongWordFiresOnceAndAgainAfterAnotherClass) {
    CommandRecognizer r(3, {kSilence}, config(200, 0.55f, 500, 1));
    int detections = 0;
    for (int64_t t = 0; t <= 3000; t += 100)
        detections += r.process(std::vector<float>{0.9f, 0.1f, 0.0f}, t).isNewCommand;
    EXPECT_EQ(detections, 1);  // three seconds of "yes" past several suppression periods: once
    for (int64_t t = 3100; t <= 3500; t += 100)  // silence takes the top (never reported)
        EXPECT_FALSE(r.process(std::vector<float>{0.0f, 0.0f, 1.0f}, t).isNewCommand);
    int64_t again = -1;
    for (int64_t t = 3600; t <= 4000 && again < 0; t += 100)
        if (r.process(std::vector<float>{0.9f, 0.1f, 0.0f}, t).isNewCommand) again = t;
    // Window 200 ms at 3600: {3400 s, 3500 s, 3600 yes} -> yes 0.3; at 3700: {3500 s, 3600 yes,
    // 3700 yes} -> yes 0.6 >= 0.55 -> fires.
    EXPECT_EQ(again, 3700);
}

TEST(CommandRecognizer, NeverReportsIgnoredClasses) {
    CommandRecognizer r(3, {kSilence}, config(300, 0.5f, 0, 1));
    for (int64_t t = 0; t <= 2000; t += 100) {
        const RecognizerDecision d = r.process(std::vector<float>{0.0f, 0.0f, 1.0f}, t);
        EXPECT_FALSE(d.isNewCommand);
        if (d.topIndex >= 0) {
            EXPECT_EQ(d.topIndex, kSilence);
        }
    }
}

TEST(CommandRecognizer, ResetForgetsTheStream) {
    CommandRecognizer r(3, {kSilence}, config(0, 0.6f, 5000, 1));
    EXPECT_TRUE(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 1000).isNewCommand);
    r.reset();
    // Earlier time is fine after a reset, and no suppression is left.
    EXPECT_TRUE(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 0).isNewCommand);
}

TEST(CommandRecognizer, RejectsBadInput) {
    EXPECT_THROW(CommandRecognizer(0, {}), Error);
    EXPECT_THROW(CommandRecognizer(3, {}, config(500, 1.5f, 0, 1)), Error);
    EXPECT_THROW(CommandRecognizer(3, {}, config(500, 0.5f, 0, 0)), Error);
    EXPECT_THROW(CommandRecognizer(3, {}, config(-1, 0.5f, 0, 1)), Error);
    CommandRecognizer r(3, {kSilence});
    EXPECT_THROW(r.process(std::vector<float>{1.0f, 0.0f}, 0), Error);
    r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 100);
    EXPECT_THROW(r.process(std::vector<float>{1.0f, 0.0f, 0.0f}, 50), Error);
}

// AudioCapture without a usable device: it must not throw, must say why, and must keep waiting.
#include <gtest/gtest.h>

#include "core/capture/audio_capture.h"

using namespace sparselab;

TEST(AudioCapture, AMissingNamedDeviceWaitsAndSaysSo) {
    CaptureOptions options;
    options.device = "no-such-microphone-7f3a";
    options.retrySeconds = 0.0;
    AudioCapture capture(options);
    EXPECT_FALSE(capture.start());
    CaptureStatus s = capture.status();
    EXPECT_EQ(s.state, CaptureState::WaitingForDevice);
    EXPECT_NE(s.message.find("waiting"), std::string::npos) << s.message;
    capture.poll();  // a re-scan finds nothing either, and does not throw
    s = capture.status();
    EXPECT_EQ(s.state, CaptureState::WaitingForDevice);
    EXPECT_EQ(s.framesCaptured, 0u);
    capture.stop();
    EXPECT_EQ(capture.status().state, CaptureState::Stopped);
}

TEST(AudioCapture, DeviceListIsConsistent) {
    std::string error;
    for (const AudioDeviceInfo& d : listAudioInputs(&error)) {
        EXPECT_GE(d.index, 0);
        EXPECT_GE(d.maxInputChannels, 1);
        EXPECT_FALSE(d.name.empty());
    }
}

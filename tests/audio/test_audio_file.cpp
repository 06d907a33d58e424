// Audio decoding, downmix and resampling against sox; every malformed input rejected with a
// message that names the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "audio_test_util.h"
#include "core/audio/audio_file.h"
#include "core/audio/audio_ops.h"
#include "core/error.h"

namespace sparselab {
namespace {

using namespace sparselab::test;
using ::testing::HasSubstr;

struct Compare {
    double maxAbs = 0.0;
    double snrDb = 0.0;
};

/// Compares two signals over their common length, skipping `edge` samples at both ends (the
/// resamplers' filters treat the borders differently).
Compare compare(const std::vector<float>& a, const std::vector<float>& b, size_t edge) {
    const size_t n = std::min(a.size(), b.size());
    double err = 0.0, sig = 0.0, maxAbs = 0.0;
    for (size_t i = edge; i + edge < n; ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        err += d * d;
        sig += static_cast<double>(b[i]) * b[i];
        maxAbs = std::max(maxAbs, std::abs(d));
    }
    return {maxAbs, 10.0 * std::log10(sig / std::max(err, 1e-30))};
}

class AudioFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = scratch(::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    /// Expects readAudioFile(path) to throw an Error naming the file and containing `what`.
    void expectRejected(const fs::path& path, const std::string& what) {
        try {
            readAudioFile(path);
            ADD_FAILURE() << path << " was accepted";
        } catch (const Error& e) {
            EXPECT_THAT(e.what(), HasSubstr(path.string()));
            EXPECT_THAT(e.what(), HasSubstr(what));
        }
    }
    fs::path dir;
};

TEST_F(AudioFileTest, DownmixAndResampleMatchSox) {
    const fs::path orig = dir / "orig16.wav";
    speak("seven", "en-us", orig);
    // Stereo 44.1 kHz with different channels (left = x, right = 0.5 x), mono 8 kHz.
    const fs::path stereo = dir / "stereo44.wav", mono8 = dir / "mono8.wav";
    ASSERT_EQ(sh("sox -D " + q(orig) + " -b 16 " + q(stereo) + " remix 1 1v0.5 rate 44100"), 0);
    ASSERT_EQ(sh("sox -D " + q(orig) + " -b 16 " + q(mono8) + " rate 8000"), 0);
    for (const fs::path& src : {stereo, mono8}) {
        // sox's own conversion to 16 kHz mono (channels averaged), as float to avoid rounding.
        const fs::path ref = dir / (src.stem().string() + "_sox16.wav");
        ASSERT_EQ(
            sh("sox -D " + q(src) + " -e floating-point -b 32 -c 1 " + q(ref) + " rate -v 16000"),
            0);
        const AudioClip ours = readAudioFile(src, 16000);
        const AudioClip theirs = readAudioFile(ref, 0);
        ASSERT_EQ(ours.sampleRate, 16000);
        ASSERT_EQ(theirs.sampleRate, 16000);
        EXPECT_NEAR(static_cast<double>(ours.samples.size()), theirs.samples.size(), 2.0);
        const Compare c = compare(ours.samples, theirs.samples, 64);
        // Two different band-limited resamplers: they agree to better than 40 dB SNR (measured
        // ~60-70 dB); nearest-sample or linear interpolation would land far below that.
        EXPECT_GT(c.snrDb, 40.0) << src;
        EXPECT_LT(c.maxAbs, 0.01) << src;
    }
}

TEST_F(AudioFileTest, DownmixAverages) {
    const std::vector<float> stereo{1.0f, 0.0f, 0.5f, -0.5f, 0.25f, 0.75f};
    EXPECT_EQ(downmixToMono(stereo, 2), (std::vector<float>{0.5f, 0.0f, 0.5f}));
    const AudioClip clip = convertAudio(stereo, 2, 16000, 0);
    EXPECT_EQ(clip.samples.size(), 3u);
    EXPECT_EQ(clip.sampleRate, 16000);
}

TEST_F(AudioFileTest, ReadsIntAndFloatFormatsAlike) {
    const fs::path orig = dir / "orig16.wav";
    speak("go", "en-gb", orig);
    const AudioClip ref = readAudioFile(orig, 0);
    const std::vector<std::pair<std::string, std::string>> formats{
        {"-b 8 -e unsigned", "u8.wav"},         {"-b 24", "s24.wav"},  {"-b 32", "s32.wav"},
        {"-e floating-point -b 32", "f32.wav"}, {"-b 16", "s16.flac"}, {"-b 16", "s16.aiff"}};
    for (const auto& [fmt, name] : formats) {
        const fs::path out = dir / name;
        ASSERT_EQ(sh("sox -D " + q(orig) + " " + fmt + " " + q(out)), 0) << fmt;
        const AudioClip c = readAudioFile(out, 0);
        ASSERT_EQ(c.samples.size(), ref.samples.size()) << name;
        const double tol = fmt.find("-b 8") != std::string::npos ? 1.0 / 64 : 1e-4;
        EXPECT_LT(compare(c.samples, ref.samples, 0).maxAbs, tol) << name;
    }
}

TEST_F(AudioFileTest, FitToLengthPadsAndCutsLikeNumenta) {
    const std::vector<float> x{1, 2, 3};
    EXPECT_EQ(fitToLength(x, 5), (std::vector<float>{1, 2, 3, 0, 0}));
    EXPECT_EQ(fitToLength(x, 2), (std::vector<float>{1, 2}));
}

TEST_F(AudioFileTest, RejectsMissingEmptyAndDirectories) {
    expectRejected(dir / "absent.wav", "no such file");
    std::ofstream(dir / "empty.wav").close();
    expectRejected(dir / "empty.wav", "empty");
    fs::create_directories(dir / "folder.wav");
    expectRejected(dir / "folder.wav", "not a regular file");
}

TEST_F(AudioFileTest, RejectsTextRenamedWav) {
    std::ofstream(dir / "notes.wav") << "These are not samples, just a text file renamed.\n";
    expectRejected(dir / "notes.wav", "not an audio file");
    // Random bytes that start like a RIFF file but hold no valid chunks.
    const std::string junk("RIFF\x10\0\0\0WAVEjunk\xff\xff\0\0junkjunkjunk", 32);
    std::ofstream(dir / "junk.wav", std::ios::binary).write(junk.data(), 32);
    expectRejected(dir / "junk.wav", "junk.wav");
}

TEST_F(AudioFileTest, RejectsTruncatedAndLyingHeaders) {
    std::vector<float> tone(16000);
    for (size_t i = 0; i < tone.size(); ++i) tone[i] = 0.5f * std::sin(0.05f * i);
    const fs::path good = dir / "good.wav";
    writeWav16(good, tone, 16000);
    EXPECT_EQ(readAudioFile(good, 0).samples.size(), 16000u);

    const fs::path cut = dir / "truncated.wav";
    fs::copy_file(good, cut);
    fs::resize_file(cut, 44 + 10000);
    expectRejected(cut, "truncated");

    const fs::path liar = dir / "lying.wav";  // data chunk claims ~2 GB
    fs::copy_file(good, liar);
    {
        std::fstream f(liar, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(40);
        const uint32_t huge = 0x7ffffff0u;
        f.write(reinterpret_cast<const char*>(&huge), 4);
    }
    expectRejected(liar, "claims");

    const fs::path headerOnly = dir / "header_only.wav";
    writeWav16(headerOnly, {}, 16000);
    expectRejected(headerOnly, "no samples");

    // A FLAC cut in half: libsndfile decodes fewer frames than the stream header announces.
    const fs::path flac = dir / "half.flac";
    ASSERT_EQ(sh("sox -D " + q(good) + " " + q(dir / "full.flac")), 0);
    fs::copy_file(dir / "full.flac", flac);
    fs::resize_file(flac, fs::file_size(flac) / 2);
    expectRejected(flac, "half.flac");
}

TEST_F(AudioFileTest, RejectsNanAndInfSamples) {
    std::vector<float> x(2000, 0.1f);
    x[1234] = std::nanf("");
    writeFloatWav(dir / "nan.wav", x, 1, 16000);
    expectRejected(dir / "nan.wav", "NaN");
    x[1234] = 0.0f;
    x[77] = INFINITY;
    writeFloatWav(dir / "inf.wav", x, 2, 16000);
    expectRejected(dir / "inf.wav", "infinite");
    EXPECT_THROW(convertAudio(x, 1, 16000, 16000, "mic"), Error);
    EXPECT_THROW(convertAudio(std::vector<float>(3, 0.0f), 2, 16000, 16000, "mic"), Error);
}

}  // namespace
}  // namespace sparselab

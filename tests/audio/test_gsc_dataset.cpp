// The GSC loader on a hand-built folder whose every count is known: splits, unknown mapping,
// silence cuts, short clips, speaker ids, label schemes and bad layouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "audio_test_util.h"
#include "core/audio/audio_file.h"
#include "core/data/gsc_dataset.h"
#include "core/error.h"
#include "core/gsc_presets.h"

namespace sparselab {
namespace {

using namespace sparselab::test;
using ::testing::HasSubstr;

std::vector<float> tone(size_t n, float freq) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = 0.3f * std::sin(freq * static_cast<float>(i));
    return x;
}

/// zero: 2 clips of speaker aaaa1111 (train) + 1 of bbbb2222 (validation); one: a 0.5 s clip
/// (test); bed: unknown (test); yes: train; 10 s of background noise; stray files.
fs::path makeCorpus(const std::string& name) {
    const fs::path root = scratch(name);
    for (const char* d : {"zero", "one", "bed", "yes", "_background_noise_"})
        fs::create_directories(root / d);
    writeWav16(root / "zero/aaaa1111_nohash_0.wav", tone(16000, 0.01f), 16000);
    writeWav16(root / "zero/aaaa1111_nohash_1.wav", tone(16000, 0.02f), 16000);
    writeWav16(root / "zero/bbbb2222_nohash_0.wav", tone(16000, 0.03f), 16000);
    writeWav16(root / "one/cccc3333_nohash_0.wav", tone(8000, 0.04f), 16000);
    writeWav16(root / "bed/dddd4444_nohash_0.wav", tone(16000, 0.05f), 16000);
    writeWav16(root / "yes/eeee5555_nohash_0.wav", tone(16000, 0.06f), 16000);
    std::vector<float> noise(160000);
    for (size_t i = 0; i < noise.size(); ++i)
        noise[i] = static_cast<float>(i) / noise.size();  // a ramp: offsets are recoverable
    writeWav16(root / "_background_noise_/ramp.wav", noise, 16000);
    std::ofstream(root / "_background_noise_/README.md") << "not audio";
    std::ofstream(root / "LICENSE") << "CC-BY";
    std::ofstream(root / "zero/.DS_Store") << "junk";
    std::ofstream(root / "validation_list.txt") << "zero/bbbb2222_nohash_0.wav\n";
    std::ofstream(root / "testing_list.txt")
        << "one/cccc3333_nohash_0.wav\r\nbed/dddd4444_nohash_0.wav\r\n\r\n";
    return root;
}

std::multiset<std::string> words(const GscDataset& d) {
    std::multiset<std::string> w;
    for (const GscClip& c : d.clips()) w.insert(c.word);
    return w;
}

TEST(GscDataset, SplitsFollowTheLists) {
    const fs::path root = makeCorpus("gsc_splits");
    GscOptions o;
    o.silenceShare = 0.0;
    o.split = GscSplit::Train;
    const GscDataset train = GscDataset::open(root, o);
    EXPECT_EQ(words(train), (std::multiset<std::string>{"zero", "zero", "yes"}));
    o.split = GscSplit::Validation;
    EXPECT_EQ(words(GscDataset::open(root, o)), (std::multiset<std::string>{"zero"}));
    o.split = GscSplit::Test;
    const GscDataset test = GscDataset::open(root, o);
    EXPECT_EQ(words(test), (std::multiset<std::string>{"one", "bed"}));
    o.split = GscSplit::All;
    EXPECT_EQ(GscDataset::open(root, o).size(), 6u);
    EXPECT_EQ(train.words(), (std::vector<std::string>{"bed", "one", "yes", "zero"}));
    ASSERT_EQ(train.noiseFiles().size(), 1u);
    // Speaker ids and labels (digits: zero = 0, one = 1, unknown = 10, silence = 11).
    for (const GscClip& c : train.clips()) {
        if (c.word == "zero") {
            EXPECT_EQ(c.speaker, "aaaa1111");
            EXPECT_EQ(c.label, 0);
        }
        if (c.word == "yes") {
            EXPECT_EQ(c.label, 10);
        }
    }
    for (const GscClip& c : test.clips()) EXPECT_EQ(c.label, c.word == "one" ? 1 : 10);
}

TEST(GscDataset, LabelSchemesMapWordsAndUnknown) {
    const fs::path root = makeCorpus("gsc_schemes");
    GscOptions o;
    o.silenceShare = 0.0;
    o.split = GscSplit::All;
    o.scheme = LabelScheme::commands();
    const GscDataset cmds = GscDataset::open(root, o);
    EXPECT_EQ(cmds.classCounts(), (std::vector<int64_t>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0}));
    o.scheme = LabelScheme::parse("bed, zero");
    EXPECT_EQ(o.scheme.labels(), (std::vector<std::string>{"bed", "zero", "unknown", "silence"}));
    EXPECT_EQ(GscDataset::open(root, o).classCounts(), (std::vector<int64_t>{1, 3, 2, 0}));
    // A scheme without "unknown" drops other words.
    o.scheme = LabelScheme::fromLabels({"zero", "one"});
    EXPECT_EQ(GscDataset::open(root, o).classCounts(), (std::vector<int64_t>{3, 1}));
    // Unknown subsampling: 3 known clips, share 0.25 -> floor(0.25 * 3 / 0.75) = 1 unknown.
    o.scheme = LabelScheme::parse("zero");
    o.maxUnknownShare = 0.25;
    EXPECT_EQ(GscDataset::open(root, o).classCounts(), (std::vector<int64_t>{3, 1, 0}));
    EXPECT_THROW(LabelScheme::parse("a,,b"), Error);
    EXPECT_THROW(LabelScheme::fromLabels({"a", "a"}), Error);
}

TEST(GscDataset, ShortClipsArePaddedAtTheEnd) {
    const fs::path root = makeCorpus("gsc_short");
    GscOptions o;
    o.silenceShare = 0.0;
    const GscDataset test = GscDataset::open(root, o);
    for (size_t i = 0; i < test.size(); ++i) {
        if (test.clips()[i].word != "one") continue;
        const std::vector<float> x = test.loadSamples(i);
        const std::vector<float> file = readAudioFile(test.clips()[i].path, 0).samples;
        ASSERT_EQ(x.size(), 16000u);
        ASSERT_EQ(file.size(), 8000u);
        for (size_t k = 0; k < 8000; ++k) ASSERT_EQ(x[k], file[k]);
        for (size_t k = 8000; k < 16000; ++k) ASSERT_EQ(x[k], 0.0f);
    }
}

TEST(GscDataset, SilenceIsCutFromItsShareOfTheNoise) {
    const fs::path root = makeCorpus("gsc_silence");
    const std::vector<float> ramp = readAudioFile(root / "_background_noise_/ramp.wav").samples;
    GscOptions o;
    o.silenceShare = 0.5;  // 3 training words -> 3 silence clips
    o.split = GscSplit::Train;
    o.seed = 7;
    const GscDataset train = GscDataset::open(root, o);
    EXPECT_EQ(train.classCounts()[11], 3);
    for (size_t i = 0; i < train.size(); ++i) {
        const GscClip& c = train.clips()[i];
        if (!c.silence) continue;
        EXPECT_EQ(c.label, 11);
        EXPECT_LE(c.noiseOffset + 16000, static_cast<int64_t>(0.8 * ramp.size()));  // train part
        const std::vector<float> x = train.loadSamples(i);
        for (size_t k = 0; k < 16000; k += 999)
            EXPECT_FLOAT_EQ(x[k], ramp[static_cast<size_t>(c.noiseOffset) + k] * c.noiseGain);
    }
    // Same seed, same cuts; test silence comes from the last 10 % of the file.
    const GscDataset again = GscDataset::open(root, o);
    EXPECT_EQ(again.clips().back().noiseOffset, train.clips().back().noiseOffset);
    o.split = GscSplit::Test;  // 2 words -> 2 silence clips
    const GscDataset test = GscDataset::open(root, o);
    EXPECT_EQ(test.classCounts()[11], 2);
    for (const GscClip& c : test.clips())
        if (c.silence) {
            EXPECT_GE(c.noiseOffset, static_cast<int64_t>(0.9 * ramp.size()));
        }
    // Without background noise, silence is all zeros.
    fs::remove_all(root / "_background_noise_");
    const GscDataset quiet = GscDataset::open(root, o);
    for (size_t i = 0; i < quiet.size(); ++i) {
        if (!quiet.clips()[i].silence) continue;
        for (float v : quiet.loadSamples(i)) ASSERT_EQ(v, 0.0f);
    }
}

TEST(GscDataset, BadLayoutsAreNamed) {
    const fs::path missing = scratch("gsc_bad") / "nowhere";
    try {
        GscDataset::open(missing);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr(missing.string()));
    }
    const fs::path empty = scratch("gsc_empty");
    EXPECT_THROW(GscDataset::open(empty), Error);

    const fs::path root = makeCorpus("gsc_badlist");
    std::ofstream(root / "testing_list.txt", std::ios::app) << "zero/ghost_nohash_9.wav\n";
    try {
        GscDataset::open(root);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("testing_list.txt:4"));
        EXPECT_THAT(e.what(), HasSubstr("ghost"));
    }
    fs::remove(root / "testing_list.txt");
    EXPECT_THROW(GscDataset::open(root), Error);  // test split needs the list
    GscOptions all;
    all.split = GscSplit::All;
    EXPECT_EQ(GscDataset::open(root, all).clips().front().word, "bed");
    // A corrupt clip is reported by name when loaded.
    std::ofstream(root / "bed/dddd4444_nohash_0.wav", std::ios::trunc) << "oops";
    const GscDataset d = GscDataset::open(root, all);
    try {
        d.loadSamples(0);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("dddd4444_nohash_0.wav"));
    }
}

TEST(GscDataset, ParsesSplitsAndSpeakers) {
    EXPECT_EQ(parseGscSplit("validation"), GscSplit::Validation);
    EXPECT_FALSE(parseGscSplit("dev"));
    EXPECT_EQ(gscSpeakerOf("3c257192_nohash_0.wav"), "3c257192");
    EXPECT_EQ(gscSpeakerOf("odd.wav"), "odd");
    Model m = buildGscModel(GscConfig::preset("dense"), 1);
    m.metadata.hasLabels = false;
    EXPECT_EQ(LabelScheme::forModel(m).labels(), digitsLabels());
    EXPECT_EQ(LabelScheme::forModel(m, "commands").labels(), commandsLabels());
    EXPECT_THROW(LabelScheme::forModel(m, "cat,dog"), Error);  // 4 classes vs 12 outputs
}

}  // namespace
}  // namespace sparselab

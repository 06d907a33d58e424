// Hostile files whose danger is size, not syntax (label `faults`): limits must be checked before
// memory is committed. A compressed audio file that decodes to far more samples than its size
// suggests, and an oversized GSC list file (sparse on disk, so the test costs nothing).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/audio/audio_file.h"
#include "core/data/gsc_dataset.h"
#include "core/error.h"

namespace fs = std::filesystem;
using namespace sparselab;

namespace {

fs::path freshFolder(const std::string& name) {
    const char* base = std::getenv("SPARSELAB_TEST_TMP");
    const fs::path dir =
        fs::path(base ? base : fs::temp_directory_path().c_str()) / "hostile" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

bool run(const std::string& command) {
    return std::system(command.c_str()) == 0;
}

}  // namespace

// 1 s of undithered silence at 192 kHz x 8 channels compresses to ~1.5 KB of FLAC but decodes to
// 1.5 M samples. With maxSeconds = 2 the decoded-sample budget (maxSeconds of 48 kHz stereo =
// 192 k samples) must stop it although it is only 1 s long; a plain 1 s 16 kHz file still reads.
TEST(HostileAudio, DecompressionBombStopsAtTheSampleBudget) {
    const fs::path dir = freshFolder("bomb");
    const fs::path bomb = dir / "bomb.flac", plain = dir / "plain.wav";
    if (!run("sox -D -n -r 192000 -c 8 -b 16 " + bomb.string() + " trim 0 1 2>/dev/null") ||
        !run("sox -n -r 16000 -c 1 -b 16 " + plain.string() + " synth 1 sine 440 2>/dev/null"))
        GTEST_SKIP() << "sox is not installed";
    ASSERT_LT(fs::file_size(bomb), 20000u) << "the bomb should be small on disk";
    AudioReadLimits limits;
    limits.maxSeconds = 2.0;
    try {
        readAudioFile(bomb, 16000, limits);
        FAIL() << "a file decoding to 1.5 M samples passed a 192 k budget";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("decodes to more than 192000 samples"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find(bomb.string()), std::string::npos) << e.what();
    }
    const AudioClip clip = readAudioFile(plain, 16000, limits);
    EXPECT_EQ(clip.samples.size(), 16000u);
}

TEST(HostileGscList, OversizedListRejectedBeforeReading) {
    const fs::path root = freshFolder("gsc");
    fs::create_directories(root / "yes");
    std::ofstream(root / "yes" / "aa_nohash_0.wav") << "x";
    std::ofstream(root / "validation_list.txt") << "yes/aa_nohash_0.wav\n";
    {
        std::ofstream list(root / "testing_list.txt");
        list << "yes/aa_nohash_0.wav";  // one endless line: no newline for 1 GB
    }
    fs::resize_file(root / "testing_list.txt", 1ull << 30);  // sparse: no disk space used
    const auto start = std::chrono::steady_clock::now();
    try {
        GscDataset::open(root);
        FAIL() << "a 1 GB list file was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("testing_list.txt"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("more than"), std::string::npos) << e.what();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 1.0) << "the limit must be checked before reading";
}

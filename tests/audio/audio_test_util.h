#pragma once
// Helpers shared by the audio tests: scratch folders, running the real tools (espeak-ng, sox,
// the numpy reference), raw float32 files and hand-written WAV files.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sparselab::test {

namespace fs = std::filesystem;

/// A fresh scratch folder for one test: $SPARSELAB_TEST_TMP/<name>.
inline fs::path scratch(const std::string& name) {
    const char* base = std::getenv("SPARSELAB_TEST_TMP");
    fs::path dir = fs::path(base ? base : "/tmp/sparselab-audio-tests") / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

/// Runs a shell command; returns its exit status (0 = success).
inline int sh(const std::string& command) {
    const int rc = std::system(command.c_str());
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

inline std::string q(const fs::path& p) {
    // Built by characters: "'" + string trips GCC 12's false -Wrestrict (bug 105329) here.
    std::string quoted(1, '\'');
    quoted += p.string();
    quoted += '\'';
    return quoted;
}

inline std::string sourceDir() {
    return SPARSELAB_SOURCE_DIR;
}

/// Synthesises `word` with espeak-ng and converts it to 16 kHz mono 16-bit (no dither).
inline void speak(const std::string& word, const std::string& voice, const fs::path& out) {
    const fs::path raw = out.string() + ".raw.wav";
    ASSERT_EQ(sh("espeak-ng -v " + voice + " -w " + q(raw) + " '" + word + "'"), 0);
    ASSERT_EQ(sh("sox -D " + q(raw) + " -r 16000 -c 1 -b 16 " + q(out)), 0);
}

inline std::vector<float> readF32(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), v.size() * 4);
    return v;
}

/// Writes a WAV by hand: 32-bit IEEE float (format 3), interleaved `channels`.
inline void writeFloatWav(const fs::path& path, const std::vector<float>& samples, int channels,
                          int rate) {
    std::ofstream out(path, std::ios::binary);
    auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    const auto bytes = static_cast<uint32_t>(samples.size() * 4);
    out.write("RIFF", 4);
    u32(36 + bytes);
    out.write("WAVEfmt ", 8);
    u32(16);
    u16(3);
    u16(static_cast<uint16_t>(channels));
    u32(static_cast<uint32_t>(rate));
    u32(static_cast<uint32_t>(rate * channels * 4));
    u16(static_cast<uint16_t>(channels * 4));
    u16(32);
    out.write("data", 4);
    u32(bytes);
    out.write(reinterpret_cast<const char*>(samples.data()), bytes);
}

}  // namespace sparselab::test

#include "audio_file.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#include "audio_ops.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace sparselab {

namespace {

uint32_t le32(const unsigned char* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
           static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

/// For RIFF/WAVE files, checks that the "data" chunk's declared size fits in the file, since
/// libsndfile silently clamps a lying or truncated data chunk and reads what is there.
void checkWavDataChunk(const std::filesystem::path& path, std::uintmax_t fileSize) {
    const std::string name = path.string();
    std::ifstream in(path, std::ios::binary);
    unsigned char head[12];
    if (!in.read(reinterpret_cast<char*>(head), 12)) return;  // too short: libsndfile reports
    if (std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "WAVE", 4) != 0) return;
    std::uintmax_t pos = 12;
    while (pos + 8 <= fileSize) {
        unsigned char chunk[8];
        in.seekg(static_cast<std::streamoff>(pos));
        if (!in.read(reinterpret_cast<char*>(chunk), 8)) break;
        const std::uintmax_t size = le32(chunk + 4);
        if (std::memcmp(chunk, "data", 4) == 0) {
            const std::uintmax_t available = fileSize - pos - 8;
            if (size == 0) throw Error(name + ": WAV data chunk is empty (no samples)");
            if (size > available)
                throw Error(name + ": truncated or lying WAV header: the data chunk claims " +
                            std::to_string(size) + " bytes but only " + std::to_string(available) +
                            " bytes follow");
            return;
        }
        if (size > fileSize - pos - 8)
            throw Error(name + ": truncated or lying WAV header: chunk '" +
                        std::string(reinterpret_cast<char*>(chunk), 4) + "' claims " +
                        std::to_string(size) + " bytes but only " +
                        std::to_string(fileSize - pos - 8) + " bytes follow");
        pos += 8 + size + (size & 1);
    }
    throw Error(name + ": WAV file has no data chunk (truncated or not audio)");
}

/// Decoded samples (all channels together) one file may produce: maxSeconds of 48 kHz stereo,
/// at most 192 Mi (1 h of 48 kHz mono). Compressed formats decode far beyond their size (FLAC
/// silence at 192 kHz x 8 channels: ~4000x), so maxSeconds alone, counted at the file's own rate
/// and channel count, would let a few-MB file claim tens of GB.
int64_t decodedSampleBudget(const AudioReadLimits& limits) {
    return std::min<int64_t>(192ll << 20, static_cast<int64_t>(limits.maxSeconds * 96000.0));
}

struct SndfileCloser {
    void operator()(SNDFILE* f) const { sf_close(f); }
};

}  // namespace

AudioClip readAudioFile(const std::filesystem::path& path, int targetRate,
                        const AudioReadLimits& limits) {
    const std::string name = path.string();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) throw Error(name + ": no such file");
    if (!std::filesystem::is_regular_file(status)) throw Error(name + ": not a regular file");
    const std::uintmax_t fileSize = std::filesystem::file_size(path, ec);
    if (ec) throw Error(name + ": cannot read file size (" + ec.message() + ")");
    if (fileSize == 0) throw Error(name + ": file is empty");
    checkWavDataChunk(path, fileSize);

    SF_INFO info{};
    std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open(name.c_str(), SFM_READ, &info));
    if (!file)
        throw Error(name + ": not an audio file that can be read (libsndfile: " +
                    std::string(sf_strerror(nullptr)) + ")");
    if (info.channels < 1 || info.channels > limits.maxChannels)
        throw Error(name + ": unsupported channel count " + std::to_string(info.channels));
    if (info.samplerate < 1 || info.samplerate > limits.maxSampleRate)
        throw Error(name + ": unsupported sample rate " + std::to_string(info.samplerate) + " Hz");

    const int64_t maxFrames = static_cast<int64_t>(limits.maxSeconds * info.samplerate);
    const int64_t maxSamples = decodedSampleBudget(limits);
    const size_t channels = static_cast<size_t>(info.channels);
    // Grow with what is actually decoded; the header's frame count is only checked afterwards.
    std::vector<float> interleaved;
    std::vector<float> block(16384 * channels);
    int64_t framesRead = 0;
    for (;;) {
        const sf_count_t n = sf_readf_float(file.get(), block.data(), 16384);
        if (n <= 0) break;
        framesRead += n;
        if (framesRead > maxFrames)
            throw Error(name + ": longer than the " + std::to_string(limits.maxSeconds) +
                        " s this reader accepts");
        if (framesRead * info.channels > maxSamples)
            throw Error(name + ": decodes to more than " + std::to_string(maxSamples) +
                        " samples (" + std::to_string(info.channels) + " channels at " +
                        std::to_string(info.samplerate) + " Hz), more than this reader accepts");
        interleaved.insert(interleaved.end(), block.begin(),
                           block.begin() + static_cast<std::ptrdiff_t>(n * info.channels));
    }
    if (sf_error(file.get()) != SF_ERR_NO_ERROR)
        throw Error(name +
                    ": decoding failed (libsndfile: " + std::string(sf_strerror(file.get())) + ")");
    if (info.frames != SF_COUNT_MAX && info.frames > 0 && framesRead < info.frames)
        throw Error(name + ": truncated: the header announces " + std::to_string(info.frames) +
                    " frames but only " + std::to_string(framesRead) + " could be read");
    if (framesRead == 0) throw Error(name + ": contains no audio samples");
    if (const int64_t bad = firstNonFinite(interleaved); bad >= 0)
        throw Error(name + ": sample " + std::to_string(bad / info.channels) +
                    " is NaN or infinite");
    return convertAudio(interleaved, info.channels, info.samplerate, targetRate, name);
}

AudioClip convertAudio(std::span<const float> interleaved, int channels, int sampleRate,
                       int targetRate, const std::string& source) {
    if (channels < 1) throw Error(source + ": invalid channel count " + std::to_string(channels));
    if (sampleRate < 1) throw Error(source + ": invalid sample rate " + std::to_string(sampleRate));
    if (interleaved.size() % static_cast<size_t>(channels) != 0)
        throw Error(source + ": " + std::to_string(interleaved.size()) +
                    " samples is not a whole number of " + std::to_string(channels) +
                    "-channel frames");
    if (const int64_t bad = firstNonFinite(interleaved); bad >= 0)
        throw Error(source + ": sample " + std::to_string(bad / channels) + " is NaN or infinite");
    AudioClip clip;
    clip.samples = downmixToMono(interleaved, channels);
    clip.sampleRate = sampleRate;
    if (targetRate > 0 && targetRate != sampleRate) {
        clip.samples = resampleAudio(clip.samples, sampleRate, targetRate, source);
        clip.sampleRate = targetRate;
        // Found by fuzz.audio: a few frames at a high rate resample to nothing at 16 kHz.
        if (clip.samples.empty())
            throw Error(source + ": " + std::to_string(interleaved.size() / channels) +
                        " frames at " + std::to_string(sampleRate) +
                        " Hz are too short to resample to " + std::to_string(targetRate) + " Hz");
    }
    return clip;
}

void writeWav16(const std::filesystem::path& path, std::span<const float> samples, int sampleRate) {
    if (sampleRate < 1) throw Error(path.string() + ": invalid sample rate");
    const uint32_t dataBytes = static_cast<uint32_t>(samples.size() * 2);
    std::string bytes(44 + dataBytes, '\0');
    auto put32 = [&](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    };
    auto put16 = [&](size_t at, uint16_t v) {
        bytes[at] = static_cast<char>(v & 0xff);
        bytes[at + 1] = static_cast<char>(v >> 8);
    };
    std::memcpy(bytes.data(), "RIFF", 4);
    put32(4, 36 + dataBytes);
    std::memcpy(bytes.data() + 8, "WAVEfmt ", 8);
    put32(16, 16);
    put16(20, 1);  // PCM
    put16(22, 1);  // mono
    put32(24, static_cast<uint32_t>(sampleRate));
    put32(28, static_cast<uint32_t>(sampleRate) * 2);
    put16(32, 2);
    put16(34, 16);
    std::memcpy(bytes.data() + 36, "data", 4);
    put32(40, dataBytes);
    for (size_t i = 0; i < samples.size(); ++i) {
        const float x = std::clamp(samples[i], -1.0f, 1.0f);
        const auto v = static_cast<int16_t>(std::lrint(x * 32767.0f));
        put16(44 + 2 * i, static_cast<uint16_t>(v));
    }
    writeFileAtomically(path, bytes);
}

}  // namespace sparselab

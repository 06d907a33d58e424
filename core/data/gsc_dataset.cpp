#include "gsc_dataset.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "core/audio/audio_file.h"
#include "core/audio/audio_ops.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace sparselab {

std::string_view toString(GscSplit split) {
    switch (split) {
        case GscSplit::Train:
            return "train";
        case GscSplit::Validation:
            return "validation";
        case GscSplit::Test:
            return "test";
        case GscSplit::All:
            return "all";
    }
    return "?";
}

std::optional<GscSplit> parseGscSplit(std::string_view text) {
    for (GscSplit s : {GscSplit::Train, GscSplit::Validation, GscSplit::Test, GscSplit::All})
        if (text == toString(s)) return s;
    return std::nullopt;
}

std::string gscSpeakerOf(const std::string& fileName) {
    const size_t at = fileName.find("_nohash_");
    if (at != std::string::npos) return fileName.substr(0, at);
    return fs::path(fileName).stem().string();
}

namespace {

constexpr const char* kNoiseFolder = "_background_noise_";

bool isWav(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".wav";
}

/// Reads a GSC list file (relative paths, one per line); every entry must be a scanned clip.
std::set<std::string> readList(const fs::path& file, const std::set<std::string>& clips) {
    // Checked before reading: bounds every line and the entry count (GSC v0.02's lists: ~0.4 MB).
    constexpr std::uintmax_t kMaxListBytes = 16ull << 20;
    std::error_code ec;
    if (const auto size = fs::file_size(file, ec); !ec && size > kMaxListBytes)
        throw Error(file.string() + ": " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(kMaxListBytes) + " a GSC list file may have");
    std::ifstream in(file);
    if (!in) throw Error(file.string() + ": cannot be read");
    std::set<std::string> entries;
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.pop_back();
        if (line.empty()) continue;
        if (line.find('\0') != std::string::npos || line.size() > 4096)
            throw Error(file.string() + ":" + std::to_string(lineNo) + ": not a list of paths");
        if (!clips.count(line))
            throw Error(file.string() + ":" + std::to_string(lineNo) + ": '" + line +
                        "' is not a clip of this corpus (expected <word>/<file>.wav)");
        entries.insert(line);
    }
    return entries;
}

uint64_t pick(std::mt19937_64& rng, uint64_t n) {
    return n == 0 ? 0 : rng() % n;
}

}  // namespace

GscDataset GscDataset::open(const fs::path& root, const GscOptions& options) {
    const std::string rootName = root.string();
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        throw Error(rootName + ": no such folder (expected a GSC-layout corpus: " +
                    "<root>/<word>/<speaker>_nohash_<n>.wav)");
    if (options.sampleRate < 1000) throw Error(rootName + ": invalid sample rate");
    GscDataset d;
    d.m_root = root;
    d.m_options = options;

    // Scan word folders and background noise.
    std::set<std::string> allClips;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        if (!entry.is_directory()) continue;
        const std::string word = entry.path().filename().string();
        if (word == kNoiseFolder) {
            for (const auto& f : fs::directory_iterator(entry.path()))
                if (f.is_regular_file() && isWav(f.path())) d.m_noiseFiles.push_back(f.path());
            continue;
        }
        if (word.empty() || word[0] == '.' || word[0] == '_') continue;
        d.m_words.push_back(word);
        for (const auto& f : fs::directory_iterator(entry.path()))
            if (f.is_regular_file() && isWav(f.path()))
                allClips.insert(word + "/" + f.path().filename().string());
    }
    if (ec) throw Error(rootName + ": cannot list folder (" + ec.message() + ")");
    std::sort(d.m_words.begin(), d.m_words.end());
    std::sort(d.m_noiseFiles.begin(), d.m_noiseFiles.end());
    if (d.m_words.empty() || allClips.empty())
        throw Error(rootName + ": no word folders with .wav clips (expected " +
                    "<root>/<word>/<speaker>_nohash_<n>.wav)");

    std::set<std::string> validation, testing;
    if (options.split != GscSplit::All) {
        for (const char* list : {"validation_list.txt", "testing_list.txt"})
            if (!fs::exists(root / list))
                throw Error((root / list).string() +
                            ": missing, so the corpus has no splits (use split 'all')");
        validation = readList(root / "validation_list.txt", allClips);
        testing = readList(root / "testing_list.txt", allClips);
    }

    std::vector<GscClip> known, unknown;
    for (const std::string& rel : allClips) {
        GscSplit split = GscSplit::Train;
        if (validation.count(rel)) split = GscSplit::Validation;
        if (testing.count(rel)) split = GscSplit::Test;
        if (options.split != GscSplit::All && split != options.split) continue;
        const size_t slash = rel.find('/');
        GscClip clip;
        clip.word = rel.substr(0, slash);
        clip.label = options.scheme.classOf(clip.word);
        if (clip.label < 0) continue;
        clip.path = root / clip.word / rel.substr(slash + 1);
        clip.speaker = gscSpeakerOf(rel.substr(slash + 1));
        (options.scheme.isKnownWord(clip.word) ? known : unknown).push_back(std::move(clip));
    }

    const uint64_t splitSalt = static_cast<uint64_t>(options.split) * 0x9E3779B97F4A7C15ull;
    std::mt19937_64 rng(options.seed ^ splitSalt);
    if (options.maxUnknownShare >= 0.0 && options.maxUnknownShare < 1.0) {
        const auto keep = static_cast<size_t>(
            std::floor(options.maxUnknownShare * known.size() / (1.0 - options.maxUnknownShare)));
        if (unknown.size() > keep) {
            for (size_t i = unknown.size() - 1; i > 0; --i)
                std::swap(unknown[i], unknown[pick(rng, i + 1)]);
            unknown.resize(keep);
        }
    }
    d.m_clips = std::move(known);
    d.m_clips.insert(d.m_clips.end(), unknown.begin(), unknown.end());
    std::sort(d.m_clips.begin(), d.m_clips.end(),
              [](const GscClip& a, const GscClip& b) { return a.path < b.path; });

    // Silence: 1 s cuts of background noise (all zeros when the corpus has none). Each noise
    // file is divided in time (train 80 %, validation 10 %, test 10 %) so splits never share
    // noise.
    const int silence = options.scheme.silenceIndex();
    if (silence >= 0 && options.silenceShare > 0.0 && options.silenceShare < 1.0) {
        const auto count = static_cast<size_t>(
            std::lround(options.silenceShare * d.m_clips.size() / (1.0 - options.silenceShare)));
        for (const fs::path& f : d.m_noiseFiles)
            d.m_noise.push_back(readAudioFile(f, options.sampleRate).samples);
        const int64_t len = options.sampleRate;
        for (size_t i = 0; i < count; ++i) {
            GscClip clip;
            clip.word = "_silence_";
            clip.label = silence;
            clip.silence = true;
            if (!d.m_noise.empty()) {
                const size_t f = pick(rng, d.m_noise.size());
                const auto total = static_cast<int64_t>(d.m_noise[f].size());
                double lo = 0.0, hi = 1.0;
                if (options.split == GscSplit::Train) hi = 0.8;
                if (options.split == GscSplit::Validation) lo = 0.8, hi = 0.9;
                if (options.split == GscSplit::Test) lo = 0.9;
                const auto begin = static_cast<int64_t>(lo * total);
                const auto end = static_cast<int64_t>(hi * total);
                const int64_t room = std::max<int64_t>(0, end - begin - len);
                clip.path = d.m_noiseFiles[f];
                clip.noiseOffset = begin + static_cast<int64_t>(pick(rng, room + 1));
                clip.noiseGain = 0.1f + 0.9f * static_cast<float>(pick(rng, 1000)) / 1000.0f;
            }
            d.m_clips.push_back(std::move(clip));
        }
    }
    return d;
}

std::vector<int64_t> GscDataset::classCounts() const {
    std::vector<int64_t> counts(static_cast<size_t>(scheme().size()), 0);
    for (const GscClip& c : m_clips) ++counts[static_cast<size_t>(c.label)];
    return counts;
}

std::vector<float> GscDataset::loadSamples(size_t index) const {
    const GscClip& clip = m_clips.at(index);
    const size_t len = static_cast<size_t>(m_options.sampleRate);
    if (!clip.silence)
        return fitToLength(readAudioFile(clip.path, m_options.sampleRate).samples, len);
    std::vector<float> out(len, 0.0f);
    if (clip.path.empty()) return out;
    const auto it = std::lower_bound(m_noiseFiles.begin(), m_noiseFiles.end(), clip.path);
    const std::vector<float>& noise = m_noise[static_cast<size_t>(it - m_noiseFiles.begin())];
    for (size_t i = 0; i < len; ++i) {
        const size_t at = static_cast<size_t>(clip.noiseOffset) + i;
        if (at < noise.size()) out[i] = noise[at] * clip.noiseGain;
    }
    return out;
}

}  // namespace sparselab

#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "label_scheme.h"

namespace sparselab {

/// GSC's partitions: from validation_list.txt, testing_list.txt, the rest is training.
enum class GscSplit { Train, Validation, Test, All };

std::string_view toString(GscSplit split);
/// Parses "train", "validation", "test" or "all".
std::optional<GscSplit> parseGscSplit(std::string_view text);

/// How to read a GSC-layout folder.
struct GscOptions {
    GscSplit split = GscSplit::Test;
    LabelScheme scheme = LabelScheme::digits();
    /// Share of the resulting clip list that is silence (0.1 = Numenta's 10 %), cut from
    /// _background_noise_ (needs the scheme to have "silence" and noise files; else none).
    double silenceShare = 0.1;
    /// When >= 0, unknown-word clips are subsampled (seeded) to at most this share of the
    /// result; < 0 keeps them all.
    double maxUnknownShare = -1.0;
    uint32_t seed = 0;       ///< silence cuts and unknown subsampling
    int sampleRate = 16000;  ///< rate clips are delivered at
};

/// One clip of a split: a word file, or a 1 s cut of a background-noise file (silence).
struct GscClip {
    std::filesystem::path path;  ///< word file, or the noise file for silence
    std::string word;            ///< folder name ("_silence_" for silence)
    std::string speaker;         ///< part of the file name before "_nohash_" ("" for silence)
    int label = -1;              ///< class index in the scheme
    bool silence = false;
    int64_t noiseOffset = 0;  ///< silence: first sample of the cut (at sampleRate)
    float noiseGain = 1.0f;   ///< silence: volume applied to the cut
};

/// A GSC v0.01/v0.02-layout corpus (<root>/<word>/<speaker>_nohash_<n>.wav, validation_list.txt,
/// testing_list.txt, _background_noise_/*.wav), real or generated. Immutable after open();
/// loadSamples() is thread-safe.
class GscDataset {
  public:
    /// Scans `root` and builds the clip list of options.split (sorted by path; silence clips
    /// appended). Throws Error naming the folder or list file when the layout is wrong (missing
    /// folder, no word folders, unreadable lists, list entries naming absent files).
    static GscDataset open(const std::filesystem::path& root, const GscOptions& options = {});

    const std::filesystem::path& root() const { return m_root; }
    const GscOptions& options() const { return m_options; }
    const LabelScheme& scheme() const { return m_options.scheme; }
    const std::vector<GscClip>& clips() const { return m_clips; }
    size_t size() const { return m_clips.size(); }
    /// Word folders found (sorted), excluding _background_noise_.
    const std::vector<std::string>& words() const { return m_words; }
    /// Background-noise files found (sorted).
    const std::vector<std::filesystem::path>& noiseFiles() const { return m_noiseFiles; }
    /// Number of clips per class, in scheme order.
    std::vector<int64_t> classCounts() const;

    /// Clip i as 1 s of mono samples at options().sampleRate (short clips padded with zeros).
    /// Throws Error naming the file when it cannot be decoded.
    std::vector<float> loadSamples(size_t index) const;

  private:
    std::filesystem::path m_root;
    GscOptions m_options;
    std::vector<GscClip> m_clips;
    std::vector<std::string> m_words;
    std::vector<std::filesystem::path> m_noiseFiles;
    std::vector<std::vector<float>> m_noise;  ///< decoded noise files (when silence is used)
};

/// The speaker id of a GSC file name ("3c257192_nohash_0.wav" -> "3c257192"); the stem when it
/// has no "_nohash_".
std::string gscSpeakerOf(const std::string& fileName);

}  // namespace sparselab

#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sparselab {

class Model;

/// Maps GSC word folders to class indices. Classes are a list of labels; "unknown" takes every
/// word not listed, "silence" takes clips cut from background noise. Either may be absent.
class LabelScheme {
  public:
    /// Numenta's: zero..nine, unknown, silence.
    static LabelScheme digits();
    /// Standard GSC commands: yes no up down left right on off stop go, unknown, silence.
    static LabelScheme commands();
    /// The given words followed by unknown and silence.
    static LabelScheme fromWords(const std::vector<std::string>& words);
    /// The labels in model output order, as stored in a model ("unknown"/"silence" recognised by
    /// name anywhere). Throws Error on empty or duplicate labels.
    static LabelScheme fromLabels(const std::vector<std::string>& labels);
    /// "digits", "commands" or a comma-separated word list ("cat,dog" -> cat dog unknown
    /// silence). Throws Error on an empty list or duplicates.
    static LabelScheme parse(std::string_view text);
    /// The scheme a model's outputs use: `override` when non-empty (parsed as above), else the
    /// model's stored labels, else Numenta's digits. Throws Error when the class count differs
    /// from the model's outputs.
    static LabelScheme forModel(const Model& model, std::string_view override = {});

    /// Class names in output order.
    const std::vector<std::string>& labels() const { return m_labels; }
    int size() const { return static_cast<int>(m_labels.size()); }
    /// Class of a word folder: its own class, else unknown, else -1 (clip not used).
    int classOf(const std::string& word) const;
    /// Whether the word has its own class (not unknown).
    bool isKnownWord(const std::string& word) const;
    int unknownIndex() const { return m_unknown; }  ///< -1 when absent
    int silenceIndex() const { return m_silence; }  ///< -1 when absent

  private:
    std::vector<std::string> m_labels;
    std::map<std::string, int> m_words;
    int m_unknown = -1;
    int m_silence = -1;
};

}  // namespace sparselab

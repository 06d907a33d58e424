#include "label_scheme.h"

#include "core/error.h"
#include "core/model.h"

namespace sparselab {

LabelScheme LabelScheme::digits() {
    return fromLabels(digitsLabels());
}

LabelScheme LabelScheme::commands() {
    return fromLabels(commandsLabels());
}

LabelScheme LabelScheme::fromWords(const std::vector<std::string>& words) {
    std::vector<std::string> labels = words;
    labels.push_back("unknown");
    labels.push_back("silence");
    return fromLabels(labels);
}

LabelScheme LabelScheme::fromLabels(const std::vector<std::string>& labels) {
    if (labels.empty()) throw Error("label scheme: no labels");
    LabelScheme s;
    s.m_labels = labels;
    for (size_t i = 0; i < labels.size(); ++i) {
        const std::string& l = labels[i];
        const int index = static_cast<int>(i);
        if (l.empty()) throw Error("label scheme: label " + std::to_string(i) + " is empty");
        const bool duplicate = (l == "unknown" && s.m_unknown >= 0) ||
                               (l == "silence" && s.m_silence >= 0) || s.m_words.count(l) > 0;
        if (duplicate) throw Error("label scheme: label '" + l + "' appears twice");
        if (l == "unknown")
            s.m_unknown = index;
        else if (l == "silence")
            s.m_silence = index;
        else
            s.m_words[l] = index;
    }
    return s;
}

LabelScheme LabelScheme::parse(std::string_view text) {
    if (text == "digits") return digits();
    if (text == "commands") return commands();
    std::vector<std::string> words;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string word(text.substr(start, comma - start));
        while (!word.empty() && word.back() == ' ') word.pop_back();
        while (!word.empty() && word.front() == ' ') word.erase(word.begin());
        if (word.empty())
            throw Error("labels '" + std::string(text) +
                        "': use digits, commands or a comma-separated word list");
        if (word != "unknown" && word != "silence") words.push_back(word);
        start = comma + 1;
    }
    return fromWords(words);
}

LabelScheme LabelScheme::forModel(const Model& model, std::string_view override) {
    LabelScheme s;
    std::string origin;
    if (!override.empty()) {
        s = parse(override);
        origin = "labels '" + std::string(override) + "'";
    } else if (model.metadata.hasLabels) {
        s = fromLabels(model.metadata.labels);
        origin = "its stored labels";
    } else {
        s = digits();
        origin = "the default digits scheme (the model stores no labels)";
    }
    if (s.size() != model.numClasses())
        throw Error("model '" + model.name + "' has " + std::to_string(model.numClasses()) +
                    " outputs but " + origin + " give " + std::to_string(s.size()) +
                    " classes (use --labels digits|commands|w1,w2,...)");
    return s;
}

int LabelScheme::classOf(const std::string& word) const {
    if (auto it = m_words.find(word); it != m_words.end()) return it->second;
    return m_unknown;
}

bool LabelScheme::isKnownWord(const std::string& word) const {
    return m_words.count(word) > 0;
}

}  // namespace sparselab

// sparselab-cli eval: accuracy, per-class accuracy, confusion matrix and Numenta's noise score of
// a model on a GSC-layout folder (the real corpus or a generated one).
#include <chrono>
#include <cstdio>
#include <fstream>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/audio/audio_ops.h"
#include "core/audio/feature_batch.h"
#include "core/audio/log_mel.h"
#include "core/data/gsc_dataset.h"
#include "core/error.h"

namespace sparselab::cli {

namespace {

struct EvalArgs {
    std::string model, data, split = "test", labels, scoresOut;
    bool noise = false, json = false;
    int batch = 256;
    double silenceShare = 0.1;
    uint32_t seed = 0;
    BackendOptions backend;
};

/// Predictions of the model for every clip of the dataset, with waveform noise `alpha`.
/// `scores` (optional) receives every clip's output row.
std::vector<int> predict(const GscDataset& data, const LogMel& logMel, Executor& exec, float alpha,
                         int batch, int threads,
                         std::vector<std::vector<float>>* scores = nullptr) {
    std::vector<int> predicted(data.size());
    if (scores) scores->resize(data.size());
    const ClipLoader load = [&](size_t i) {
        std::vector<float> x = data.loadSamples(i);
        if (alpha > 0.0f) addUniformNoise(x, alpha, static_cast<uint32_t>(i * 2654435761u));
        return x;
    };
    for (size_t first = 0; first < data.size(); first += static_cast<size_t>(batch)) {
        const size_t n = std::min(static_cast<size_t>(batch), data.size() - first);
        const Tensor features = extractFeatureBatch(logMel, load, first, n, threads);
        const Tensor out = exec.run(features);
        const int64_t classes = out.size() / static_cast<int64_t>(n);
        for (size_t b = 0; b < n; ++b) {
            const float* row = out.data() + static_cast<int64_t>(b) * classes;
            predicted[first + b] = static_cast<int>(argmax(row, classes));
            if (scores) (*scores)[first + b].assign(row, row + classes);
        }
    }
    return predicted;
}

/// Accuracy per engine when the folder was made by tools/corpus/make_corpus.py (corpus.json).
Json perSource(const GscDataset& data, const std::vector<int>& predicted) {
    const auto manifest = data.root() / "corpus.json";
    std::ifstream in(manifest);
    if (!in) return nullptr;
    Json doc;
    try {
        doc = Json::parse(in);
    } catch (const std::exception&) {
        return nullptr;
    }
    std::map<std::string, std::string> engineOf;
    for (const auto& c : doc.value("clips", Json::array()))
        if (c.contains("path") && c.contains("engine"))
            engineOf[c["path"].get<std::string>()] = c["engine"].get<std::string>();
    std::map<std::string, std::pair<int64_t, int64_t>> tally;  // engine -> correct, count
    for (size_t i = 0; i < data.size(); ++i) {
        const GscClip& clip = data.clips()[i];
        std::string source = "silence";
        if (!clip.silence) {
            const auto it = engineOf.find(clip.word + "/" + clip.path.filename().string());
            source = it == engineOf.end() ? "other" : it->second;
        }
        auto& [correct, count] = tally[source];
        correct += predicted[i] == clip.label;
        ++count;
    }
    Json out = Json::object();
    for (const auto& [source, t] : tally)
        out[source] = {{"accuracy", static_cast<double>(t.first) / t.second}, {"count", t.second}};
    return out;
}

/// One JSON object per line and clip (clean audio): path ("" for silence cuts), truth,
/// predicted, scores (the model's output row). Written atomically.
void writeScores(const std::string& file, const GscDataset& data,
                 const std::vector<std::string>& labels, const std::vector<int>& predicted,
                 const std::vector<std::vector<float>>& scores) {
    std::string text;
    for (size_t i = 0; i < data.size(); ++i) {
        const GscClip& clip = data.clips()[i];
        Json row{{"path",
                  clip.silence ? std::string() : clip.word + "/" + clip.path.filename().string()},
                 {"truth", labels[static_cast<size_t>(clip.label)]},
                 {"predicted", labels[static_cast<size_t>(predicted[i])]},
                 {"scores", scores[i]}};
        text += row.dump() + "\n";
    }
    writeFileAtomically(file, text);
}

void run(const EvalArgs& a, const CliContext& ctx) {
    const auto split = parseGscSplit(a.split);
    if (!split) throw Error("unknown split '" + a.split + "' (use test, validation, train or all)");
    ModelPtr model = loadModel(a.model);
    GscOptions options;
    options.split = *split;
    options.scheme = LabelScheme::forModel(*model, a.labels);
    options.silenceShare = a.silenceShare;
    options.seed = a.seed;
    const LogMel logMel(featureParamsFor(*model));
    options.sampleRate = logMel.params().sampleRate;
    const auto start = std::chrono::steady_clock::now();
    const GscDataset data = GscDataset::open(a.data, options);
    if (data.size() == 0)
        throw Error(a.data + ": the " + a.split + " split has no clips for labels " +
                    (a.labels.empty() ? "of the model" : a.labels));
    auto exec = a.backend.prepare(ctx, model);

    const auto& labels = data.scheme().labels();
    const size_t k = labels.size();
    std::vector<float> alphas{0.0f};
    if (a.noise)
        for (int i = 1; i <= 10; ++i) alphas.push_back(0.05f * static_cast<float>(i));
    std::vector<std::vector<int64_t>> confusion(k, std::vector<int64_t>(k, 0));
    std::vector<int> clean;
    std::vector<std::vector<float>> cleanScores;
    Json levels = Json::array();
    int64_t noiseScore = 0;
    for (float alpha : alphas) {
        const std::vector<int> predicted =
            predict(data, logMel, *exec, alpha, a.batch, a.backend.threads,
                    alpha == 0.0f && !a.scoresOut.empty() ? &cleanScores : nullptr);
        int64_t correct = 0;
        for (size_t i = 0; i < data.size(); ++i) correct += predicted[i] == data.clips()[i].label;
        noiseScore += correct;
        levels.push_back({{"alpha", alpha},
                          {"accuracy", static_cast<double>(correct) / data.size()},
                          {"correct", correct}});
        if (alpha == 0.0f) clean = predicted;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (!a.scoresOut.empty()) writeScores(a.scoresOut, data, labels, clean, cleanScores);

    int64_t correct = 0;
    std::vector<int64_t> classCount(k, 0), classCorrect(k, 0);
    for (size_t i = 0; i < data.size(); ++i) {
        const auto truth = static_cast<size_t>(data.clips()[i].label);
        const auto guess = static_cast<size_t>(clean[i]);
        ++confusion[truth][guess];
        ++classCount[truth];
        if (truth == guess) ++classCorrect[truth], ++correct;
    }
    const auto count = static_cast<int64_t>(data.size());
    const double accuracy = static_cast<double>(correct) / count;
    Json perClass = Json::object();
    for (size_t c = 0; c < k; ++c)
        perClass[labels[c]] = {
            {"accuracy",
             classCount[c] ? static_cast<double>(classCorrect[c]) / classCount[c] : 0.0},
            {"correct", classCorrect[c]},
            {"count", classCount[c]}};

    if (a.json) {
        Json out{{"model", model->name},
                 {"data", a.data},
                 {"split", a.split},
                 {"labels", labels},
                 {"count", count},
                 {"correct", correct},
                 {"accuracy", accuracy},
                 {"per_class", perClass},
                 {"confusion", confusion},
                 {"backend", a.backend.backend},
                 {"mode", std::string(toString(exec->mode()))},
                 {"seconds", seconds},
                 {"clips_per_second", count * alphas.size() / seconds}};
        if (Json sources = perSource(data, clean); !sources.is_null()) out["per_source"] = sources;
        if (a.noise) {
            out["noise_score"] = noiseScore;
            out["noise_levels"] = levels;
        }
        printJson(out);
        return;
    }
    std::printf("%s on %s (%s split): %lld clips, accuracy %.2f%% (%lld correct), %.2f s\n",
                model->name.c_str(), a.data.c_str(), a.split.c_str(), static_cast<long long>(count),
                100.0 * accuracy, static_cast<long long>(correct), seconds);
    std::printf("\n%-10s %8s %8s\n", "class", "count", "accuracy");
    for (size_t c = 0; c < k; ++c)
        std::printf("%-10s %8lld %7.2f%%\n", labels[c].c_str(),
                    static_cast<long long>(classCount[c]),
                    classCount[c] ? 100.0 * classCorrect[c] / classCount[c] : 0.0);
    std::printf("\nconfusion (rows = true class, columns = predicted)\n%-10s", "");
    for (size_t c = 0; c < k; ++c) std::printf(" %5.5s", labels[c].c_str());
    std::printf("\n");
    for (size_t r = 0; r < k; ++r) {
        std::printf("%-10s", labels[r].c_str());
        for (size_t c = 0; c < k; ++c)
            std::printf(" %5lld", static_cast<long long>(confusion[r][c]));
        std::printf("\n");
    }
    if (a.noise) {
        std::printf("\nnoise (x*(1-a) + a*U(-1,1)):\n");
        for (const auto& l : levels)
            std::printf("  alpha %.2f  accuracy %6.2f%%\n", l["alpha"].get<double>(),
                        100.0 * l["accuracy"].get<double>());
        std::printf("noise score: %lld (correct answers summed over %zu levels)\n",
                    static_cast<long long>(noiseScore), alphas.size());
    }
}

}  // namespace

void registerEvalCommand(CLI::App& app, CliContext& ctx) {
    auto* cmd = app.add_subcommand(
        "eval", "Accuracy of a model on a GSC-layout folder (real or generated corpus)");
    auto a = std::make_shared<EvalArgs>();
    cmd->add_option("--model,-m", a->model, "ONNX model file")->required();
    cmd->add_option("--data,-d", a->data, "GSC-layout folder (<root>/<word>/*.wav + lists)")
        ->required();
    cmd->add_option("--split", a->split, "test, validation, train or all")->capture_default_str();
    cmd->add_option("--labels", a->labels,
                    "digits, commands or w1,w2,... (default: the model's labels, else digits)");
    cmd->add_option("--silence-share", a->silenceShare,
                    "Share of silence clips cut from _background_noise_ (0 = none)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 0.9));
    cmd->add_option("--seed", a->seed, "Seed for silence cuts")->capture_default_str();
    cmd->add_flag("--noise", a->noise,
                  "Also Numenta's noise test: alpha = 0, 0.05, ..., 0.5 and the noise score");
    cmd->add_option("--batch", a->batch, "Clips per executor batch")
        ->capture_default_str()
        ->check(CLI::Range(1, 65536));
    cmd->add_flag("--json", a->json,
                  "JSON output: accuracy, per_class, confusion (rows = truth), count, ...");
    cmd->add_option("--scores-out", a->scoresOut,
                    "Also write every clip's output scores as JSON lines (path, truth, "
                    "predicted, scores) to this file, for threshold analysis");
    a->backend.addTo(*cmd);
    cmd->callback([a, &ctx] { run(*a, ctx); });
}

}  // namespace sparselab::cli

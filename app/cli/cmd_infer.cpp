// sparselab-cli infer: run a model on log-mel features or on an audio file.
#include <cstdio>

#include "commands.h"
#include "core/audio/feature_batch.h"
#include "core/audio/log_mel.h"
#include "core/data/label_scheme.h"
#include "core/error.h"

namespace sparselab::cli {

namespace {

struct InferArgs {
    std::string model, features, wav, labels;
    bool json = false;
    BackendOptions backend;
};

void printResult(const Model& model, const std::vector<std::string>& labels, const Tensor& scores,
                 const std::string& source, const std::string& backendName, const Executor& exec,
                 bool json) {
    const int64_t n = scores.dim(0), classes = scores.size() / n;
    Json results = Json::array();
    for (int64_t b = 0; b < n; ++b) {
        const float* row = scores.data() + b * classes;
        const int64_t best = argmax(row, classes);
        const std::string label = best < static_cast<int64_t>(labels.size())
                                      ? labels[static_cast<size_t>(best)]
                                      : std::to_string(best);
        if (json) {
            results.push_back({{"label", label},
                               {"index", best},
                               {"scores", std::vector<float>(row, row + classes)}});
        } else {
            std::printf("%s%s\n", n > 1 ? ("[" + std::to_string(b) + "] ").c_str() : "",
                        label.c_str());
            for (int64_t c = 0; c < classes; ++c)
                std::printf("  %-10s %12.6f\n",
                            c < static_cast<int64_t>(labels.size())
                                ? labels[static_cast<size_t>(c)].c_str()
                                : "?",
                            row[c]);
        }
    }
    if (!json) return;
    Json out = results.size() == 1 ? results[0] : Json{{"batch", results}};
    out["model"] = model.name;
    out["input"] = source;
    out["labels"] = labels;
    out["backend"] = backendName;
    out["mode"] = std::string(toString(exec.mode()));
    printJson(out);
}

}  // namespace

void registerInferCommand(CLI::App& app, CliContext& ctx) {
    auto* cmd =
        app.add_subcommand("infer", "Classify an audio file or log-mel features with a model");
    auto args = std::make_shared<InferArgs>();
    cmd->add_option("--model,-m", args->model, "ONNX model file")->required();
    auto* features =
        cmd->add_option("--features,-f", args->features,
                        "Raw little-endian float32 features, one or more samples of the model's "
                        "input shape (1x32x32: rows = mel bands low to high, columns = frames)");
    auto* wav = cmd->add_option("--wav,-w", args->wav,
                                "Audio file (any rate/channels/format libsndfile reads); features "
                                "are computed with the model's parameters (Numenta's by default)");
    features->excludes(wav);
    cmd->add_option("--labels", args->labels,
                    "Class names: digits, commands or w1,w2,... (default: the model's labels, "
                    "else digits)");
    cmd->add_flag("--json", args->json,
                  "Machine-readable output: label, index, scores (model output order)");
    args->backend.addTo(*cmd);
    cmd->callback([args, &ctx] {
        if (args->features.empty() == args->wav.empty())
            throw Error("infer: give exactly one of --features and --wav");
        ModelPtr model = loadModel(args->model);
        const std::vector<std::string> labels =
            args->labels.empty() && !model->metadata.labels.empty()
                ? model->metadata.labels
                : LabelScheme::forModel(*model, args->labels).labels();
        Tensor input;
        if (!args->wav.empty()) {
            const LogMel logMel(featureParamsFor(*model));
            input = featuresFromFile(logMel, args->wav);
        } else {
            input = readFeatures(args->features, *model);
        }
        auto exec = args->backend.prepare(ctx, model);
        const Tensor scores = exec->run(input);
        const std::string& source = args->wav.empty() ? args->features : args->wav;
        printResult(*model, labels, scores, source, args->backend.backend, *exec, args->json);
    });
}

}  // namespace sparselab::cli

// sparselab-cli info: layers, shapes, parameters, sparsity and MACs of a model.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "core/model_stats.h"

namespace sparselab::cli {

namespace {

Json statsToJson(const Model& model, const ModelStats& stats) {
    Json layers = Json::array();
    for (const LayerStats& s : stats.layers) {
        Json l{{"name", s.name},
               {"kind", std::string(toString(s.kind))},
               {"output_shape", s.outputShape},
               {"params", s.params},
               {"weights", s.weights},
               {"nonzeros", s.nonzeros},
               {"weight_sparsity", s.weightSparsity},
               {"input_density", s.inputDensity},
               {"activation_sparsity", 1.0 - s.outputDensity},
               {"dense_macs", s.denseMacs},
               {"sparse_macs", s.sparseMacs}};
        if (s.kind == LayerKind::KWinners) {
            l["k"] = s.kWinners;
            l["k_units"] = s.kUnits;
        }
        layers.push_back(std::move(l));
    }
    const FeatureParams& f = model.metadata.features;
    return Json{{"model", model.name},
                {"input_shape", model.inputShape},
                {"labels", model.metadata.labels},
                {"features",
                 {{"sample_rate", f.sampleRate},
                  {"n_mels", f.nMels},
                  {"n_fft", f.nFft},
                  {"hop_length", f.hopLength},
                  {"frames", f.frames},
                  {"from_model", model.metadata.hasFeatureParams}}},
                {"layers", layers},
                {"params", stats.params},
                {"weights", stats.weights},
                {"nonzeros", stats.nonzeros},
                {"weight_sparsity", stats.weightSparsity()},
                {"dense_macs", stats.denseMacs},
                {"sparse_macs", stats.sparseMacs},
                {"mac_limit_speedup", stats.macLimitSpeedup()},
                {"metadata", model.metadata.extra}};
}

void printTable(const Model& model, const ModelStats& stats) {
    std::printf("model   %s\ninput   %s\nlabels  ", model.name.c_str(),
                shapeToString(model.inputShape).c_str());
    for (size_t i = 0; i < model.metadata.labels.size(); ++i)
        std::printf("%s%s", i ? " " : "", model.metadata.labels[i].c_str());
    std::printf("\n\n%-22s %-15s %-10s %10s %10s %7s %7s %12s %12s\n", "layer", "kind", "output",
                "params", "nonzeros", "w.zero", "act.zero", "dense MACs", "sparse MACs");
    for (const LayerStats& s : stats.layers) {
        std::string kind(toString(s.kind));
        if (s.kind == LayerKind::KWinners) kind += " k=" + std::to_string(s.kWinners);
        std::printf("%-22.22s %-15.15s %-10s %10lld %10lld %6.1f%% %6.1f%% %12lld %12.0f\n",
                    s.name.c_str(), kind.c_str(), shapeToString(s.outputShape).c_str(),
                    static_cast<long long>(s.params), static_cast<long long>(s.nonzeros),
                    100.0 * s.weightSparsity, 100.0 * (1.0 - s.outputDensity),
                    static_cast<long long>(s.denseMacs), s.sparseMacs);
    }
    std::printf("\ntotal: %lld parameters, %lld of %lld weights non-zero (%.1f%% zeros)\n",
                static_cast<long long>(stats.params), static_cast<long long>(stats.nonzeros),
                static_cast<long long>(stats.weights), 100.0 * stats.weightSparsity());
    std::printf("MACs per inference: %lld dense, %.0f sparse-sparse -> MAC-limit speedup %.1fx\n",
                static_cast<long long>(stats.denseMacs), stats.sparseMacs, stats.macLimitSpeedup());
}

}  // namespace

void registerInfoCommand(CLI::App& app, CliContext&) {
    auto* cmd = app.add_subcommand(
        "info", "Show a model's layers, shapes, parameters, sparsity and MAC counts");
    auto modelPath = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--model,-m", *modelPath, "ONNX model file")->required();
    cmd->add_flag("--json", *json, "Machine-readable output on stdout");
    cmd->callback([modelPath, json] {
        ModelPtr model = loadModel(*modelPath);
        const ModelStats stats = computeStats(*model);
        if (*json) {
            printJson(statsToJson(*model, stats));
        } else {
            printTable(*model, stats);
        }
    });
}

}  // namespace sparselab::cli

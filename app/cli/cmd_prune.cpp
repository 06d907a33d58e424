// sparselab-cli prune: magnitude pruning and k-winners changes, written as a new ONNX model.
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/model_stats.h"
#include "core/onnx_model.h"
#include "core/sparse/pruning.h"

namespace sparselab::cli {

void registerPruneCommand(CLI::App& app, CliContext&) {
    auto* cmd = app.add_subcommand(
        "prune",
        "Prune weights by magnitude (unstructured or in 16-output blocks) and/or change the "
        "number of k-winners; writes a new model");
    struct Args {
        std::string model, arch, out;
        uint32_t seed = 1;
        double sparsity = -1, density = -1;
        std::map<std::string, double> layerSparsity;
        std::map<std::string, int> k;
        bool structured = false;
    };
    auto a = std::make_shared<Args>();
    auto* modelOpt = cmd->add_option("--model", a->model, "ONNX model to prune");
    cmd->add_option("--arch", a->arch,
                    "Or start from a random preset (dense, sparse, super-sparse) with dense "
                    "weights, pruned to the preset's per-layer sparsities unless told otherwise")
        ->excludes(modelOpt);
    cmd->add_option("--seed", a->seed, "Seed for --arch")->capture_default_str();
    cmd->add_option("--weight-sparsity", a->sparsity,
                    "Target fraction of zero weights for every Conv2d and Linear")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--layer-sparsity", a->layerSparsity,
                    "Per-layer target, NAME=FRACTION (repeatable)");
    cmd->add_flag("--structured", a->structured,
                  "Keep whole 16-output blocks, the same number per input (blocked layout)");
    cmd->add_option("--activation-density", a->density,
                    "Fraction of winners for every k-winners layer")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--k", a->k, "Inference k per k-winners layer, NAME=K (repeatable)");
    cmd->add_option("--out,-o", a->out, "Output ONNX file")->required();
    cmd->callback([a] {
        if (a->model.empty() && a->arch.empty()) throw Error("prune needs --model or --arch");
        ModelPtr model;
        WeightPruning w;
        w.structured = a->structured;
        w.layerSparsity = a->layerSparsity;
        bool pruneAny = a->sparsity >= 0 || !a->layerSparsity.empty();
        if (!a->model.empty()) {
            model = loadModel(a->model);
        } else {
            GscConfig c = GscConfig::preset(a->arch);
            const std::map<std::string, double> preset = {{"conv1", c.conv1Sparsity},
                                                          {"conv2", c.conv2Sparsity},
                                                          {"linear1", c.linearSparsity},
                                                          {"output", c.outputSparsity}};
            c.conv1Sparsity = c.conv2Sparsity = c.linearSparsity = c.outputSparsity = 0.0;
            model = std::make_shared<const Model>(buildGscModel(c, a->seed));
            if (!pruneAny) {
                w.layerSparsity = preset;
                pruneAny = true;
            }
        }
        if (pruneAny) {
            if (a->sparsity >= 0) {
                w.sparsity = a->sparsity;
            } else {
                w.layers = {};  // only the named layers
                w.sparsity = 0.0;
            }
            model = pruneWeights(*model, w);
        }
        if (a->density >= 0 || !a->k.empty()) {
            ActivationSparsity s;
            if (a->density >= 0) s.density = a->density;
            s.k = a->k;
            model = setActivationSparsity(*model, s);
        }
        saveOnnx(*model, a->out);
        const ModelStats stats = computeStats(*model);
        std::printf(
            "wrote %s: %lld non-zero weights (%.1f%% zeros), %lld dense MACs, %.0f sparse "
            "MACs (limit %.1fx)\n",
            a->out.c_str(), static_cast<long long>(stats.nonzeros), 100.0 * stats.weightSparsity(),
            static_cast<long long>(stats.denseMacs), stats.sparseMacs, stats.macLimitSpeedup());
        for (const LayerStats& l : stats.layers)
            if (l.weights)
                std::printf("  %-10s %6.1f%% zeros\n", l.name.c_str(), 100.0 * l.weightSparsity);
    });
}

}  // namespace sparselab::cli

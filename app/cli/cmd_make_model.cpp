// sparselab-cli make-model: write a randomly initialised GSC model of a preset architecture.
#include <cstdio>

#include "commands.h"
#include "core/gsc_presets.h"
#include "core/model_stats.h"
#include "core/onnx_model.h"

namespace sparselab::cli {

void registerMakeModelCommand(CLI::App& app, CliContext&) {
    auto* cmd =
        app.add_subcommand("make-model",
                           "Write a randomly initialised GSC model (for benchmarks and tests; "
                           "use `train` for a model that recognises words)");
    struct Args {
        std::string arch = "sparse", out;
        uint32_t seed = 1;
        int classes = 12;
        bool kwBeforePool = false, kwLocal = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--arch", a->arch, "dense, sparse or super-sparse")->capture_default_str();
    cmd->add_option("--seed", a->seed, "Random seed")->capture_default_str();
    cmd->add_option("--classes", a->classes, "Number of outputs")
        ->capture_default_str()
        ->check(CLI::Range(2, 1000));
    cmd->add_flag("--kwinners-before-pool", a->kwBeforePool,
                  "nupic.torch order: k-winners, then max-pool");
    cmd->add_flag("--kwinners-local", a->kwLocal,
                  "Convolutions' k-winners select k channels at each position (same densities)");
    cmd->add_option("--out,-o", a->out, "Output ONNX file")->required();
    cmd->callback([a] {
        GscConfig config = GscConfig::preset(a->arch);
        config.classes = a->classes;
        if (a->kwBeforePool) config.useKWinnersBeforePool();
        if (a->kwLocal) config.useLocalKWinners();
        Model model = buildGscModel(config, a->seed);
        saveOnnx(model, a->out);
        const ModelStats stats = computeStats(model);
        std::printf(
            "wrote %s: %s, %lld non-zero weights (%.1f%% zeros), %lld dense MACs, %.0f sparse "
            "MACs\n",
            a->out.c_str(), config.name.c_str(), static_cast<long long>(stats.nonzeros),
            100.0 * stats.weightSparsity(), static_cast<long long>(stats.denseMacs),
            stats.sparseMacs);
    });
}

}  // namespace sparselab::cli

#include "cli_support.h"

#include <cstring>
#include <iostream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/onnx_model.h"

namespace sparselab::cli {

ModelPtr loadModel(const std::string& path) {
    return std::make_shared<const Model>(loadOnnx(path));
}

Tensor readFeatures(const std::string& path, const Model& model) {
    const int64_t want = numel(model.inputShape);
    const std::string bytes = readFileLimited(path, static_cast<std::uintmax_t>(want) * 4 * 1024);
    if (bytes.size() % 4 != 0 || static_cast<int64_t>(bytes.size() / 4) % want != 0)
        throw Error(path + ": holds " + std::to_string(bytes.size()) + " bytes; model '" +
                    model.name + "' needs raw float32 features of " + std::to_string(want * 4) +
                    " bytes per sample (" + shapeToString(model.inputShape) + ")");
    const int64_t n = static_cast<int64_t>(bytes.size() / 4) / want;
    Shape shape{n};
    shape.insert(shape.end(), model.inputShape.begin(), model.inputShape.end());
    Tensor t(shape);
    std::memcpy(t.data(), bytes.data(), bytes.size());
    for (float v : t.values())
        if (!std::isfinite(v)) throw Error(path + ": features contain NaN or Inf");
    return t;
}

int64_t argmax(const float* values, int64_t count) {
    int64_t best = 0;
    for (int64_t i = 1; i < count; ++i)
        if (values[i] > values[best]) best = i;
    return best;
}

void printJson(const Json& json) {
    std::cout << json.dump(2) << '\n';
}

void BackendOptions::addTo(CLI::App& command) {
    command.add_option("--backend", backend, "Compute backend (see `sparselab-cli devices`)")
        ->capture_default_str();
    command.add_option("--mode", mode,
                       "Execution mode: dense, sparse-weights, sparse-activations, sparse-sparse "
                       "(default: the backend's fastest)");
    command.add_option("--threads", threads, "Worker threads for batches")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
}

std::unique_ptr<Executor> BackendOptions::prepare(const CliContext& ctx, ModelPtr model) const {
    const Backend& b = ctx.registry.require(backend);
    PrepareOptions options;
    options.threads = threads;
    if (!mode.empty()) {
        options.mode = parseExecutionMode(mode);
        if (!options.mode)
            throw Error("unknown mode '" + mode +
                        "' (use dense, sparse-weights, sparse-activations or sparse-sparse)");
    }
    return b.prepare(std::move(model), options);
}

}  // namespace sparselab::cli

#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/backend.h"
#include "core/model.h"

namespace sparselab::cli {

using Json = nlohmann::json;

/// State shared by every subcommand of sparselab-cli.
struct CliContext {
    BackendRegistry registry;
};

/// Loads an ONNX model (errors name the file and the problem).
ModelPtr loadModel(const std::string& path);

/// Reads raw little-endian float32 features; the count must match the model's input.
Tensor readFeatures(const std::string& path, const Model& model);

/// Index of the largest value in [offset, offset + count).
int64_t argmax(const float* values, int64_t count);

/// Prints a JSON document on stdout, followed by a newline.
void printJson(const Json& json);

/// Adds the common --backend / --mode / --threads options to a subcommand.
struct BackendOptions {
    std::string backend = "cpu-dense";
    std::string mode;  ///< empty: the backend's fastest mode
    int threads = 1;
    void addTo(CLI::App& command);
    /// Prepares `model` on the chosen backend; throws Error on bad names or unavailable backends.
    std::unique_ptr<Executor> prepare(const CliContext& ctx, ModelPtr model) const;
};

}  // namespace sparselab::cli

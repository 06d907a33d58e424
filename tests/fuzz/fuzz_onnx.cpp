// libFuzzer harness: ONNX model import (loadOnnxFromBytes), including SparseLab's custom
// ai.sparselab KWinners op, sparse initializers and metadata. Invariants for every input:
//  - only sparselab::Error may escape the importer (no crash, no other exception, no huge
//    allocation: the limits are checked before anything is allocated);
//  - an accepted model validates, exports, and re-imports with the same layers and shapes;
//  - a small accepted model runs on every CPU backend and mode and yields [1, classes].
#include <cmath>

#include "core/backend.h"
#include "core/error.h"
#include "core/model_stats.h"
#include "core/onnx_model.h"
#include "fuzz_support.h"

using namespace sparselab;

namespace {

void checkRoundTrip(const Model& model) {
    Model again;
    try {
        again = loadOnnxFromBytes(saveOnnxToBytes(model), "round trip");
    } catch (const Error& e) {
        fuzz::fail(std::string("an accepted model does not re-import: ") + e.what());
    }
    if (again.layers.size() != model.layers.size() || again.inputShape != model.inputShape)
        fuzz::fail("round trip changed the layer list or the input shape");
    for (size_t i = 0; i < model.layers.size(); ++i)
        if (again.layers[i].kind() != model.layers[i].kind())
            fuzz::fail("round trip changed the kind of layer " + std::to_string(i));
    if (again.outputShape() != model.outputShape()) fuzz::fail("round trip changed the output");
}

void runEverywhere(const ModelPtr& model) {
    const BackendRegistry registry = BackendRegistry::withCpuBackends();
    Tensor input(model->inputShape);
    for (int64_t i = 0; i < input.size(); ++i)
        input[i] = static_cast<float>((i * 37) % 11) - 5.0f;  // fixed, with ties and zeros
    for (const Backend* backend : registry.all()) {
        for (ExecutionMode mode : backend->modes()) {
            PrepareOptions options;
            options.mode = mode;
            std::unique_ptr<Executor> executor;
            try {
                executor = backend->prepare(model, options);
            } catch (const Error&) {
                continue;  // a backend may decline a model (e.g. no sparse layer to pack)
            }
            const Tensor out = executor->run(input);
            if (out.rank() != 2 || out.dim(0) != 1 || out.dim(1) != model->numClasses())
                fuzz::fail(backend->name() + " " + std::string(toString(mode)) +
                           ": output shape is not [1, classes]");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    OnnxLimits limits;  // smaller than the defaults so a run stays fast; same code paths
    limits.maxTensorElements = 1 << 20;
    limits.maxTotalElements = 2 << 20;
    Model model;
    try {
        model = loadOnnxFromBytes(fuzz::bytesOf(data, size), "fuzz input", limits);
    } catch (const Error& e) {
        fuzz::noteRejected(e);
        return 0;  // rejected with a message: the expected outcome for most inputs
    }
    try {
        model.validate();
    } catch (const Error& e) {
        fuzz::fail(std::string("an accepted model does not validate: ") + e.what());
    }
    const ModelStats stats = computeStats(model);
    checkRoundTrip(model);
    if (stats.denseMacs <= 2'000'000 && numel(model.inputShape) <= 65536)
        runEverywhere(std::make_shared<const Model>(std::move(model)));
    return 0;
}

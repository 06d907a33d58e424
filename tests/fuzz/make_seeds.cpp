// Writes the binary seed inputs of the fuzz corpora with SparseLab's own writers, so seeds
// are always files the current code accepts (tests/fuzz/make_seeds.sh runs it, then adds the
// audio and list seeds made with sox and the shell). Usage: make_seeds <corpus folder>
#include <cstdio>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/gsc_presets.h"
#include "core/onnx_model.h"
#if __has_include("core/train/checkpoint.h")
#include "core/train/checkpoint.h"
#define SPARSELAB_HAVE_CHECKPOINT 1
#endif

using namespace sparselab;
namespace fs = std::filesystem;

namespace {

/// A tiny GSC-shaped network (input 1x32x32) with sparse weights and k-winners.
Model tinyGsc(bool kWinnersBeforePool) {
    GscConfig c = GscConfig::preset("sparse");
    c.conv1Channels = 2;
    c.conv2Channels = 2;
    c.linearUnits = 8;
    c.classes = 3;
    c.conv1K = 200;
    c.conv2K = 20;
    c.linearK = 3;
    c.kWinnersBeforePool = kWinnersBeforePool;
    Model m = buildGscModel(c, 7);
    m.metadata.labels = {"yes", "no", "unknown"};
    m.metadata.hasLabels = true;
    return m;
}

/// A hand-built network using every layer kind the engine knows, on a 2x6x6 input.
Model everyLayer() {
    Model m;
    m.name = "every-layer";
    m.inputShape = {2, 6, 6};
    Conv2dParams conv;
    conv.weight = Tensor({3, 2, 3, 3});
    for (int64_t i = 0; i < conv.weight.size(); ++i)
        conv.weight[i] = (i % 3 == 0) ? 0.0f : 0.1f * static_cast<float>(i % 7) - 0.3f;
    conv.bias = {0.1f, -0.2f, 0.0f};
    conv.padTop = conv.padLeft = conv.padBottom = conv.padRight = 1;
    m.layers.push_back({"conv", conv});
    MaxPool2dParams pool;
    pool.padBottom = pool.padRight = 1;
    pool.kernelH = pool.kernelW = 3;
    m.layers.push_back({"pool", pool});
    BatchNormParams bn;
    bn.scale = {1.0f, 0.5f, 2.0f};
    bn.bias = {0.0f, 0.1f, -0.1f};
    bn.mean = {0.1f, 0.0f, 0.2f};
    bn.var = {1.0f, 2.0f, 0.5f};
    m.layers.push_back({"bn", bn});
    KWinnersParams kw;
    kw.k = 1;
    kw.local = true;
    kw.boostStrength = 1.0f;
    kw.dutyCycles = {0.3f, 0.3f, 0.4f};
    m.layers.push_back({"kw", kw});
    m.layers.push_back({"relu", ReLUParams{}});
    m.layers.push_back({"flatten", FlattenParams{}});
    LinearParams fc;
    fc.weight = Tensor({4, 27});
    for (int64_t i = 0; i < fc.weight.size(); ++i)
        fc.weight[i] = (i % 4 == 1) ? 0.05f * static_cast<float>(i % 5) : 0.0f;
    fc.bias = {0.0f, 0.1f, 0.2f, 0.3f};
    m.layers.push_back({"fc", fc});
    m.layers.push_back({"softmax", SoftmaxParams{}});
    m.metadata.features.nMels = 6;
    m.metadata.hasFeatureParams = true;
    m.metadata.extra["note"] = "fuzz seed";
    m.validate();
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus folder>\n", argv[0]);
        return 2;
    }
    const fs::path corpus = argv[1];
    fs::create_directories(corpus / "onnx");
    writeFileAtomically(corpus / "onnx/tiny_gsc_after_pool.onnx", saveOnnxToBytes(tinyGsc(false)));
    writeFileAtomically(corpus / "onnx/tiny_gsc_before_pool.onnx", saveOnnxToBytes(tinyGsc(true)));
    writeFileAtomically(corpus / "onnx/every_layer.onnx", saveOnnxToBytes(everyLayer()));
#ifdef SPARSELAB_HAVE_CHECKPOINT
    fs::create_directories(corpus / "checkpoint");
    train::StateMap state;
    state["conv1.weight"] = {0.5f, -1.0f, 0.0f, 2.0f};
    state["kw1.duty_cycles"] = {0.1f, 0.2f};
    state["step"] = {};
    train::saveCheckpoint(state, corpus / "checkpoint/small.ckpt");
#endif
    std::printf("seeds written to %s\n", corpus.c_str());
    return 0;
}

// saveOnnx -> loadOnnx gives back the same model, bit for bit.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/onnx_model.h"

using namespace sparselab;

namespace {

void expectSameTensor(const Tensor& a, const Tensor& b, const std::string& what) {
    ASSERT_EQ(a.shape(), b.shape()) << what;
    for (int64_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << what << " at " << i;
}

void expectSameModel(const Model& a, const Model& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.inputShape, b.inputShape);
    EXPECT_EQ(a.metadata.labels, b.metadata.labels);
    EXPECT_EQ(a.metadata.extra, b.metadata.extra);
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const Layer& x = a.layers[i];
        const Layer& y = b.layers[i];
        EXPECT_EQ(x.name, y.name);
        ASSERT_EQ(x.kind(), y.kind()) << x.name;
        if (x.weight()) expectSameTensor(*x.weight(), *y.weight(), x.name);
        if (x.is<Conv2dParams>()) {
            EXPECT_EQ(x.as<Conv2dParams>().bias, y.as<Conv2dParams>().bias);
        }
        if (x.is<LinearParams>()) {
            EXPECT_EQ(x.as<LinearParams>().bias, y.as<LinearParams>().bias);
        }
        if (x.is<KWinnersParams>()) {
            const auto& p = x.as<KWinnersParams>();
            const auto& q = y.as<KWinnersParams>();
            EXPECT_EQ(p.k, q.k);
            EXPECT_EQ(p.kInferenceFactor, q.kInferenceFactor);
            EXPECT_EQ(p.local, q.local);
            EXPECT_EQ(p.boostStrength, q.boostStrength);
            EXPECT_EQ(p.boostStrengthFactor, q.boostStrengthFactor);
            EXPECT_EQ(p.dutyCyclePeriod, q.dutyCyclePeriod);
            EXPECT_EQ(p.dutyCycles, q.dutyCycles);
            EXPECT_EQ(p.relu, q.relu);
        }
        if (x.is<MaxPool2dParams>()) {
            const auto& p = x.as<MaxPool2dParams>();
            const auto& q = y.as<MaxPool2dParams>();
            EXPECT_EQ(std::tie(p.kernelH, p.kernelW, p.strideH, p.strideW, p.padTop, p.padLeft),
                      std::tie(q.kernelH, q.kernelW, q.strideH, q.strideW, q.padTop, q.padLeft));
        }
    }
}

}  // namespace

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, PresetModelsSurviveExportAndImport) {
    for (bool before : {false, true}) {
        GscConfig c = GscConfig::preset(GetParam());
        c.kWinnersBeforePool = before;
        c.kInferenceFactor = 1.5f;
        if (before) c.conv1K *= 4, c.conv2K *= 4;
        Model m = buildGscModel(c, 17);
        m.metadata.labels = commandsLabels();
        m.metadata.hasLabels = true;
        m.metadata.hasFeatureParams = true;
        m.metadata.features.nMels = 40;
        m.metadata.extra["sparselab.train_command"] = "sparselab-cli train --seed 17";
        const std::string bytes = saveOnnxToBytes(m);
        const Model back = loadOnnxFromBytes(bytes, "roundtrip.onnx");
        expectSameModel(m, back);
        EXPECT_EQ(back.metadata.features.nMels, 40);
        EXPECT_TRUE(back.metadata.hasFeatureParams);
        // And once more: the second export is byte-identical to the first.
        EXPECT_EQ(saveOnnxToBytes(back), bytes);
    }
}

INSTANTIATE_TEST_SUITE_P(Presets, RoundTrip, ::testing::Values("dense", "sparse", "super-sparse"));

TEST(OnnxExport, SparseWeightsAreStoredSparsely) {
    const Model dense = buildGscModel(GscConfig::preset("dense"), 1);
    const Model sparse = buildGscModel(GscConfig::preset("super-sparse"), 1);
    // 95 % zeros: values + int64 indices = 12 bytes per non-zero instead of 4 per weight.
    EXPECT_LT(saveOnnxToBytes(sparse).size(), saveOnnxToBytes(dense).size() / 4);
}

TEST(OnnxExport, FileWriteIsAtomicAndReadable) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "sparselab_roundtrip_test";
    fs::create_directories(dir);
    const Model m = buildGscModel(GscConfig::preset("sparse"), 2);
    saveOnnx(m, dir / "m.onnx");
    const Model back = loadOnnx(dir / "m.onnx");
    expectSameModel(m, back);
    EXPECT_THROW(saveOnnx(m, dir / "no-such-folder" / "m.onnx"), Error);
    fs::remove_all(dir);
}

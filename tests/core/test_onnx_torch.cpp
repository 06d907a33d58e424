// ONNX files exported by PyTorch (folded and unfolded BatchNorm, dynamic and fixed batch,
// view-style reshapes, nupic.torch-style k-winners) reproduce PyTorch's outputs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/cpu_dense_backend.h"
#include "core/model_stats.h"
#include "core/onnx_model.h"

using namespace sparselab;

namespace {

std::vector<float> readF32(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    EXPECT_TRUE(in) << path;
    const auto size = static_cast<size_t>(in.tellg());
    std::vector<float> v(size / 4);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(size));
    return v;
}

}  // namespace

TEST(OnnxFromTorch, OutputsMatchPyTorch) {
    const char* dir =
        SPARSELAB_TORCH_FIXTURES;  // made by the ctest fixture core.make_torch_fixtures
    std::ifstream f(std::string(dir) + "/manifest.json");
    ASSERT_TRUE(f) << "missing " << dir << "/manifest.json";
    const auto manifest = nlohmann::json::parse(f);
    const int64_t batch = manifest["batch"];
    const std::vector<float> inputs = readF32(std::string(dir) + "/inputs.f32");
    ASSERT_EQ(static_cast<int64_t>(inputs.size()), batch * 32 * 32);
    std::cout << "fixture seed " << manifest["seed"] << '\n';
    ASSERT_GE(manifest["models"].size(), 7u);
    for (const auto& entry : manifest["models"]) {
        const std::string name = entry["name"];
        SCOPED_TRACE(name);
        auto model = std::make_shared<const Model>(loadOnnx(entry["onnx"].get<std::string>()));
        for (const Layer& l : model->layers)
            EXPECT_NE(l.kind(), LayerKind::BatchNorm) << "BN not folded";
        const ModelStats stats = computeStats(*model);
        EXPECT_EQ(stats.params, entry["params"].get<int64_t>());
        EXPECT_EQ(stats.nonzeros, entry["nonzeros"].get<int64_t>());
        EXPECT_EQ(stats.denseMacs, entry["dense_macs"].get<int64_t>());

        CpuDenseBackend backend;
        auto exec = backend.prepare(model, {});
        const Tensor out = exec->run(Tensor({batch, 1, 32, 32}, inputs));
        const std::vector<float> want =
            readF32(std::string(dir) + "/" + entry["expected"].get<std::string>());
        ASSERT_EQ(out.size(), static_cast<int64_t>(want.size()));
        float maxDiff = 0.0f;
        for (int64_t i = 0; i < out.size(); ++i)
            maxDiff = std::max(maxDiff, std::abs(out[i] - want[static_cast<size_t>(i)]));
        EXPECT_LE(maxDiff, 1e-4f);
    }
}

// C-simulation: the HLS kernel (fpga/hls, compiled by g++) runs whole GSC models from the kernel
// program the host would write to the card, and must match the CPU int8 reference bit-exactly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/gsc_presets.h"
#include "core/onnx_model.h"
#include "core/quant/int8_reference.h"
#include "fpga/hls/gsc_kernel.h"
#include "fpga/kernel_program.h"

using namespace sparselab;

namespace {

struct CsimResult {
    std::vector<int32_t> kernel, reference;
};

/// Quantises `m`, compiles it for `variant`, runs `samples` inputs through the kernel in one call
/// and through the reference one by one.
CsimResult runBoth(const Model& m, KernelVariant variant, int samples) {
    const quant::QuantizedModel qm =
        quant::quantizeModel(m, quant::syntheticCalibrationInputs(m, 4));
    const KernelProgram kp = compileKernelProgram(qm, variant);
    const Tensor inputs = quant::syntheticCalibrationInputs(m, samples, 99);
    const int64_t per = numel(m.inputShape);
    std::vector<int8_t> q;
    CsimResult r;
    for (int b = 0; b < samples; ++b) {
        auto s = quant::quantizeInput(qm, inputs.values().subspan(size_t(b * per), size_t(per)));
        auto l = quant::runInt8Logits(qm, s);
        r.reference.insert(r.reference.end(), l.begin(), l.end());
        q.insert(q.end(), s.begin(), s.end());
    }
    r.kernel.assign(size_t(samples * kp.logitCount), -12345);
    sparselab_gsc(kp.program.data(), kp.weights.data(), q.data(), r.kernel.data(), samples);
    return r;
}

void expectBitExact(const Model& m, KernelVariant variant) {
    const CsimResult r = runBoth(m, variant, 3);
    ASSERT_EQ(r.kernel.size(), r.reference.size());
    EXPECT_EQ(r.kernel, r.reference) << m.name << " " << toString(variant);
    // The logits are not degenerate (all equal would hide routing mistakes).
    EXPECT_NE(*std::min_element(r.reference.begin(), r.reference.end()),
              *std::max_element(r.reference.begin(), r.reference.end()));
}

Model preset(const char* name, uint32_t seed, bool kwBeforePool = false) {
    GscConfig c = GscConfig::preset(name);
    c.kWinnersBeforePool = kwBeforePool;
    if (kwBeforePool) c.conv1K *= 4, c.conv2K *= 4;
    return buildGscModel(c, seed);
}

}  // namespace

TEST(HlsCsim, DenseModelDenseKernel) {
    expectBitExact(preset("dense", 11), KernelVariant::Dense);
}
TEST(HlsCsim, DenseModelPackedKernel) {
    expectBitExact(preset("dense", 11), KernelVariant::SparseSparse);
}
TEST(HlsCsim, SparseModelDenseKernel) {
    expectBitExact(preset("sparse", 12), KernelVariant::Dense);
}
TEST(HlsCsim, SparseModelPackedKernel) {
    expectBitExact(preset("sparse", 12), KernelVariant::SparseSparse);
}
TEST(HlsCsim, SuperSparseModelBothKernels) {
    const Model m = preset("super-sparse", 13);
    expectBitExact(m, KernelVariant::SparseSparse);
    expectBitExact(m, KernelVariant::Dense);
}
TEST(HlsCsim, KWinnersBeforePoolOrder) {
    expectBitExact(preset("sparse", 14, true), KernelVariant::SparseSparse);
}

TEST(HlsCsim, LocalKWinnersSortingNetwork) {
    Model m = preset("sparse", 15);
    for (Layer& l : m.layers)
        if (l.name == "conv1.kwinners") {
            auto& p = l.as<KWinnersParams>();
            p.local = true;
            p.k = 6;  // of 64 channels at each of 14x14 positions
        }
    expectBitExact(m, KernelVariant::SparseSparse);
    expectBitExact(m, KernelVariant::Dense);
}

TEST(HlsCsim, ReluWinnersAndPlainRelu) {
    Model m = preset("sparse", 16);
    for (Layer& l : m.layers)
        if (l.is<KWinnersParams>()) l.as<KWinnersParams>().relu = true;
    expectBitExact(m, KernelVariant::SparseSparse);
    expectBitExact(preset("dense", 17), KernelVariant::SparseSparse);  // ReLU activations
}

// The model file written by `sparselab-cli make-model` (ONNX round trip) through the kernel.
TEST(HlsCsim, ModelFromMakeModelCommand) {
    const std::filesystem::path cli =
        std::filesystem::path(SPARSELAB_BINARY_DIR) / "app" / "sparselab-cli";
    if (!std::filesystem::exists(cli)) GTEST_SKIP() << "sparselab-cli not built";
    const char* tmpEnv = std::getenv("SPARSELAB_TEST_TMP");
    const std::filesystem::path tmp = tmpEnv ? tmpEnv : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(tmp);
    const std::filesystem::path file = tmp / "csim_sparse.onnx";
    const std::string cmd =
        cli.string() + " make-model --arch sparse --seed 21 -o " + file.string() + " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const Model m = loadOnnx(file.string());
    expectBitExact(m, KernelVariant::SparseSparse);
    expectBitExact(m, KernelVariant::Dense);
}

TEST(HlsCsim, MalformedProgramWritesNothing) {
    std::vector<int32_t> program(64, 0);
    std::vector<int8_t> weights(64, 0), input(1024, 1);
    std::vector<int32_t> logits(12, 7);
    sparselab_gsc(program.data(), weights.data(), input.data(), logits.data(), 1);
    EXPECT_EQ(logits, std::vector<int32_t>(12, 7));
}

TEST(ComplementaryPacking, DisjointKernelsShareOnePackedKernel) {
    // Three kernels over 6 positions whose non-zeros never share a position: one packed kernel.
    const std::vector<int8_t> w{1, 0, 0, 2, 0, 0,  //
                                0, 3, 0, 0, 4, 0,  //
                                0, 0, 5, 0, 0, -6};
    const PackedWeights p = packComplementary(w, 3, 6);
    EXPECT_EQ(p.slots, 1);
    EXPECT_EQ(p.nonzeros, 6);
    const int expectKernel[] = {0, 1, 2, 0, 1, 2};
    const int expectWeight[] = {1, 3, 5, 2, 4, -6};
    for (int pos = 0; pos < 6; ++pos) {
        EXPECT_EQ(sparselab_hls::entryKernel(p.entries[size_t(pos)]), expectKernel[pos]);
        EXPECT_EQ(sparselab_hls::entryWeight(p.entries[size_t(pos)]), expectWeight[pos]);
    }
}

TEST(ComplementaryPacking, OverlappingKernelsNeedMoreSlotsAndLoseNothing) {
    // Position 0 is used by all three kernels -> 3 slots; every weight appears exactly once.
    const std::vector<int8_t> w{7, 1, 0, -7, 0, 2, 9, 0, 0};
    const PackedWeights p = packComplementary(w, 3, 3);
    ASSERT_EQ(p.slots, 3);
    std::vector<int8_t> rebuilt(9, 0);
    for (int pos = 0; pos < 3; ++pos)
        for (int s = 0; s < 3; ++s) {
            const int32_t e = p.entries[size_t(pos * 3 + s)];
            const int8_t wv = sparselab_hls::entryWeight(e);
            if (wv == 0) continue;
            const int k = sparselab_hls::entryKernel(e);
            EXPECT_EQ(rebuilt[size_t(k * 3 + pos)], 0) << "weight packed twice";
            rebuilt[size_t(k * 3 + pos)] = wv;
        }
    EXPECT_EQ(rebuilt, w);
}

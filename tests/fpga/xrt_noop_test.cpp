// The XRT host backend's whole path under XCL_EMULATION_MODE=noop with a metadata-only xclbin:
// load_xclbin -> xrt::kernel per CU -> buffers -> sync -> set args -> run -> wait -> read back.
// Nothing is computed in noop mode, so these tests check the path and the messages, not logits.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/quant/int8_reference.h"
#include "fpga/fpga_backend.h"
#include "fpga/xclbin_writer.h"

using namespace sparselab;
namespace fs = std::filesystem;

namespace {

fs::path tmpDir() {
    const char* t = std::getenv("SPARSELAB_TEST_TMP");
    fs::path p = t ? fs::path(t) : fs::temp_directory_path() / "sparselab-fpga-test";
    fs::create_directories(p);
    return p;
}

std::string xclbinWithCus(int cus) {
    const fs::path p = tmpDir() / ("noop_" + std::to_string(cus) + "cu.xclbin");
    writeMetadataOnlyXclbin(p.string(), cus);
    return p.string();
}

const Backend& fpgaBackend(BackendRegistry& r, FpgaSettings s) {
    r = BackendRegistry::withCpuBackends();
    addFpgaBackend(r, std::move(s));
    return r.require("fpga");
}

ModelPtr sparseModel() {
    return std::make_shared<const Model>(buildGscModel(GscConfig::preset("sparse"), 2));
}

}  // namespace

TEST(FpgaNoop, WholeHostPathOnTwoComputeUnits) {
    ASSERT_STREQ(std::getenv("XCL_EMULATION_MODE"), "noop");
    FpgaSettings s;
    s.xclbin = xclbinWithCus(2);
    s.maxBatchPerRun = 2;
    BackendRegistry r;
    const Backend& fpga = fpgaBackend(r, s);
    EXPECT_TRUE(fpga.status().available) << fpga.status().reason;
    for (ExecutionMode mode : {ExecutionMode::SparseSparse, ExecutionMode::Dense}) {
        auto exec = fpga.prepare(sparseModel(), {mode, 1});
        auto* f = dynamic_cast<FpgaExecutor*>(exec.get());
        ASSERT_NE(f, nullptr);
        EXPECT_NE(f->deviceDescription().find("2 CU"), std::string::npos) << f->deviceDescription();
        const Tensor in = quant::syntheticCalibrationInputs(exec->model(), 5);
        const Tensor out = exec->run(in);
        EXPECT_EQ(out.shape(), (Shape{5, 12}));
        const FpgaRunStats st = f->stats();
        EXPECT_FALSE(st.failedOver) << st.message;
        EXPECT_EQ(st.inferences, 5);
        EXPECT_EQ(st.kernelRuns, 3);  // 2 + 2 + 1 samples
        EXPECT_EQ(st.computeUnits, 2);
        EXPECT_GT(st.deviceSeconds, 0.0);
        EXPECT_GE(st.totalSeconds, st.deviceSeconds);
    }
}

TEST(FpgaNoop, ComputeUnitLimitIsHonoured) {
    FpgaSettings s;
    s.xclbin = xclbinWithCus(4);
    s.computeUnits = 3;
    BackendRegistry r;
    auto exec = fpgaBackend(r, s).prepare(sparseModel(), {});
    EXPECT_EQ(dynamic_cast<FpgaExecutor&>(*exec).stats().computeUnits, 3);
}

TEST(FpgaNoop, DeviceFailureFailsOverToTheCpu) {
    FpgaSettings s;
    s.xclbin = xclbinWithCus(2);
    s.maxBatchPerRun = 2;
    s.failAfterRuns = 1;
    BackendRegistry r;
    auto exec = fpgaBackend(r, s).prepare(sparseModel(), {ExecutionMode::SparseSparse, 1});
    const Tensor in = quant::syntheticCalibrationInputs(exec->model(), 5, 3);
    const Tensor out = exec->run(in);
    const FpgaRunStats st = dynamic_cast<FpgaExecutor&>(*exec).stats();
    EXPECT_TRUE(st.failedOver);
    EXPECT_NE(st.message.find("injected device failure"), std::string::npos) << st.message;
    EXPECT_NE(st.message.find("CPU"), std::string::npos) << st.message;
    // The CPU int8 reference computed everything: identical to running it directly.
    const quant::QuantizedModel qm =
        quant::quantizeModel(exec->model(), quant::syntheticCalibrationInputs(exec->model(), 8));
    const Tensor ref = quant::runInt8(qm, in);
    ASSERT_EQ(out.shape(), ref.shape());
    for (int64_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], ref[i]) << i;
    exec->run(in);  // later runs stay on the CPU without throwing
    EXPECT_EQ(dynamic_cast<FpgaExecutor&>(*exec).stats().inferences, 10);
}

TEST(FpgaNoop, UnsupportedLayerRunsOnTheCpu) {
    Model m = buildGscModel(GscConfig::preset("dense"), 3);
    // A BatchNorm after max-pool cannot be folded into a convolution: no int8 kernel for it.
    m.layers.insert(
        m.layers.begin() + 2,
        Layer{"odd-bn",
              BatchNormParams{std::vector<float>(64, 1.0f), std::vector<float>(64, 0.0f),
                              std::vector<float>(64, 0.0f), std::vector<float>(64, 1.0f)}});
    FpgaSettings s;
    s.xclbin = xclbinWithCus(1);
    BackendRegistry r;
    auto exec = fpgaBackend(r, s).prepare(std::make_shared<const Model>(m), {});
    const FpgaRunStats st = dynamic_cast<FpgaExecutor&>(*exec).stats();
    EXPECT_TRUE(st.failedOver);
    EXPECT_NE(st.message.find("odd-bn"), std::string::npos) << st.message;
    EXPECT_EQ(exec->run(quant::syntheticCalibrationInputs(m, 2)).shape(), (Shape{2, 12}));
}

TEST(FpgaNoop, ClearErrorsForMissingOrBadXclbin) {
    BackendRegistry r;
    ::unsetenv("SPARSELAB_XCLBIN");
    try {
        fpgaBackend(r, {}).prepare(sparseModel(), {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--xclbin"), std::string::npos) << e.what();
    }
    FpgaSettings s;
    s.xclbin = (tmpDir() / "does-not-exist.xclbin").string();
    try {
        fpgaBackend(r, s).prepare(sparseModel(), {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("does-not-exist.xclbin"), std::string::npos);
    }
    const fs::path junk = tmpDir() / "junk.xclbin";
    {
        std::FILE* f = std::fopen(junk.c_str(), "w");
        std::fputs("not an xclbin", f);
        std::fclose(f);
    }
    s.xclbin = junk.string();
    try {
        fpgaBackend(r, s).prepare(sparseModel(), {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("junk.xclbin"), std::string::npos) << e.what();
    }
    ::setenv("SPARSELAB_XCLBIN", xclbinWithCus(1).c_str(), 1);
    EXPECT_NO_THROW(fpgaBackend(r, {}).prepare(sparseModel(), {}));
    ::unsetenv("SPARSELAB_XCLBIN");
    try {
        fpgaBackend(r, s).prepare(sparseModel(), {ExecutionMode::SparseWeights, 1});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("sparse-weights"), std::string::npos) << e.what();
    }
}

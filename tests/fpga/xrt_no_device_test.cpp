// The XRT host backend on a machine without a card (no emulation): clear messages, no crash.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "core/gsc_presets.h"
#include "fpga/fpga_backend.h"

using namespace sparselab;

TEST(FpgaNoDevice, StatusCarriesXrtsOwnMessage) {
    ASSERT_EQ(std::getenv("XCL_EMULATION_MODE"), nullptr) << "run without emulation";
    const BackendRegistry r = makeDefaultRegistry();
    const Backend* fpga = r.find("fpga");
    ASSERT_NE(fpga, nullptr);
    const BackendStatus s = fpga->status();
    EXPECT_FALSE(s.available);
    EXPECT_NE(s.reason.find("XRT found no device"), std::string::npos) << s.reason;
    EXPECT_NE(s.reason.find("Could not open device with index '0'"), std::string::npos) << s.reason;
    // The backend pointed XRT at a usable prefix on its own.
    EXPECT_NE(std::getenv("XILINX_XRT"), nullptr);
}

TEST(FpgaNoDevice, PrepareAndRequireFailWithTheReason) {
    const BackendRegistry r = makeDefaultRegistry();
    auto model = std::make_shared<const Model>(buildGscModel(GscConfig::preset("sparse"), 1));
    try {
        r.find("fpga")->prepare(model, {});
        FAIL() << "prepare succeeded without a device";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("FPGA: unavailable — XRT found no device"),
                  std::string::npos)
            << e.what();
    }
    try {
        r.require("fpga");
        FAIL() << "require succeeded without a device";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("XRT found no device"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fpgaBackendBuilt());
}

TEST(FpgaNoDevice, EmulationWithoutVitisIsReportedNotFatal) {
    // XRT's sw_emu shim would exit() the process without Vitis; the backend must not touch it.
    ::setenv("XCL_EMULATION_MODE", "sw_emu", 1);
    ::unsetenv("XILINX_VITIS");
    const BackendRegistry r = makeDefaultRegistry();
    const BackendStatus s = r.find("fpga")->status();
    ::unsetenv("XCL_EMULATION_MODE");
    EXPECT_FALSE(s.available);
    EXPECT_NE(s.reason.find("needs Vitis"), std::string::npos) << s.reason;
}

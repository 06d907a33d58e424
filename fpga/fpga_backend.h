#pragma once

#include <cstdint>
#include <string>

#include "core/backend.h"

namespace sparselab {

/// Settings of the "fpga" backend (front ends fill them from --xclbin, app settings or the
/// environment).
struct FpgaSettings {
    std::string xclbin;        ///< .xclbin to load; empty = $SPARSELAB_XCLBIN
    unsigned deviceIndex = 0;  ///< XRT device index
    int computeUnits = 0;      ///< compute units to use; 0 = every CU of the kernel in the xclbin
    int maxBatchPerRun = 64;   ///< samples one kernel run processes at most
    /// Calibration inputs [N, ...] for the int8 quantisation; empty = synthetic log-mel-like inputs
    /// (quant::syntheticCalibrationInputs). Real clips give better int8 accuracy.
    Tensor calibration;
    /// Fault injection for tests: the device "fails" (throws) when this many kernel runs have been
    /// started; -1 = never. When -1, addFpgaBackend() takes it from the environment variable
    /// SPARSELAB_FPGA_FAIL_AFTER_RUNS (a test-only seam for the CLI and the app, see
    /// docs/RELIABILITY.md; a malformed value is reported on stderr and ignored).
    int failAfterRuns = -1;
};

/// Timing of an FPGA executor, measured with host timers (steady_clock).
struct FpgaRunStats {
    int64_t inferences = 0;
    int64_t kernelRuns = 0;
    double deviceSeconds = 0.0;  ///< input upload + runs on all CUs + logits download
    double totalSeconds = 0.0;   ///< whole Executor::run calls, host work included
    int computeUnits = 0;
    bool failedOver = false;  ///< the device failed; inference continues on the CPU
    std::string message;      ///< why it failed over (empty otherwise)

    double latencyMilliseconds() const {
        return inferences ? 1e3 * totalSeconds / double(inferences) : 0.0;
    }
    double inferencesPerSecond() const {
        return totalSeconds > 0 ? double(inferences) / totalSeconds : 0.0;
    }
};

/// What the "fpga" backend's prepare() returns: an Executor with device timing. Not thread-safe.
class FpgaExecutor : public Executor {
  public:
    virtual FpgaRunStats stats() const = 0;
    /// "dense" or "sparse-sparse" kernel layers; the CU and device names.
    virtual std::string deviceDescription() const = 0;
};

/// Adds the "fpga" backend to a registry. When SparseLab was built without XRT it is listed as
/// unavailable with the reason "not built"; with XRT and no card, with XRT's own message
/// ("XRT found no device: ...").
void addFpgaBackend(BackendRegistry& registry, FpgaSettings settings = {});

/// The CPU backends plus the FPGA backend: what front ends (CLI, app) offer users.
BackendRegistry makeDefaultRegistry();

/// Whether this build includes the XRT host code.
bool fpgaBackendBuilt();

}  // namespace sparselab

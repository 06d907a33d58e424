#include "fpga_backend.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace sparselab {

#ifdef SPARSELAB_HAVE_XRT
/// Defined in xrt_backend.cpp.
std::unique_ptr<Backend> makeXrtBackend(FpgaSettings settings);
#endif

namespace {

/// Stand-in listed when SparseLab was built without the XRT host code.
class FpgaNotBuiltBackend final : public Backend {
  public:
    std::string name() const override { return "fpga"; }
    std::string description() const override { return "Xilinx FPGA through XRT"; }
    BackendStatus status() const override {
        return {false,
                "not built (install libxrt-dev and configure with -DSPARSELAB_WITH_FPGA=ON)"};
    }
    std::vector<ExecutionMode> modes() const override { return {}; }
    bool supports(const Layer&) const override { return false; }
    std::unique_ptr<Executor> prepare(ModelPtr, const PrepareOptions&) const override {
        throw Error("FPGA: " + status().reason);
    }
};

}  // namespace

bool fpgaBackendBuilt() {
#ifdef SPARSELAB_HAVE_XRT
    return true;
#else
    return false;
#endif
}

void addFpgaBackend(BackendRegistry& registry, FpgaSettings settings) {
#ifdef SPARSELAB_HAVE_XRT
    // Test-only seam (docs/RELIABILITY.md): make the device fail after N kernel runs.
    if (const char* env = std::getenv("SPARSELAB_FPGA_FAIL_AFTER_RUNS");
        env && *env && settings.failAfterRuns < 0) {
        char* end = nullptr;
        long n = std::strtol(env, &end, 10);
        if (*end != '\0' || n < 0 || n > 1000000000L) {
            // Never fatal: a registry is built before any error handling in every front end.
            std::fprintf(stderr,
                         "sparselab: ignoring SPARSELAB_FPGA_FAIL_AFTER_RUNS='%s' (not a run "
                         "count 0..1e9)\n",
                         env);
            n = -1;
        }
        settings.failAfterRuns = static_cast<int>(n);
    }
    registry.add(makeXrtBackend(std::move(settings)));
#else
    (void)settings;
    registry.add(std::make_unique<FpgaNotBuiltBackend>());
#endif
}

BackendRegistry makeDefaultRegistry() {
    BackendRegistry r = BackendRegistry::withCpuBackends();
    addFpgaBackend(r);
    return r;
}

}  // namespace sparselab

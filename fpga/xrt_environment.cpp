#include "xrt_environment.h"

#include <dlfcn.h>
#include <experimental/xrt_system.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <system_error>

namespace sparselab {

namespace fs = std::filesystem;

std::string ensureXrtEnvironment() {
    static std::mutex mutex;
    static std::string note;
    static bool done = false;
    std::lock_guard<std::mutex> lock(mutex);
    if (done) return note;
    done = true;
    if (const char* existing = std::getenv("XILINX_XRT"); existing && *existing) return note;
    std::error_code ec;
    if (fs::exists("/opt/xilinx/xrt/lib", ec)) {
        ::setenv("XILINX_XRT", "/opt/xilinx/xrt", 0);
        note = "XILINX_XRT=/opt/xilinx/xrt";
        return note;
    }
    // The folder holding libxrt_coreutil (any exported XRT function will do).
    Dl_info info{};
    auto symbol = reinterpret_cast<void*>(&xrt::system::enumerate_devices);
    if (dladdr(symbol, &info) == 0 || !info.dli_fname) return note;
    const fs::path libDir = fs::canonical(fs::path(info.dli_fname), ec).parent_path();
    if (ec) return note;
    const fs::path prefix =
        fs::temp_directory_path(ec) / ("sparselab-xrt-" + std::to_string(::getuid()));
    fs::create_directories(prefix, ec);
    const fs::path link = prefix / "lib";
    if (!fs::exists(link, ec)) fs::create_directory_symlink(libDir, link, ec);
    if (fs::exists(link / "libxrt_core.so.2", ec)) {
        ::setenv("XILINX_XRT", prefix.c_str(), 0);
        note = "XILINX_XRT=" + prefix.string() + " (lib -> " + libDir.string() + ")";
    }
    return note;
}

}  // namespace sparselab

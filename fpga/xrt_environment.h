#pragma once

#include <string>

namespace sparselab {

/// XRT reads $XILINX_XRT/lib/libxrt_core.so.2 at start-up and refuses to run without XILINX_XRT.
/// When it is unset this points it at /opt/xilinx/xrt (Xilinx's packages) or, for Debian's
/// multiarch libxrt, at a private prefix in the temp folder whose lib/ links the folder that
/// libxrt_coreutil was loaded from. Idempotent and thread-safe; returns what it did (for logs).
std::string ensureXrtEnvironment();

}  // namespace sparselab

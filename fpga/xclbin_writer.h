#pragma once

#include <string>
#include <vector>

namespace sparselab {

/// Writes an .xclbin container built from XRT's xclbin.h structures with everything the host
/// runtime reads (memory topology, IP layout, connectivity, kernel XML metadata) but no bitstream.
/// Only useful under XCL_EMULATION_MODE=noop, where it lets the whole host path run
/// (load_xclbin -> xrt::kernel -> buffers -> run -> wait) without a card; nothing is computed.
/// Describes the sparselab_gsc kernel (fpga/hls/gsc_kernel.h) with `computeUnits` CUs.
/// Throws Error when the file cannot be written. Available only when built with XRT.
void writeMetadataOnlyXclbin(const std::string& path, int computeUnits);

/// The same container in memory.
std::vector<char> makeMetadataOnlyXclbin(int computeUnits);

}  // namespace sparselab

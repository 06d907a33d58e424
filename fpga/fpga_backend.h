#pragma once

#include "core/backend.h"

namespace sparselab {

/// Adds the "fpga" backend to a registry. When SparseLab was built without XRT it is listed as
/// unavailable with the reason "not built"; with XRT and no card, with XRT's own message.
void addFpgaBackend(BackendRegistry& registry);

/// The CPU backends plus the FPGA backend: what front ends (CLI, app) offer users.
BackendRegistry makeDefaultRegistry();

}  // namespace sparselab

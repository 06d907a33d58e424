// libFuzzer harness: training checkpoints (train::loadCheckpoint), the file `train --resume`
// reads back. Invariants: only sparselab::Error escapes; an accepted checkpoint saves and
// re-loads to exactly the same named arrays.
#include <cstring>

#include "core/error.h"
#include "core/train/checkpoint.h"
#include "fuzz_support.h"

using namespace sparselab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = fuzz::writeScratchFile("input.ckpt", fuzz::bytesOf(data, size));
    train::StateMap state;
    try {
        state = train::loadCheckpoint(path);
    } catch (const Error& e) {
        fuzz::noteRejected(e);
        return 0;
    }
    const auto again = fuzz::scratchFolder() / "again.ckpt";
    train::saveCheckpoint(state, again);
    const train::StateMap reloaded = train::loadCheckpoint(again);
    if (reloaded.size() != state.size()) fuzz::fail("round trip changed the entry count");
    for (const auto& [name, values] : state) {
        const auto it = reloaded.find(name);
        if (it == reloaded.end() || it->second.size() != values.size() ||
            (!values.empty() &&  // bitwise: NaN payloads must survive too
             std::memcmp(it->second.data(), values.data(), values.size() * sizeof(float)) != 0))
            fuzz::fail("round trip changed entry '" + name + "'");
    }
    return 0;
}

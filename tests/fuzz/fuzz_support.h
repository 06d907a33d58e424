#pragma once
// Helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.cpp). Each harness defines
// LLVMFuzzerTestOneInput; it is linked either with libFuzzer (SPARSELAB_FUZZ=ON, clang) or with
// replay_main.cpp, which replays committed seeds and regression inputs in the normal build.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

namespace sparselab::fuzz {

/// The bytes of one fuzz input.
inline std::string_view bytesOf(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// A private scratch folder for harnesses whose entry point reads files (created once per
/// process, under $SPARSELAB_TEST_TMP, /dev/shm or the system temp folder; removed at exit).
const std::filesystem::path& scratchFolder();

/// Writes `bytes` to `name` inside scratchFolder() (plain write: speed matters here, atomicity
/// does not) and returns the path. Aborts on I/O failure: that is the machine, not the input.
std::filesystem::path writeScratchFile(const std::string& name, std::string_view bytes);

/// Prints why an input was rejected when SPARSELAB_FUZZ_VERBOSE is set (to check that seeds
/// are accepted and that messages are clear); silent otherwise, since rejection is expected.
inline void noteRejected(const std::exception& e) {
    static const bool verbose = std::getenv("SPARSELAB_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "  rejected: %s\n", e.what());
}

/// Stops the fuzzer with a message: an invariant that must hold for every input was broken.
[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
    std::abort();
}

}  // namespace sparselab::fuzz

#include "fuzz_support.h"

#include <fstream>
#include <system_error>

namespace sparselab::fuzz {

namespace {

struct Scratch {
    std::filesystem::path path;
    Scratch() {
        namespace fs = std::filesystem;
        fs::path base;
        if (const char* t = std::getenv("SPARSELAB_TEST_TMP"); t && *t)
            base = t;
        else if (fs::is_directory("/dev/shm"))
            base = "/dev/shm";
        else
            base = fs::temp_directory_path();
        path = base / ("sparselab-fuzz-" + std::to_string(::getpid()));
        std::error_code ec;
        fs::create_directories(path, ec);
        if (ec) fail("cannot create scratch folder " + path.string() + ": " + ec.message());
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace

const std::filesystem::path& scratchFolder() {
    static Scratch scratch;
    return scratch.path;
}

std::filesystem::path writeScratchFile(const std::string& name, std::string_view bytes) {
    const std::filesystem::path path = scratchFolder() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) fail("cannot write scratch file " + path.string());
    return path;
}

}  // namespace sparselab::fuzz

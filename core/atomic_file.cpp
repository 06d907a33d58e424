#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "error.h"

namespace sparselab {

namespace {

std::string systemError(int err) {
    return std::strerror(err);
}

}  // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
    namespace fs = std::filesystem;
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::random_device rd;
    std::string tmpName(1, '.');  // hidden sibling: same filesystem, so rename is atomic
    tmpName.append(path.filename().string()).append(".tmp").append(std::to_string(rd() % 1000000));
    const fs::path tmp = dir / tmpName;
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot write " + path.string() + ": " + systemError(errno));
    size_t done = 0;
    int err = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        done += static_cast<size_t>(n);
    }
    if (!err && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (!err && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        throw Error("cannot write " + path.string() + ": " + systemError(err) +
                    " (the previous file, if any, is unchanged)");
    }
}

std::string readFileLimited(const std::filesystem::path& path, std::uintmax_t maxBytes) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw Error(path.string() + ": no such file");
    if (fs::is_directory(status)) throw Error(path.string() + ": is a folder, not a file");
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error(path.string() + ": cannot read its size: " + ec.message());
    if (size > maxBytes)
        throw Error(path.string() + ": file is " + std::to_string(size) +
                    " bytes, more than the limit of " + std::to_string(maxBytes));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open: " + systemError(errno));
    std::string bytes(static_cast<size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size)
        throw Error(path.string() + ": read failed");
    return bytes;
}

}  // namespace sparselab

#include "atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>

#include "error.h"

namespace sparselab {

namespace {

std::string systemError(int err) {
    return std::strerror(err);
}

/// A write beyond the file-size limit (ulimit -f) raises SIGXFSZ, whose default action kills the
/// process before write() can report EFBIG. Ignore it (unless the program installed its own
/// handler) so an oversized write becomes an ordinary, reported error.
void ignoreFileSizeSignal() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction current {};
        if (::sigaction(SIGXFSZ, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
            ::signal(SIGXFSZ, SIG_IGN);
    });
}

/// Creates a new, empty, hidden sibling of `path` (same filesystem, so rename is atomic);
/// O_EXCL guarantees two concurrent writers never share a temporary file.
int createTemporarySibling(const std::filesystem::path& path, std::filesystem::path& tmp) {
    const std::filesystem::path dir =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::random_device rd;
    for (int attempt = 0;; ++attempt) {
        std::string name(1, '.');
        name.append(path.filename().string()).append(".tmp").append(std::to_string(rd() % 1000000));
        tmp = dir / name;
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST || attempt >= 100) return fd;
    }
}

/// Makes a completed rename durable (best effort: some filesystems refuse fsync on folders).
void syncFolder(const std::filesystem::path& path) {
    const std::filesystem::path dir =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
    ignoreFileSizeSignal();
    std::filesystem::path tmp;
    const int fd = createTemporarySibling(path, tmp);
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
    syncFolder(path);
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

#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sparselab {

/// Writes bytes to `path` atomically: a temporary file in the same folder is written, flushed
/// and renamed over `path`, so a crash, a full disk or a write error leaves the previous file
/// intact. Throws Error naming the file and the problem (the temporary file is removed).
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

/// Reads a whole file, refusing files larger than maxBytes. Throws Error naming the file.
std::string readFileLimited(const std::filesystem::path& path, std::uintmax_t maxBytes);

}  // namespace sparselab

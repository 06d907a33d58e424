#include "checkpoint.h"

#include <cstdint>
#include <cstring>

#include "core/atomic_file.h"
#include "core/error.h"

namespace sparselab::train {
namespace {

constexpr char kMagic[] = "SPARSELAB-CHECKPOINT 1\n";
constexpr char kEnd[] = "END\n";
constexpr std::uintmax_t kMaxBytes = 2ull << 30;

template <typename T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

/// A training process killed during a checkpoint write leaves its temporary sibling
/// (".checkpoint.bin.tmpNNN", see writeFileAtomically) behind; the checkpoint itself is intact.
/// Once a newer checkpoint is in place those leftovers are garbage: remove them (best effort).
void removeStaleTemporaries(const std::filesystem::path& path) {
    std::string prefix(1, '.');  // built by appending: gcc 12 warns (-Wrestrict) on "." + ...
    prefix.append(path.filename().string()).append(".tmp");
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0)
            std::filesystem::remove(entry.path(), ec);
    }
}

}  // namespace

void saveCheckpoint(const StateMap& state, const std::filesystem::path& path) {
    std::string out(kMagic);
    for (const auto& [name, values] : state) {
        put(out, static_cast<uint32_t>(name.size()));
        out += name;
        put(out, static_cast<uint64_t>(values.size()));
        out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    }
    put(out, uint32_t{0});
    out += kEnd;
    writeFileAtomically(path, out);
    removeStaleTemporaries(path);
}

StateMap loadCheckpoint(const std::filesystem::path& path) {
    const std::string bytes = readFileLimited(path, kMaxBytes);
    const std::string where = "checkpoint '" + path.string() + "'";
    if (bytes.compare(0, sizeof kMagic - 1, kMagic) != 0)
        throw Error(where + " is not a SparseLab checkpoint");
    size_t pos = sizeof kMagic - 1;
    auto need = [&](size_t n) {
        if (bytes.size() - pos < n) throw Error(where + " is truncated");
    };
    StateMap state;
    for (;;) {
        uint32_t nameLen = 0;
        need(sizeof nameLen);
        std::memcpy(&nameLen, bytes.data() + pos, sizeof nameLen);
        pos += sizeof nameLen;
        if (nameLen == 0) break;
        need(nameLen);
        std::string name = bytes.substr(pos, nameLen);
        pos += nameLen;
        uint64_t count = 0;
        need(sizeof count);
        std::memcpy(&count, bytes.data() + pos, sizeof count);
        pos += sizeof count;
        if (count > (bytes.size() - pos) / sizeof(float)) throw Error(where + " is truncated");
        std::vector<float> values(count);
        if (count > 0)  // an empty vector's data() may be null: memcpy(nullptr, ..., 0) is UB
            std::memcpy(values.data(), bytes.data() + pos, count * sizeof(float));
        pos += count * sizeof(float);
        state[std::move(name)] = std::move(values);
    }
    need(sizeof kEnd - 1);
    if (bytes.compare(pos, sizeof kEnd - 1, kEnd) != 0) throw Error(where + " is truncated");
    return state;
}

}  // namespace sparselab::train

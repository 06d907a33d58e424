// Fault tests for core/atomic_file (label `faults`): a write that fails part-way (file-size
// limit, missing folder) reports a clear Error and leaves the previous file intact with no
// temporary file behind; concurrent writers never interleave; reads refuse oversized files.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace fs = std::filesystem;
using sparselab::Error;
using sparselab::readFileLimited;
using sparselab::writeFileAtomically;

namespace {

fs::path freshFolder(const std::string& name) {
    const char* base = std::getenv("SPARSELAB_TEST_TMP");
    const fs::path dir =
        fs::path(base ? base : fs::temp_directory_path().c_str()) / "faults" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t entriesIn(const fs::path& dir) {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST(AtomicWrite, ReplacesContentAndLeavesNoTemporaryFile) {
    const fs::path dir = freshFolder("replace");
    writeFileAtomically(dir / "a.bin", "first");
    writeFileAtomically(dir / "a.bin", "second version");
    EXPECT_EQ(slurp(dir / "a.bin"), "second version");
    EXPECT_EQ(entriesIn(dir), 1u);
}

// RLIMIT_FSIZE is what `ulimit -f` sets. Without SIGXFSZ handling the kernel kills the process
// (signal 25) before write() returns; writeFileAtomically must turn it into EFBIG + Error.
// Run in a child process so the limit does not affect the test runner.
TEST(AtomicWrite, FileSizeLimitGivesErrorAndKeepsPreviousFile) {
    const fs::path dir = freshFolder("fsize");
    const fs::path target = dir / "model.onnx";
    const std::string previous(3000, 'p');
    writeFileAtomically(target, previous);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        rlimit lim{4096, 4096};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        try {
            writeFileAtomically(target, std::string(100000, 'n'));
            ::_exit(10);  // must not succeed
        } catch (const Error& e) {
            const std::string what = e.what();
            const bool named = what.find(target.string()) != std::string::npos;
            const bool reason = what.find("File too large") != std::string::npos;
            const bool intact = what.find("unchanged") != std::string::npos;
            ::_exit(named && reason && intact ? 0 : 11);
        }
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10: write succeeded, 11: unclear message";
    EXPECT_EQ(slurp(target), previous);
    EXPECT_EQ(entriesIn(dir), 1u) << "temporary file left behind";
}

TEST(AtomicWrite, MissingFolderNamesThePath) {
    const fs::path dir = freshFolder("missing");
    const fs::path target = dir / "no" / "such" / "out.csv";
    try {
        writeFileAtomically(target, "x");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
}

TEST(AtomicWrite, TargetIsAFolderKeepsFolder) {
    const fs::path dir = freshFolder("folder");
    fs::create_directories(dir / "out.json");
    EXPECT_THROW(writeFileAtomically(dir / "out.json", "{}"), Error);
    EXPECT_TRUE(fs::is_directory(dir / "out.json"));
    EXPECT_EQ(entriesIn(dir), 1u);
}

// Readers only ever see one complete version, never a mix, while writers race.
TEST(AtomicWrite, ConcurrentWritersNeverInterleave) {
    const fs::path dir = freshFolder("race");
    const fs::path target = dir / "settings.json";
    std::vector<std::string> versions;
    for (char c : std::string("abcdefgh")) versions.push_back(std::string(200000, c));
    writeFileAtomically(target, versions[0]);
    std::vector<std::thread> writers;
    for (const std::string& v : versions)
        writers.emplace_back([&target, &v] {
            for (int i = 0; i < 5; ++i) writeFileAtomically(target, v);
        });
    int reads = 0;
    for (int i = 0; i < 200; ++i, ++reads) {
        const std::string now = slurp(target);
        ASSERT_EQ(now.size(), 200000u);
        ASSERT_EQ(now.find_first_not_of(now[0]), std::string::npos) << "mixed versions";
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(entriesIn(dir), 1u);
    EXPECT_GT(reads, 0);
}

TEST(ReadLimited, RefusesOversizedMissingAndFolders) {
    const fs::path dir = freshFolder("read");
    writeFileAtomically(dir / "big", std::string(5000, 'b'));
    EXPECT_EQ(readFileLimited(dir / "big", 5000).size(), 5000u);
    try {
        readFileLimited(dir / "big", 4999);
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("more than the limit"), std::string::npos);
    }
    EXPECT_THROW(readFileLimited(dir / "absent", 100), Error);
    EXPECT_THROW(readFileLimited(dir, 100), Error);
}

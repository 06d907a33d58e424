#include "sparse_kernels.h"

#include <cstdlib>

namespace sparselab {

namespace kernels_generic {
extern const SparseKernelTable kTable;
}
namespace kernels_avx2 {
extern const SparseKernelTable kTable;
}
namespace kernels_avx512 {
extern const SparseKernelTable kTable;
}

namespace {

bool cpuHas(const std::string& isa) {
    __builtin_cpu_init();
    if (isa == "generic") return true;
    if (isa == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == "avx512")
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               cpuHas("avx2");
    return false;
}

const SparseKernelTable& pickBest() {
    if (const char* forced = std::getenv("SPARSELAB_ISA"))
        if (const SparseKernelTable* t = sparseKernels(forced)) return *t;
    for (const char* isa : {"avx512", "avx2"})
        if (const SparseKernelTable* t = sparseKernels(isa)) return *t;
    return kernels_generic::kTable;
}

}  // namespace

const SparseKernelTable* sparseKernels(const std::string& isa) {
    if (!cpuHas(isa)) return nullptr;
    if (isa == "generic") return &kernels_generic::kTable;
    if (isa == "avx2") return &kernels_avx2::kTable;
    if (isa == "avx512") return &kernels_avx512::kTable;
    return nullptr;
}

const SparseKernelTable& sparseKernels() {
    static const SparseKernelTable& best = pickBest();
    return best;
}

std::vector<std::string> availableKernelIsas() {
    std::vector<std::string> out;
    for (const char* isa : {"generic", "avx2", "avx512"})
        if (cpuHas(isa)) out.push_back(isa);
    return out;
}

}  // namespace sparselab

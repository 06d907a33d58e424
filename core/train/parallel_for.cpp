#include "parallel_for.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sparselab::train {

int chunkCount(int64_t n, int threads) {
    return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(std::max(threads, 1), n)));
}

void parallelFor(int64_t n, int threads, const std::function<void(int64_t, int64_t, int)>& fn) {
    if (n <= 0) return;
    const int chunks = chunkCount(n, threads);
    if (chunks == 1) {
        fn(0, n, 0);
        return;
    }
    std::exception_ptr error;
    std::mutex errorMutex;
    auto run = [&](int c) {
        const int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
        try {
            fn(begin, end, c);
        } catch (...) {
            std::lock_guard lock(errorMutex);
            if (!error) error = std::current_exception();
        }
    };
    std::vector<std::thread> workers;
    workers.reserve(static_cast<size_t>(chunks - 1));
    for (int c = 1; c < chunks; ++c) workers.emplace_back(run, c);
    run(0);
    for (auto& t : workers) t.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace sparselab::train

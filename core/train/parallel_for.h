#pragma once

#include <cstdint>
#include <functional>

namespace sparselab::train {

/// Splits [0, n) into at most `threads` contiguous chunks and runs fn(begin, end, chunkIndex) on
/// each, the first chunk on the calling thread. Returns when all chunks are done. Exceptions
/// thrown by fn are rethrown on the calling thread (the first one wins).
void parallelFor(int64_t n, int threads,
                 const std::function<void(int64_t begin, int64_t end, int chunk)>& fn);

/// Number of chunks parallelFor(n, threads, ...) will use (min(threads, n), at least 1).
int chunkCount(int64_t n, int threads);

}  // namespace sparselab::train

// The persistent worker pool and the cpu-sparse executor's batches over it: every sample of a
// batch must come out exactly as when run alone, for any thread count, and two executors must
// run concurrently from two threads without disturbing each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/cpu_dense_backend.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/sparse/cpu_sparse_backend.h"
#include "core/worker_pool.h"
#include "random_input.h"

using namespace sparselab;

namespace {

/// Runs every sample of `batch` alone on a one-thread executor: the reference a batched,
/// threaded run must reproduce bit for bit (the same kernels run on each sample).
Tensor oneByOne(const ModelPtr& model, const Tensor& batch) {
    auto exec = CpuSparseBackend().prepare(model, PrepareOptions{ExecutionMode::SparseSparse, 1});
    const int64_t n = batch.dim(0), in = batch.size() / n;
    Tensor out;
    for (int64_t b = 0; b < n; ++b) {
        Tensor sample(model->inputShape);
        std::copy(batch.data() + b * in, batch.data() + (b + 1) * in, sample.data());
        const Tensor y = exec->run(sample);
        if (out.empty()) out = Tensor({n, y.size()});
        std::copy(y.data(), y.data() + y.size(), out.data() + b * y.size());
    }
    return out;
}

ModelPtr superSparse(uint32_t seed) {
    GscConfig cfg = GscConfig::preset("super-sparse");
    cfg.linearUnits = 400;  // keeps the test quick
    return std::make_shared<const Model>(buildGscModel(cfg, seed));
}

}  // namespace

TEST(WorkerPool, RunsEachWorkerOncePerJob) {
    WorkerPool pool(3);
    EXPECT_EQ(pool.threads(), 3);
    for (int workers : {3, 2, 1, 3, 5}) {
        std::vector<std::atomic<int>> calls(3);
        pool.run(workers, [&](int w) { calls[size_t(w)].fetch_add(1); });
        const int expected = std::min(workers, 3);
        for (int w = 0; w < 3; ++w) EXPECT_EQ(calls[size_t(w)].load(), w < expected ? 1 : 0);
    }
    // Many short jobs in a row: no lost wake-up, no deadlock.
    std::atomic<int> total{0};
    for (int i = 0; i < 2000; ++i) pool.run(3, [&](int) { total.fetch_add(1); });
    EXPECT_EQ(total.load(), 6000);
}

TEST(WorkerPool, HandsOverBySleepingAndBySpinning) {
    // spin 0: every hand-over through the condition variables; a long spin: none of them.
    // Jobs of uneven length and idle gaps longer than the spin must neither lose a wake-up
    // nor return before every worker has finished.
    for (int spin : {0, 50, 20000}) {
        WorkerPool pool(3, spin);
        for (int i = 0; i < 300; ++i) {
            std::vector<std::atomic<int>> calls(3);
            std::atomic<int> finished{0};
            pool.run(3, [&](int w) {
                if (w == (i % 3) && i % 7 == 0)
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                calls[size_t(w)].fetch_add(1);
                finished.fetch_add(1);
            });
            ASSERT_EQ(finished.load(), 3) << "spin " << spin << ", job " << i;
            for (int w = 0; w < 3; ++w) ASSERT_EQ(calls[size_t(w)].load(), 1);
            if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    }
}

TEST(WorkerPool, RethrowsAWorkersExceptionAndStaysUsable) {
    WorkerPool pool(2);
    EXPECT_THROW(pool.run(2,
                          [](int w) {
                              if (w == 1) throw std::runtime_error("worker 1 failed");
                          }),
                 std::runtime_error);
    EXPECT_THROW(pool.run(2,
                          [](int w) {
                              if (w == 0) throw std::runtime_error("worker 0 failed");
                          }),
                 std::runtime_error);
    std::atomic<int> calls{0};
    pool.run(2, [&](int) { calls.fetch_add(1); });
    EXPECT_EQ(calls.load(), 2);
}

TEST(SparseExecutorThreads, BatchesMatchSamplesRunAlone) {
    const ModelPtr model = superSparse(5);
    const Tensor batch = test::randomInput(*model, 7, 11);
    const Tensor ref = oneByOne(model, batch);
    const Tensor dense = CpuDenseBackend().prepare(model, PrepareOptions{})->run(batch);
    for (int threads : {1, 2, 3}) {
        SCOPED_TRACE("threads " + std::to_string(threads));
        auto exec =
            CpuSparseBackend().prepare(model, PrepareOptions{ExecutionMode::SparseSparse, threads});
        for (int repeat = 0; repeat < 3; ++repeat) {  // the pool is reused between runs
            const Tensor out = exec->run(batch);
            ASSERT_EQ(out.shape(), ref.shape());
            for (int64_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], ref[i]) << "element " << i;
        }
        double diff = 0, scale = 0;
        for (int64_t i = 0; i < dense.size(); ++i) {
            diff = std::max(diff, double(std::fabs(ref[i] - dense[i])));
            scale = std::max(scale, double(std::fabs(dense[i])));
        }
        EXPECT_LE(diff / scale, 1e-5);
    }
}

TEST(SparseExecutorThreads, BatchSizesAndThreadsMatchFreshExecutors) {
    // k-winners bands carry over from sample to sample inside a worker; the outputs must not
    // depend on that: every sample of batches of 1, 3 and 64 on 1, 2 and 3 threads equals a
    // run of that sample alone on a freshly prepared executor, bit for bit, and the dense
    // reference within 1e-5 with the same predicted label.
    const ModelPtr model = superSparse(9);
    const Tensor all = test::randomInput(*model, 64, 17);
    const int64_t in = all.size() / 64;
    Tensor fresh, dense = CpuDenseBackend().prepare(model, PrepareOptions{})->run(all);
    for (int64_t b = 0; b < 64; ++b) {
        Tensor sample(model->inputShape);
        std::copy(all.data() + b * in, all.data() + (b + 1) * in, sample.data());
        auto exec =
            CpuSparseBackend().prepare(model, PrepareOptions{ExecutionMode::SparseSparse, 1});
        const Tensor y = exec->run(sample);
        if (fresh.empty()) fresh = Tensor({64, y.size()});
        std::copy(y.data(), y.data() + y.size(), fresh.data() + b * y.size());
    }
    const int64_t classes = fresh.dim(1);
    for (int64_t b = 0; b < 64; ++b) {
        const float* f = fresh.data() + b * classes;
        const float* d = dense.data() + b * classes;
        float scale = 0.0f;
        for (int64_t c = 0; c < classes; ++c) scale = std::max(scale, std::fabs(d[c]));
        for (int64_t c = 0; c < classes; ++c) ASSERT_LE(std::fabs(f[c] - d[c]), 1e-5f * scale);
        EXPECT_EQ(std::max_element(f, f + classes) - f, std::max_element(d, d + classes) - d);
    }
    for (int threads : {1, 2, 3}) {
        auto exec =
            CpuSparseBackend().prepare(model, PrepareOptions{ExecutionMode::SparseSparse, threads});
        for (int64_t n : {1, 3, 64}) {
            for (int64_t start : {int64_t(0), 64 - n}) {
                Tensor batch({n, 1, 32, 32});
                std::copy(all.data() + start * in, all.data() + (start + n) * in, batch.data());
                const Tensor out = exec->run(batch);
                for (int64_t i = 0; i < out.size(); ++i)
                    ASSERT_EQ(out[i], fresh[start * classes + i])
                        << threads << " threads, batch " << n << ", element " << i;
            }
        }
    }
}

TEST(SparseExecutorThreads, TwoExecutorsRunConcurrently) {
    const ModelPtr a = superSparse(21), b = superSparse(22);
    const Tensor inA = test::randomInput(*a, 5, 31), inB = test::randomInput(*b, 5, 32);
    const Tensor refA = oneByOne(a, inA), refB = oneByOne(b, inB);
    auto exA = CpuSparseBackend().prepare(a, PrepareOptions{ExecutionMode::SparseSparse, 2});
    auto exB = CpuSparseBackend().prepare(b, PrepareOptions{ExecutionMode::SparseSparse, 2});
    std::atomic<int> mismatches{0};
    auto loop = [&](Executor& e, const Tensor& in, const Tensor& ref) {
        for (int i = 0; i < 30; ++i) {
            const Tensor out = e.run(in);
            for (int64_t j = 0; j < out.size(); ++j)
                if (out[j] != ref[j]) {
                    mismatches.fetch_add(1);
                    break;
                }
        }
    };
    std::thread t1(loop, std::ref(*exA), std::cref(inA), std::cref(refA));
    std::thread t2(loop, std::ref(*exB), std::cref(inB), std::cref(refB));
    t1.join();
    t2.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(SparseExecutorThreads, BadInputShapeIsAnError) {
    const ModelPtr model = superSparse(3);
    auto exec = CpuSparseBackend().prepare(model, PrepareOptions{ExecutionMode::SparseSparse, 2});
    EXPECT_THROW(exec->run(Tensor({2, 1, 31, 32})), Error);
    EXPECT_THROW(exec->run(Tensor({1, 32, 32, 1})), Error);
    EXPECT_NO_THROW(exec->run(Tensor({1, 32, 32})));
}

TEST(DenseExecutorThreads, PooledBatchesMatchOneThread) {
    // cpu-dense keeps its workers between runs too: repeated batches of any size on 2 and 3
    // threads match the one-thread run (Eigen may order the sums of a 1-sample slice and of a
    // whole batch differently, so within 1e-5 of the output's scale, not bit for bit).
    const ModelPtr model = superSparse(5);
    auto one = CpuDenseBackend().prepare(model, PrepareOptions{ExecutionMode::Dense, 1});
    for (int threads : {2, 3}) {
        auto exec = CpuDenseBackend().prepare(model, PrepareOptions{ExecutionMode::Dense, threads});
        for (int64_t n : {1, 2, 5, 7}) {
            const Tensor batch = test::randomInput(*model, n, uint32_t(40 + n));
            const Tensor want = one->run(batch);
            for (int rep = 0; rep < 2; ++rep) {
                const Tensor got = exec->run(batch);
                ASSERT_EQ(got.shape(), want.shape());
                float scale = 0.0f;
                for (int64_t i = 0; i < want.size(); ++i)
                    scale = std::max(scale, std::abs(want[i]));
                for (int64_t i = 0; i < got.size(); ++i)
                    ASSERT_LE(std::abs(got[i] - want[i]), 1e-5f * scale)
                        << threads << " threads, batch " << n << ", element " << i;
            }
        }
    }
}

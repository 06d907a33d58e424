#include "worker_pool.h"

#include <algorithm>
#include <chrono>

namespace sparselab {

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// Polls `done` for up to `micros`; true as soon as it holds.
template <class Pred>
bool spinUntil(int micros, Pred done) {
    if (micros <= 0) return done();
    const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (done()) return true;
            cpuRelax();
        }
        if (std::chrono::steady_clock::now() >= end) return done();
    }
}

}  // namespace

WorkerPool::WorkerPool(int threads, int spinMicros)
    : m_threads(std::max(1, threads)), m_spinMicros(std::max(0, spinMicros)) {
    m_errors.resize(size_t(m_threads));
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
    }
    m_wake.notify_all();
    for (std::thread& t : m_pool) t.join();
}

void WorkerPool::loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
        const std::function<void(int)>* job = nullptr;
        spinUntil(m_spinMicros, [&] {
            return m_stop.load(std::memory_order_relaxed) ||
                   m_generation.load(std::memory_order_acquire) != seen;
        });
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop.load() || m_generation.load() != seen; });
            if (m_stop.load()) return;
            seen = m_generation.load();
            if (worker >= m_workers) continue;  // not part of this job
            job = m_job;
        }
        try {
            (*job)(worker);
        } catch (...) {
            m_errors[size_t(worker)] = std::current_exception();
        }
        if (m_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            // The caller may be asleep (it checks under the mutex before it waits).
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done.notify_one();
        }
    }
}

void WorkerPool::run(int workers, const std::function<void(int)>& job) {
    workers = std::clamp(workers, 1, m_threads);
    if (workers == 1) {
        job(0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        while (static_cast<int>(m_pool.size()) < m_threads - 1) {
            const int w = static_cast<int>(m_pool.size()) + 1;
            m_pool.emplace_back([this, w] { loop(w); });
        }
        std::fill(m_errors.begin(), m_errors.end(), nullptr);
        m_job = &job;
        m_workers = workers;
        m_pending.store(workers - 1);
        m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    try {
        job(0);
    } catch (...) {
        m_errors[0] = std::current_exception();
    }
    if (!spinUntil(m_spinMicros, [&] { return m_pending.load(std::memory_order_acquire) == 0; })) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [&] { return m_pending.load() == 0; });
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_job = nullptr;
    }
    for (const std::exception_ptr& e : m_errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace sparselab

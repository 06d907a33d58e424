#include "worker_pool.h"

#include <algorithm>

namespace sparselab {

WorkerPool::WorkerPool(int threads) : m_threads(std::max(1, threads)) {
    m_errors.resize(size_t(m_threads));
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_pool) t.join();
}

void WorkerPool::loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
        const std::function<void(int)>* job = nullptr;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop) return;
            seen = m_generation;
            if (worker >= m_workers) continue;  // not part of this job
            job = m_job;
        }
        try {
            (*job)(worker);
        } catch (...) {
            m_errors[size_t(worker)] = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        if (--m_pending == 0) m_done.notify_one();
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
        m_pending = workers - 1;
        ++m_generation;
    }
    m_wake.notify_all();
    try {
        job(0);
    } catch (...) {
        m_errors[0] = std::current_exception();
    }
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [&] { return m_pending == 0; });
        m_job = nullptr;
    }
    for (const std::exception_ptr& e : m_errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace sparselab

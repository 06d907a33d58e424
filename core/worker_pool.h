#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sparselab {

/// A fixed set of worker threads that stay alive between jobs, so that running a batch does not
/// start threads. One job at a time: `run` blocks the caller, who does the share of worker 0.
/// Threads are started on the first job that needs them and joined by the destructor. `run`
/// must not be called concurrently on the same pool (an Executor owns its pool and is used by
/// one thread at a time).
///
/// Hand-overs spin briefly before sleeping: an idle worker polls for the next job for up to
/// `spinMicros` (a pause instruction between polls) before it waits on a condition variable, and
/// `run` polls for the workers' completion as long before it waits. Back-to-back batches then never
/// pay a futex wake-up (tens of microseconds on a virtual machine); an idle pool sleeps after that
/// short spin.
class WorkerPool {
  public:
    /// `threads` workers in total, the calling thread included (at least 1).
    explicit WorkerPool(int threads, int spinMicros = 50);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    int threads() const { return m_threads; }

    /// Calls job(w) for w = 0 .. workers-1 (workers <= threads(); w = 0 on the calling thread)
    /// and returns when all calls have finished. Rethrows the first exception thrown by a call.
    void run(int workers, const std::function<void(int)>& job);

  private:
    void loop(int worker);

    int m_threads;
    int m_spinMicros;
    std::vector<std::thread> m_pool;  ///< workers 1 .. threads-1, started lazily
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(int)>* m_job = nullptr;
    std::atomic<uint64_t> m_generation{0};  ///< incremented per job; workers wait for a new one
    int m_workers = 0;                      ///< workers taking part in the current job
    std::atomic<int> m_pending{0};          ///< background workers still busy with the job
    std::atomic<bool> m_stop{false};
    std::vector<std::exception_ptr> m_errors;
};

}  // namespace sparselab

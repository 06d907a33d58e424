#pragma once

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>

namespace sparselab {

/// A pre-allocated single-producer/single-consumer queue of float samples between a real-time
/// audio callback (producer) and a worker (consumer), built on Boost.Lockfree's spsc_queue.
/// write() and read() never lock or allocate. A block that does not fit is dropped whole (so
/// interleaved frames stay aligned) and counted in droppedSamples(). Exactly one thread may
/// write and one thread may read at a time; the counters may be read from any thread.
class AudioRingBuffer {
  public:
    /// Allocates room for `capacity` samples (the only allocation).
    explicit AudioRingBuffer(size_t capacity) : m_queue(capacity), m_capacity(capacity) {}

    /// Producer: appends all `count` samples, or none when they do not fit (then counts them as
    /// dropped). Returns whether they were written.
    bool write(const float* samples, size_t count) noexcept {
        if (m_queue.write_available() < count) {
            m_dropped.fetch_add(count, std::memory_order_relaxed);
            return false;
        }
        m_queue.push(samples, count);
        m_written.fetch_add(count, std::memory_order_relaxed);
        return true;
    }

    /// Producer: room left, in samples (a producer that must not drop can wait for it).
    size_t writeAvailable() const noexcept { return m_queue.write_available(); }
    /// Consumer: moves up to `count` samples to `out`; returns how many.
    size_t read(float* out, size_t count) noexcept { return m_queue.pop(out, count); }
    /// Consumer: samples ready to read.
    size_t readAvailable() const noexcept { return m_queue.read_available(); }
    /// Consumer, only while no producer runs (e.g. the stream is closed): empties the queue.
    void clear() noexcept {
        float sink[256];
        while (m_queue.pop(sink, 256) > 0) {
        }
    }

    size_t capacity() const noexcept { return m_capacity; }
    /// Samples accepted / dropped since construction (any thread).
    uint64_t writtenSamples() const noexcept { return m_written.load(std::memory_order_relaxed); }
    uint64_t droppedSamples() const noexcept { return m_dropped.load(std::memory_order_relaxed); }

  private:
    boost::lockfree::spsc_queue<float> m_queue;
    size_t m_capacity;
    std::atomic<uint64_t> m_written{0}, m_dropped{0};
};

}  // namespace sparselab

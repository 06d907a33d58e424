#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/capture/audio_ring_buffer.h"

namespace sparselab {

/// An audio input as PortAudio lists it.
struct AudioDeviceInfo {
    int index = -1;       ///< PortAudio device index (valid until the next re-scan)
    std::string name;     ///< e.g. "pulse", "default", "HDA Intel PCH: ALC3246 Analog (hw:0,0)"
    std::string hostApi;  ///< e.g. "ALSA"
    int maxInputChannels = 0;
    double defaultSampleRate = 0.0;
    bool isDefault = false;  ///< PortAudio's default input
};

/// Lists the input devices PortAudio sees now (initialises PortAudio for the call). Never
/// throws for "no devices": returns an empty list; `error` (when given) receives the reason when
/// PortAudio itself cannot start.
std::vector<AudioDeviceInfo> listAudioInputs(std::string* error = nullptr);

/// How AudioCapture chooses and watches its device.
struct CaptureOptions {
    /// "" = PortAudio's default input; a number = device index; otherwise the first input whose
    /// name equals it, else contains it (case-insensitive).
    std::string device;
    double bufferSeconds = 2.0;          ///< ring length at 96 kHz (the consumer may lag this much)
    double blockMs = 20.0;               ///< frames per PortAudio callback, in ms
    double retrySeconds = 1.0;           ///< while no device: re-scan this often
    double stallSeconds = 3.0;           ///< running stream without a callback this long: lost
    double firstCallbackSeconds = 10.0;  ///< a new stream may take this long to deliver
};

enum class CaptureState {
    Stopped,           ///< start() not called, or stop() called
    WaitingForDevice,  ///< no usable device (none, vanished, failed to open); retrying
    Running,           ///< stream open and started
};

/// A snapshot of the capture for display (value type).
struct CaptureStatus {
    CaptureState state = CaptureState::Stopped;
    std::string message;      ///< what happened last, in words ("capturing from ...", "lost ...")
    std::string deviceName;   ///< device in use (Running) or wanted
    double sampleRate = 0.0;  ///< rate of the mono samples in the ring buffer
    int channels = 0;         ///< channels opened (downmixed to mono in the callback)
    bool delivering = false;  ///< at least one callback since the stream opened
    uint64_t callbacks = 0;
    uint64_t framesCaptured = 0;  ///< mono frames written to the ring buffer (this stream)
    uint64_t framesDropped = 0;   ///< frames dropped because the ring was full (all streams)
    uint64_t inputOverflows = 0;  ///< callbacks PortAudio flagged with paInputOverflow
    int reopenCount = 0;          ///< streams opened after a loss
};

/// Live microphone input through PortAudio. The callback downmixes to mono into a
/// pre-allocated lock-free ring buffer (no locks, no allocation); the consumer drains ring()
/// at sampleRate() and resamples. A missing, failing or vanished device never throws: the
/// capture goes to WaitingForDevice, says why, and poll() reopens it when a device is back.
/// All methods except the callback belong to one control thread (the consumer/worker).
class AudioCapture {
  public:
    explicit AudioCapture(CaptureOptions options = {});
    ~AudioCapture();
    AudioCapture(const AudioCapture&) = delete;
    AudioCapture& operator=(const AudioCapture&) = delete;

    /// Tries to open and start the device; returns true when running. On failure the capture
    /// waits for a device (see poll()).
    bool start();
    /// Closes the stream and releases PortAudio.
    void stop();
    /// Watches the stream: detects a stopped or silent (no callbacks) stream and, while waiting,
    /// re-scans and reopens every retrySeconds. Call every few ms..1 s. Returns true when the
    /// state or message changed (print status()). A reopen may change sampleRate(): check
    /// streamGeneration().
    bool poll();

    /// Mono samples at sampleRate(). Drain from the control thread only.
    AudioRingBuffer& ring() { return *m_ring; }
    double sampleRate() const { return m_rate; }
    /// Increases every time a stream is (re)opened; the ring is emptied then.
    int streamGeneration() const { return m_generation; }
    /// When the newest callback ran (steady clock); for end-to-end latency.
    std::chrono::steady_clock::time_point lastCallbackTime() const;
    CaptureStatus status() const;
    const CaptureOptions& options() const { return m_options; }

  private:
    struct Stream;
    bool open();
    void close();
    void setMessage(std::string message);
    struct Callback;  ///< the PortAudio callback (a nested type: private access)

    CaptureOptions m_options;
    std::unique_ptr<AudioRingBuffer> m_ring;
    std::unique_ptr<Stream> m_stream;
    CaptureState m_state = CaptureState::Stopped;
    std::string m_message, m_deviceName;
    double m_rate = 0.0;
    int m_channels = 0;
    int m_generation = 0;
    int m_reopens = 0;
    bool m_everRan = false;
    bool m_announced = false;  ///< "capturing" reported for this stream
    std::chrono::steady_clock::time_point m_openedAt, m_lastRetry;
    // Written by the callback thread.
    std::atomic<uint64_t> m_callbacks{0}, m_frames{0}, m_overflows{0};
    std::atomic<int64_t> m_lastCallbackNs{0};
    std::vector<float> m_mono;  ///< callback scratch, sized when the stream opens
};

std::string_view toString(CaptureState state);

}  // namespace sparselab

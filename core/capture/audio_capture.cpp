#include "audio_capture.h"

#include <fcntl.h>
#include <portaudio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace sparselab {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kScratchFrames = 8192;
constexpr double kMaxRate = 96000.0;

/// PortAudio's ALSA host prints pages of "ALSA lib ..." probing noise to stderr while it
/// initialises; hide it for the call (real failures come back as PaError codes).
class QuietStderr {
  public:
    QuietStderr() {
        std::fflush(stderr);
        m_saved = dup(2);
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 2);
            ::close(null);
        }
    }
    ~QuietStderr() {
        if (m_saved >= 0) {
            dup2(m_saved, 2);
            ::close(m_saved);
        }
    }

  private:
    int m_saved = -1;
};

PaError initPortAudio() {
    QuietStderr quiet;
    return Pa_Initialize();
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::vector<AudioDeviceInfo> scanInputs() {
    std::vector<AudioDeviceInfo> inputs;
    const int count = Pa_GetDeviceCount();
    const PaDeviceIndex def = Pa_GetDefaultInputDevice();
    for (int i = 0; i < count; ++i) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
        if (!info || info->maxInputChannels < 1) continue;
        const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
        inputs.push_back({i, info->name ? info->name : "?", api && api->name ? api->name : "?",
                          info->maxInputChannels, info->defaultSampleRate, i == def});
    }
    return inputs;
}

/// The input matching `spec` (see CaptureOptions::device), or nullptr.
const AudioDeviceInfo* findInput(const std::vector<AudioDeviceInfo>& inputs,
                                 const std::string& spec) {
    if (spec.empty()) {
        for (const auto& d : inputs)
            if (d.isDefault) return &d;
        return inputs.empty() ? nullptr : &inputs.front();
    }
    if (std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
        const int index = std::stoi(spec);
        for (const auto& d : inputs)
            if (d.index == index) return &d;
        return nullptr;
    }
    const std::string want = lower(spec);
    for (const auto& d : inputs)
        if (lower(d.name) == want) return &d;
    for (const auto& d : inputs)
        if (lower(d.name).find(want) != std::string::npos) return &d;
    return nullptr;
}

std::string describeDevice(const std::string& spec) {
    return spec.empty() ? std::string("the default input") : "input '" + spec + "'";
}

}  // namespace

std::vector<AudioDeviceInfo> listAudioInputs(std::string* error) {
    const PaError err = initPortAudio();
    if (err != paNoError) {
        if (error) *error = std::string("PortAudio could not start: ") + Pa_GetErrorText(err);
        return {};
    }
    std::vector<AudioDeviceInfo> inputs = scanInputs();
    Pa_Terminate();
    return inputs;
}

std::string_view toString(CaptureState state) {
    switch (state) {
        case CaptureState::Stopped:
            return "stopped";
        case CaptureState::WaitingForDevice:
            return "waiting-for-device";
        case CaptureState::Running:
            return "running";
    }
    return "?";
}

struct AudioCapture::Stream {
    PaStream* stream = nullptr;
    bool initialised = false;
};

AudioCapture::AudioCapture(CaptureOptions options)
    : m_options(std::move(options)),
      m_ring(std::make_unique<AudioRingBuffer>(
          static_cast<size_t>(std::max(0.1, m_options.bufferSeconds) * kMaxRate))),
      m_stream(std::make_unique<Stream>()),
      m_mono(kScratchFrames) {}

AudioCapture::~AudioCapture() {
    stop();
}

struct AudioCapture::Callback {
    static int run(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
                   PaStreamCallbackFlags flags, void* self);
};

int AudioCapture::Callback::run(const void* input, void*, unsigned long frames,
                                const PaStreamCallbackTimeInfo*, PaStreamCallbackFlags flags,
                                void* self) {
    auto* c = static_cast<AudioCapture*>(self);
    if (flags & paInputOverflow) c->m_overflows.fetch_add(1, std::memory_order_relaxed);
    const auto* in = static_cast<const float*>(input);
    const int ch = c->m_channels;
    while (in && frames > 0) {
        const size_t n = std::min<size_t>(frames, kScratchFrames);
        float* mono = c->m_mono.data();
        if (ch == 1) {
            std::copy_n(in, n, mono);
        } else {
            const float scale = 1.0f / static_cast<float>(ch);
            for (size_t f = 0; f < n; ++f) {
                float sum = 0.0f;
                for (int k = 0; k < ch; ++k)
                    sum += in[f * static_cast<size_t>(ch) + static_cast<size_t>(k)];
                mono[f] = sum * scale;
            }
        }
        if (c->m_ring->write(mono, n)) c->m_frames.fetch_add(n, std::memory_order_relaxed);
        in += n * static_cast<size_t>(ch);
        frames -= n;
    }
    c->m_lastCallbackNs.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count(),
        std::memory_order_release);
    c->m_callbacks.fetch_add(1, std::memory_order_release);
    return paContinue;
}

bool AudioCapture::open() {
    const std::string wanted = describeDevice(m_options.device);
    PaError err = initPortAudio();
    if (err != paNoError) {
        setMessage(std::string("PortAudio could not start (") + Pa_GetErrorText(err) +
                   "); retrying");
        return false;
    }
    m_stream->initialised = true;
    const std::vector<AudioDeviceInfo> inputs = scanInputs();
    const AudioDeviceInfo* dev = findInput(inputs, m_options.device);
    if (!dev) {
        setMessage(inputs.empty() ? "no audio input device found; waiting for one"
                                  : "no " + wanted + " among " + std::to_string(inputs.size()) +
                                        " input(s); waiting for it");
        close();
        return false;
    }
    m_deviceName = dev->name;
    m_channels = std::clamp(dev->maxInputChannels, 1, 2);
    m_rate =
        std::clamp(dev->defaultSampleRate > 0 ? dev->defaultSampleRate : 48000.0, 8000.0, kMaxRate);
    PaStreamParameters params{};
    params.device = dev->index;
    params.channelCount = m_channels;
    params.sampleFormat = paFloat32;
    params.suggestedLatency = Pa_GetDeviceInfo(dev->index)->defaultLowInputLatency;
    const auto block = static_cast<unsigned long>(std::lround(m_rate * m_options.blockMs / 1000.0));
    m_ring->clear();  // no producer now: safe from this thread
    m_callbacks = 0;
    m_frames = 0;
    m_lastCallbackNs = 0;
    {
        QuietStderr quiet;
        err = Pa_OpenStream(&m_stream->stream, &params, nullptr, m_rate, block, paClipOff,
                            &AudioCapture::Callback::run, this);
        if (err == paNoError) err = Pa_StartStream(m_stream->stream);
    }
    if (err != paNoError) {
        setMessage("cannot open '" + m_deviceName + "' (" + Pa_GetErrorText(err) + "); retrying");
        close();
        return false;
    }
    ++m_generation;
    m_openedAt = Clock::now();
    m_announced = false;
    m_state = CaptureState::Running;
    setMessage("opened '" + m_deviceName + "' (" + dev->hostApi + ") at " +
               std::to_string(static_cast<int>(m_rate)) + " Hz, " + std::to_string(m_channels) +
               " channel(s); waiting for audio");
    return true;
}

void AudioCapture::close() {
    if (m_stream->stream) {
        Pa_AbortStream(m_stream->stream);
        Pa_CloseStream(m_stream->stream);
        m_stream->stream = nullptr;
    }
    if (m_stream->initialised) {
        Pa_Terminate();
        m_stream->initialised = false;
    }
}

bool AudioCapture::start() {
    if (m_state == CaptureState::Running) return true;
    m_lastRetry = Clock::now();
    if (open()) {
        m_everRan = true;
        return true;
    }
    m_state = CaptureState::WaitingForDevice;
    return false;
}

void AudioCapture::stop() {
    close();
    if (m_state != CaptureState::Stopped) setMessage("stopped");
    m_state = CaptureState::Stopped;
}

void AudioCapture::setMessage(std::string message) {
    m_message = std::move(message);
}

Clock::time_point AudioCapture::lastCallbackTime() const {
    return Clock::time_point(
        std::chrono::nanoseconds(m_lastCallbackNs.load(std::memory_order_acquire)));
}

bool AudioCapture::poll() {
    const auto now = Clock::now();
    if (m_state == CaptureState::Running) {
        const uint64_t callbacks = m_callbacks.load(std::memory_order_acquire);
        std::string lost;
        if (Pa_IsStreamActive(m_stream->stream) != 1) {
            lost = "the stream stopped";
        } else if (callbacks == 0 && now - m_openedAt > std::chrono::duration<double>(
                                                            m_options.firstCallbackSeconds)) {
            lost = "no audio arrived within " +
                   std::to_string(static_cast<int>(m_options.firstCallbackSeconds)) + " s";
        } else if (callbacks > 0 && now - lastCallbackTime() >
                                        std::chrono::duration<double>(m_options.stallSeconds)) {
            lost =
                "no audio for " + std::to_string(static_cast<int>(m_options.stallSeconds)) + " s";
        }
        if (!lost.empty()) {
            close();
            m_state = CaptureState::WaitingForDevice;
            m_lastRetry = now;
            setMessage("lost '" + m_deviceName + "': " + lost + "; waiting for a device");
            return true;
        }
        if (callbacks > 0 && !m_announced) {
            m_announced = true;
            setMessage("capturing from '" + m_deviceName + "' at " +
                       std::to_string(static_cast<int>(m_rate)) + " Hz, " +
                       std::to_string(m_channels) + " channel(s)");
            return true;
        }
        return false;
    }
    if (m_state == CaptureState::WaitingForDevice &&
        now - m_lastRetry >= std::chrono::duration<double>(m_options.retrySeconds)) {
        m_lastRetry = now;
        const std::string before = m_message;
        if (open()) {
            if (m_everRan) ++m_reopens;
            m_everRan = true;
            return true;
        }
        return m_message != before;
    }
    return false;
}

CaptureStatus AudioCapture::status() const {
    CaptureStatus s;
    s.state = m_state;
    s.message = m_message;
    s.deviceName = m_deviceName.empty() ? describeDevice(m_options.device) : m_deviceName;
    s.sampleRate = m_state == CaptureState::Running ? m_rate : 0.0;
    s.channels = m_state == CaptureState::Running ? m_channels : 0;
    s.callbacks = m_callbacks.load(std::memory_order_relaxed);
    s.delivering = s.callbacks > 0 && m_state == CaptureState::Running;
    s.framesCaptured = m_frames.load(std::memory_order_relaxed);
    s.framesDropped = m_ring->droppedSamples();
    s.inputOverflows = m_overflows.load(std::memory_order_relaxed);
    s.reopenCount = m_reopens;
    return s;
}

}  // namespace sparselab

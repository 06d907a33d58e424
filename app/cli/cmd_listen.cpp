// sparselab-cli listen: live keyword spotting from a microphone (PortAudio) or a WAV file streamed
// through the same ring buffer -> resampler -> StreamingDetector pipeline.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "commands.h"
#include "core/audio/audio_file.h"
#include "core/capture/audio_capture.h"
#include "core/error.h"
#include "core/stream/stream_resampler.h"
#include "core/stream/streaming_detector.h"

namespace sparselab::cli {

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<bool> g_interrupted{false};

struct ListenArgs {
    std::string model, device, wav, labels;
    double seconds = 0.0;
    bool json = false, fast = false, windows = false;
    StreamingConfig stream;
    BackendOptions backend;
};

/// The model given, else resources/models/digits-sparse.onnx beside the executable's tree
/// ($SPARSELAB_RESOURCES, <exe>/../share/sparselab/resources, the source tree) or the cwd.
std::string defaultModelPath() {
    namespace fs = std::filesystem;
    std::vector<fs::path> roots;
    if (const char* env = std::getenv("SPARSELAB_RESOURCES")) roots.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        roots.push_back(exe.parent_path() / "../share/sparselab/resources");
        for (fs::path p = exe.parent_path(); p.has_relative_path(); p = p.parent_path())
            roots.push_back(p / "resources");
    }
    roots.emplace_back("resources");
    for (const auto& r : roots)
        if (fs::exists(r / "models/digits-sparse.onnx", ec))
            return (r / "models/digits-sparse.onnx").lexically_normal().string();
    throw Error("no model given and resources/models/digits-sparse.onnx not found (pass --model)");
}

double processCpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/// Plays a decoded file into a ring buffer from its own thread, like a capture callback would:
/// 10 ms blocks in real time, or as fast as the consumer drains (--fast, nothing dropped).
/// One second of silence follows the file so its last word leaves the window.
class WavSource {
  public:
    WavSource(AudioClip clip, bool fast)
        : m_clip(std::move(clip)),
          m_ring(static_cast<size_t>(m_clip.sampleRate) * 2),
          m_fast(fast) {
        m_clip.samples.resize(m_clip.samples.size() + static_cast<size_t>(m_clip.sampleRate), 0.0f);
        m_thread = std::thread([this] { run(); });
    }
    ~WavSource() {
        m_stop = true;
        m_thread.join();
    }
    AudioRingBuffer& ring() { return m_ring; }
    bool finished() const { return m_done.load(std::memory_order_acquire); }
    Clock::time_point lastWrite() const {
        return Clock::time_point(Clock::duration(m_lastWrite.load(std::memory_order_acquire)));
    }

  private:
    void run() {
        const size_t block = static_cast<size_t>(m_clip.sampleRate) / 100;
        const auto start = Clock::now();
        size_t pos = 0, n = 0;
        while (pos < m_clip.samples.size() && !m_stop) {
            const size_t count = std::min(block, m_clip.samples.size() - pos);
            if (m_fast) {
                while (m_ring.writeAvailable() < count && !m_stop)
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
            } else {
                std::this_thread::sleep_until(start + std::chrono::milliseconds(10 * ++n));
            }
            m_ring.write(m_clip.samples.data() + pos, count);
            m_lastWrite.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
            pos += count;
        }
        m_done.store(true, std::memory_order_release);
    }

    AudioClip m_clip;
    AudioRingBuffer m_ring;
    bool m_fast;
    std::atomic<bool> m_stop{false}, m_done{false};
    std::atomic<Clock::rep> m_lastWrite{0};
    std::thread m_thread;
};

/// Prints detections (and optionally every window) as they happen.
class Printer {
  public:
    Printer(const ListenArgs& args, const LabelScheme& labels) : m_args(args), m_labels(labels) {}
    void print(const WindowResult& r) {
        if (m_args.windows) {
            const std::string top = m_labels.labels()[static_cast<size_t>(r.topIndex)];
            if (m_args.json) {
                std::cout << Json{{"window", r.index},
                                  {"t_s", r.timeS},
                                  {"top", top},
                                  {"top_score", r.scores[static_cast<size_t>(r.topIndex)]},
                                  {"avg_top",
                                   r.decision.topIndex >= 0
                                       ? m_labels.labels()[static_cast<size_t>(r.decision.topIndex)]
                                       : ""},
                                  {"avg_score", r.decision.averageScore},
                                  {"level_db", r.levelDb},
                                  {"inference_ms", r.inferenceMs}}
                                 .dump()
                          << std::endl;
            } else {
                std::fprintf(stderr,
                             "  window %5lld  %7.2f s  %-8s %.2f  level %6.1f dB  %.2f ms\n",
                             static_cast<long long>(r.index), r.timeS, top.c_str(),
                             r.scores[static_cast<size_t>(r.topIndex)], r.levelDb, r.inferenceMs);
            }
        }
        if (!r.detection) return;
        const Detection& d = *r.detection;
        if (m_args.json) {
            std::cout
                << Json{{"word", d.word},   {"score", d.score},          {"time_s", d.timeS},
                        {"index", d.index}, {"latency_ms", d.latencyMs}, {"level_db", r.levelDb}}
                       .dump()
                << std::endl;
        } else {
            std::printf("%8.2f s  %-10s score %.2f  (latency %.0f ms)\n", d.timeS, d.word.c_str(),
                        d.score, d.latencyMs);
            std::fflush(stdout);
        }
    }

  private:
    const ListenArgs& m_args;
    const LabelScheme& m_labels;
};

void status(const std::string& message) {
    std::fprintf(stderr, "listen: %s\n", message.c_str());
    std::fflush(stderr);
}

void runListen(const ListenArgs& args, const CliContext& ctx) {
    const std::string modelPath = args.model.empty() ? defaultModelPath() : args.model;
    ModelPtr model = loadModel(modelPath);
    auto executor = args.backend.prepare(ctx, model);
    const std::string mode(toString(executor->mode()));
    StreamingConfig config = args.stream;
    config.labels = args.labels;
    StreamingDetector detector(std::move(executor), config);
    Printer printer(args, detector.labels());

    std::unique_ptr<AudioCapture> capture;
    std::unique_ptr<WavSource> wav;
    AudioRingBuffer* ring = nullptr;
    double sourceRate = 0.0;
    int generation = -1;
    if (!args.wav.empty()) {
        AudioClip clip = readAudioFile(args.wav, 0);
        sourceRate = clip.sampleRate;
        status("streaming '" + args.wav + "' (" + std::to_string(clip.seconds()) + " s at " +
               std::to_string(clip.sampleRate) + " Hz" + (args.fast ? ", fast" : ", real time") +
               ")");
        wav = std::make_unique<WavSource>(std::move(clip), args.fast);
        ring = &wav->ring();
    } else {
        CaptureOptions options;
        options.device = args.device;
        capture = std::make_unique<AudioCapture>(options);
        capture->start();
        status(capture->status().message);
    }
    status("model '" + model->name + "' on " + args.backend.backend + " (" + mode + "), hop " +
           std::to_string(config.hopMs) + " ms");

    std::unique_ptr<StreamResampler> resampler;
    std::vector<float> raw(8192), resampled;
    g_interrupted = false;
    auto previousHandler = std::signal(SIGINT, [](int) { g_interrupted = true; });
    const auto wallStart = Clock::now();
    const double cpuStart = processCpuSeconds();
    while (!g_interrupted) {
        if (capture) {
            if (capture->poll()) status(capture->status().message);
            ring = capture->status().state == CaptureState::Running ? &capture->ring() : nullptr;
            if (ring && capture->streamGeneration() != generation) {
                generation = capture->streamGeneration();
                sourceRate = capture->sampleRate();
                resampler.reset();
            }
            if (args.seconds > 0 &&
                Clock::now() - wallStart > std::chrono::duration<double>(args.seconds))
                break;
        } else if (args.seconds > 0 && detector.stats().audioSeconds >= args.seconds) {
            break;
        }
        const bool sourceDone = wav && wav->finished();
        const size_t n = ring ? ring->read(raw.data(), raw.size()) : 0;
        if (n == 0) {
            if (sourceDone) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        const Clock::time_point arrival = capture ? capture->lastCallbackTime() : wav->lastWrite();
        if (!resampler)
            resampler = std::make_unique<StreamResampler>(sourceRate, detector.sampleRate());
        resampled.clear();
        resampler->process({raw.data(), n}, resampled);
        for (const WindowResult& r : detector.push(resampled, arrival)) printer.print(r);
    }
    std::signal(SIGINT, previousHandler);
    const double wallSeconds = std::chrono::duration<double>(Clock::now() - wallStart).count();
    const double cpuSeconds = processCpuSeconds() - cpuStart;

    const StreamStats& s = detector.stats();
    uint64_t droppedFrames = ring && wav ? ring->droppedSamples() : 0, overflows = 0;
    int reopens = 0;
    std::string device = "wav:" + args.wav;
    if (capture) {
        const CaptureStatus cs = capture->status();
        droppedFrames = cs.framesDropped;
        overflows = cs.inputOverflows;
        reopens = cs.reopenCount;
        device = cs.deviceName;
        capture->stop();
    }
    const double droppedSeconds = sourceRate > 0 ? droppedFrames / sourceRate : 0.0;
    const auto windowsDropped =
        static_cast<int64_t>(std::llround(droppedSeconds * 1000.0 / config.hopMs));
    const Json summary{{"source", capture ? "microphone" : "wav"},
                       {"device", device},
                       {"model", modelPath},
                       {"backend", args.backend.backend},
                       {"mode", mode},
                       {"hop_ms", config.hopMs},
                       {"windows", s.windows},
                       {"windows_dropped", windowsDropped},
                       {"frames_dropped", droppedFrames},
                       {"input_overflows", overflows},
                       {"device_reopens", reopens},
                       {"detections", s.detections},
                       {"audio_s", s.audioSeconds},
                       {"wall_s", wallSeconds},
                       {"mean_inference_ms", s.meanInferenceMs},
                       {"max_inference_ms", s.maxInferenceMs},
                       {"mean_latency_ms", s.meanLatencyMs},
                       {"max_latency_ms", s.maxLatencyMs},
                       {"detector_cpu_load", s.cpuLoad()},
                       {"process_cpu_load", wallSeconds > 0 ? cpuSeconds / wallSeconds : 0.0}};
    if (args.json) {
        std::cout << Json{{"summary", summary}}.dump() << std::endl;
    } else {
        std::fprintf(stderr,
                     "listen: %lld windows (%lld dropped), %lld detections in %.1f s of audio; "
                     "inference %.2f ms mean / %.2f ms max; detector CPU %.2f %% of a core, "
                     "process %.2f %%\n",
                     static_cast<long long>(s.windows), static_cast<long long>(windowsDropped),
                     static_cast<long long>(s.detections), s.audioSeconds, s.meanInferenceMs,
                     s.maxInferenceMs, 100.0 * s.cpuLoad(),
                     wallSeconds > 0 ? 100.0 * cpuSeconds / wallSeconds : 0.0);
    }
}

}  // namespace

void registerListenCommand(CLI::App& app, CliContext& ctx) {
    auto* cmd = app.add_subcommand(
        "listen", "Spot keywords live from a microphone (or a WAV file) and print detections");
    auto args = std::make_shared<ListenArgs>();
    const Backend* sparse = ctx.registry.find("cpu-sparse");
    args->backend.backend = sparse && sparse->status().available ? "cpu-sparse" : "cpu-dense";
    cmd->add_option("--model", args->model,
                    "ONNX model (default: resources/models/digits-sparse.onnx)");
    cmd->add_option("--device", args->device,
                    "Audio input: index or name from `sparselab-cli devices` (default: the "
                    "system's default input)");
    cmd->add_option("--seconds", args->seconds,
                    "Stop after this long (microphone: wall time; --wav: audio time); 0 = until "
                    "Ctrl-C or the end of the file")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", args->json,
                  "One JSON object per line: detections {word, score, time_s, ...}, a final "
                  "{summary: ...}");
    cmd->add_option("--wav", args->wav,
                    "Stream this audio file through the pipeline instead of a microphone");
    cmd->add_flag("--fast", args->fast, "With --wav: as fast as possible instead of real time");
    cmd->add_flag("--windows", args->windows,
                  "Also print every classified window (stderr; with --json as {window: ...} "
                  "lines on stdout)");
    cmd->add_option("--labels", args->labels,
                    "Label override: digits, commands or a comma-separated word list");
    cmd->add_option("--hop-ms", args->stream.hopMs, "Classify a 1 s window every this many ms")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--threshold", args->stream.recognizer.threshold,
                    "Averaged score needed for a detection")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--average-ms", args->stream.recognizer.averageWindowMs,
                    "Average scores over this many ms of results")
        ->capture_default_str()
        ->check(CLI::Range(0, 10000));
    cmd->add_option("--suppression-ms", args->stream.recognizer.suppressionMs,
                    "No new detection this long after one")
        ->capture_default_str()
        ->check(CLI::Range(0, 60000));
    cmd->add_option("--min-count", args->stream.recognizer.minimumCount,
                    "Results needed inside the averaging window")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    args->backend.addTo(*cmd);
    cmd->callback([args, &ctx] {
        if (args->fast && args->wav.empty()) throw Error("--fast needs --wav FILE");
        if (!args->wav.empty() && !args->device.empty())
            throw Error("--device and --wav exclude each other");
        runListen(*args, ctx);
    });
}

}  // namespace sparselab::cli

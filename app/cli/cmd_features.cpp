// sparselab-cli features: a WAV (or any libsndfile format) -> Numenta's log-mel features.
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/audio/feature_batch.h"
#include "core/audio/log_mel.h"

namespace sparselab::cli {

void registerFeaturesCommand(CLI::App& app, CliContext&) {
    auto* cmd = app.add_subcommand(
        "features",
        "Compute log-mel features of an audio file (librosa semantics, Numenta's defaults)");
    struct Args {
        std::string wav, out, model;
        FeatureParams params;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--wav,-w", a->wav, "Audio file (any rate, channels, PCM/float format)")
        ->required();
    cmd->add_option("--out,-o", a->out,
                    "Output: raw little-endian float32, n_mels rows (low to high) x frames")
        ->required();
    cmd->add_option("--model,-m", a->model, "Take the feature parameters from this model");
    cmd->add_option("--sample-rate", a->params.sampleRate, "Resample to this rate (Hz)")
        ->capture_default_str();
    cmd->add_option("--n-mels", a->params.nMels, "Mel bands")->capture_default_str();
    cmd->add_option("--n-fft", a->params.nFft, "FFT size")->capture_default_str();
    cmd->add_option("--hop", a->params.hopLength, "Hop length (samples)")->capture_default_str();
    cmd->add_option("--top-db", a->params.topDb, "power_to_db top_db")->capture_default_str();
    cmd->add_flag("--json", a->json, "Print a JSON summary (shape, min, max) instead of text");
    cmd->callback([a] {
        FeatureParams params = a->params;
        if (!a->model.empty()) {
            ModelPtr model = loadModel(a->model);
            params = model->metadata.features;  // defaults = Numenta's when the file says nothing
        } else {
            params.frames = 1 + params.sampleRate / std::max(1, params.hopLength);
        }
        const LogMel logMel(params);
        const Tensor features = featuresFromFile(logMel, a->wav);
        std::string bytes(static_cast<size_t>(features.size()) * 4, '\0');
        std::memcpy(bytes.data(), features.data(), bytes.size());
        writeFileAtomically(a->out, bytes);
        float lo = features[0], hi = features[0];
        for (float v : features.values()) lo = std::min(lo, v), hi = std::max(hi, v);
        if (a->json) {
            printJson({{"input", a->wav},
                       {"output", a->out},
                       {"shape", features.shape()},
                       {"min_db", lo},
                       {"max_db", hi}});
        } else {
            std::printf("wrote %s: %dx%d log-mel (dB %.2f .. %.2f)\n", a->out.c_str(), params.nMels,
                        params.frames, lo, hi);
        }
    });
}

}  // namespace sparselab::cli

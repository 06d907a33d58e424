#include "feature_set.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>

#include "core/audio/audio_file.h"
#include "core/audio/audio_ops.h"
#include "core/audio/log_mel.h"
#include "core/data/gsc_dataset.h"
#include "core/error.h"
#include "parallel_for.h"

namespace sparselab::train {
namespace {

double rms(const std::vector<float>& x) {
    double s = 0.0;
    for (float v : x) s += double(v) * v;
    return x.empty() ? 0.0 : std::sqrt(s / double(x.size()));
}

std::vector<float> augmentWave(std::vector<float> x, const WaveAugmentConfig& a,
                               const std::vector<std::vector<float>>& noises, int sampleRate,
                               std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const size_t length = x.size();
    if (u(rng) < a.prob && a.maxSpeedChange > 0) {
        // Playback at speed f (tempo and pitch together); linear interpolation is plenty for
        // augmentation and ~100x cheaper than the band-limited converter.
        const double f = 1.0 + (2 * u(rng) - 1) * a.maxSpeedChange;
        std::vector<float> y(length, 0.0f);
        for (size_t i = 0; i < length; ++i) {
            const double pos = double(i) * f;
            const auto j = static_cast<size_t>(pos);
            if (j + 1 >= x.size()) break;
            const double w = pos - double(j);
            y[i] = static_cast<float>(x[j] * (1 - w) + x[j + 1] * w);
        }
        x = std::move(y);
    }
    if (u(rng) < a.prob && a.maxShiftSeconds > 0) {
        const auto maxShift = static_cast<int64_t>(a.maxShiftSeconds * sampleRate);
        const int64_t s = static_cast<int64_t>(std::lround((2 * u(rng) - 1) * double(maxShift)));
        std::vector<float> y(length, 0.0f);
        for (int64_t i = 0; i < int64_t(length); ++i) {
            const int64_t j = i - s;
            if (j >= 0 && j < int64_t(length)) y[size_t(i)] = x[size_t(j)];
        }
        x = std::move(y);
    }
    if (u(rng) < a.prob) {
        const double g = a.amplitudeMin + u(rng) * (a.amplitudeMax - a.amplitudeMin);
        for (float& v : x) v = float(v * g);
    }
    if (!noises.empty() && u(rng) < a.prob) {
        const auto& n = noises[size_t(u(rng) * double(noises.size())) % noises.size()];
        if (n.size() > length) {
            const auto off = static_cast<size_t>(u(rng) * double(n.size() - length));
            const double snr = a.minSnrDb + u(rng) * (a.maxSnrDb - a.minSnrDb);
            std::vector<float> cut(n.begin() + long(off), n.begin() + long(off + length));
            const double sr = rms(x), nr = rms(cut);
            if (sr > 0 && nr > 0) {
                const double gain = sr / (nr * std::pow(10.0, snr / 20.0));
                for (size_t i = 0; i < length; ++i) x[i] = float(x[i] + gain * cut[i]);
            }
        }
    }
    return x;
}

}  // namespace

std::string sourceGroupOf(const std::string& speaker) {
    const size_t cut = speaker.find_first_of("-_");
    return cut == std::string::npos ? std::string() : speaker.substr(0, cut);
}

FeatureSet buildFeatureSet(const GscDataset& dataset, const LogMel& logMel, int variants,
                           const WaveAugmentConfig& augment, uint32_t seed, int threads,
                           const FeatureProgress& progress) {
    if (variants < 1) throw Error("feature variants must be at least 1");
    FeatureSet set;
    const auto& p = logMel.params();
    set.sampleShape = {1, p.nMels, p.frames};
    set.variants = variants;
    set.labelNames = dataset.scheme().labels();
    const int64_t n = static_cast<int64_t>(dataset.size());
    set.features.resize(static_cast<size_t>(n * variants * set.sampleSize()));
    for (const GscClip& c : dataset.clips()) {
        set.labels.push_back(c.label);
        set.groups.push_back(c.silence ? "silence" : sourceGroupOf(c.speaker));
    }
    std::vector<std::vector<float>> noises;
    if (variants > 1)
        for (const auto& f : dataset.noiseFiles())
            noises.push_back(readAudioFile(f, p.sampleRate).samples);
    std::atomic<int64_t> done{0};
    std::atomic<bool> cancelled{false};
    parallelFor(n, threads, [&](int64_t begin, int64_t end, int chunk) {
        for (int64_t i = begin; i < end && !cancelled; ++i) {
            const std::vector<float> clean = dataset.loadSamples(size_t(i));
            for (int v = 0; v < variants; ++v) {
                float* out = set.features.data() + (i * variants + v) * set.sampleSize();
                if (v == 0) {
                    logMel.computeInto(clean, out);
                    continue;
                }
                std::mt19937 rng(seed * 2654435761u + uint32_t(i) * 40503u + uint32_t(v));
                logMel.computeInto(augmentWave(clean, augment, noises, p.sampleRate, rng), out);
            }
            const int64_t d = ++done;
            if (chunk == 0 && progress && (d % 64 == 0 || d == n) && !progress(d, n))
                cancelled = true;
        }
    });
    if (cancelled) throw Error("feature extraction cancelled");
    if (progress) progress(n, n);
    return set;
}

}  // namespace sparselab::train

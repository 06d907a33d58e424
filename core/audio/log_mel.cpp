#include "log_mel.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>

#include "audio_ops.h"
#include "core/error.h"

namespace sparselab {

namespace {

/// FFTW's planner (and plan destruction) share global state; execution with new arrays is safe.
std::mutex& fftwPlannerMutex() {
    static std::mutex m;
    return m;
}

struct FftwFree {
    void operator()(void* p) const { fftwf_free(p); }
};
using FloatBuffer = std::unique_ptr<float, FftwFree>;
using ComplexBuffer = std::unique_ptr<fftwf_complex, FftwFree>;

FloatBuffer allocFloats(size_t n) {
    auto* p = static_cast<float*>(fftwf_malloc(sizeof(float) * n));
    if (!p) throw std::bad_alloc();
    return FloatBuffer(p);
}

ComplexBuffer allocComplex(size_t n) {
    auto* p = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * n));
    if (!p) throw std::bad_alloc();
    return ComplexBuffer(p);
}

// librosa's Slaney mel scale (htk=False): linear below 1 kHz, logarithmic above.
constexpr double kFSp = 200.0 / 3.0;
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = kMinLogHz / kFSp;
const double kLogStep = std::log(6.4) / 27.0;

double hzToMel(double hz) {
    return hz >= kMinLogHz ? kMinLogMel + std::log(hz / kMinLogHz) / kLogStep : hz / kFSp;
}

double melToHz(double mel) {
    return mel >= kMinLogMel ? kMinLogHz * std::exp(kLogStep * (mel - kMinLogMel)) : kFSp * mel;
}

}  // namespace

struct LogMel::Plan {
    fftwf_plan plan = nullptr;
};

std::vector<float> LogMel::melFilterbank(int sampleRate, int nFft, int nMels) {
    const int bins = nFft / 2 + 1;
    std::vector<double> fftFreqs(static_cast<size_t>(bins));
    for (int b = 0; b < bins; ++b) fftFreqs[b] = (sampleRate / 2.0) * b / (bins - 1);
    const double melMin = hzToMel(0.0), melMax = hzToMel(sampleRate / 2.0);
    std::vector<double> melF(static_cast<size_t>(nMels + 2));
    for (int i = 0; i < nMels + 2; ++i)
        melF[i] = melToHz(melMin + (melMax - melMin) * i / (nMels + 1));
    std::vector<float> weights(static_cast<size_t>(nMels) * bins, 0.0f);
    for (int m = 0; m < nMels; ++m) {
        const double lowDiff = melF[m + 1] - melF[m], highDiff = melF[m + 2] - melF[m + 1];
        const double enorm = 2.0 / (melF[m + 2] - melF[m]);
        for (int b = 0; b < bins; ++b) {
            const double lower = (fftFreqs[b] - melF[m]) / lowDiff;
            const double upper = (melF[m + 2] - fftFreqs[b]) / highDiff;
            const double w = std::max(0.0, std::min(lower, upper));
            weights[static_cast<size_t>(m) * bins + b] = static_cast<float>(w * enorm);
        }
    }
    return weights;
}

LogMel::LogMel(const FeatureParams& params) : m_params(params), m_plan(std::make_unique<Plan>()) {
    const auto& p = m_params;
    if (p.sampleRate < 1000 || p.sampleRate > 384000)
        throw Error("feature parameters: sample rate " + std::to_string(p.sampleRate) +
                    " Hz is out of range");
    if (p.nFft < 16 || p.nFft > p.sampleRate || p.nFft % 2 != 0)
        throw Error("feature parameters: n_fft " + std::to_string(p.nFft) +
                    " must be even, >= 16 and at most one second of samples");
    if (p.hopLength < 1 || p.nMels < 1 || p.nMels > p.nFft / 2)
        throw Error("feature parameters: hop " + std::to_string(p.hopLength) + " / n_mels " +
                    std::to_string(p.nMels) + " out of range");
    const int frames = 1 + p.sampleRate / p.hopLength;
    if (p.frames != frames)
        throw Error("feature parameters: 1 s at " + std::to_string(p.sampleRate) + " Hz with hop " +
                    std::to_string(p.hopLength) + " gives " + std::to_string(frames) +
                    " frames, not " + std::to_string(p.frames));
    if (!(p.topDb > 0.0f)) throw Error("feature parameters: top_db must be positive");

    m_window.resize(static_cast<size_t>(p.nFft));
    for (int k = 0; k < p.nFft; ++k)  // periodic Hann (scipy get_window('hann', fftbins=True))
        m_window[k] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * k / p.nFft));
    m_filters = melFilterbank(p.sampleRate, p.nFft, p.nMels);
    const int bins = p.nFft / 2 + 1;
    m_filterBegin.assign(static_cast<size_t>(p.nMels), 0);
    m_filterEnd.assign(static_cast<size_t>(p.nMels), 0);
    for (int m = 0; m < p.nMels; ++m) {
        const float* row = m_filters.data() + static_cast<size_t>(m) * bins;
        int b0 = 0, b1 = bins;
        while (b0 < bins && row[b0] == 0.0f) ++b0;
        while (b1 > b0 && row[b1 - 1] == 0.0f) --b1;
        m_filterBegin[m] = b0;
        m_filterEnd[m] = b1;
    }

    FloatBuffer in = allocFloats(static_cast<size_t>(p.nFft));
    ComplexBuffer out = allocComplex(static_cast<size_t>(bins));
    std::lock_guard lock(fftwPlannerMutex());
    m_plan->plan = fftwf_plan_dft_r2c_1d(p.nFft, in.get(), out.get(), FFTW_ESTIMATE);
    if (!m_plan->plan)
        throw Error("FFTW could not plan a real FFT of size " + std::to_string(p.nFft));
}

LogMel::~LogMel() {
    if (m_plan && m_plan->plan) {
        std::lock_guard lock(fftwPlannerMutex());
        fftwf_destroy_plan(m_plan->plan);
    }
}

std::vector<float> LogMel::melPower(std::span<const float> mono) const {
    const int n = clipSamples(), nFft = m_params.nFft, hop = m_params.hopLength;
    const int half = nFft / 2, bins = half + 1, frames = m_params.frames, nMels = m_params.nMels;
    // Centre the frames: reflect-pad nFft/2 samples on both sides (numpy 'reflect').
    std::vector<float> padded(static_cast<size_t>(n + nFft), 0.0f);
    const size_t have = std::min(mono.size(), static_cast<size_t>(n));
    std::copy_n(mono.begin(), have, padded.begin() + half);  // rest stays 0 (fitToLength)
    const float* x = padded.data() + half;
    for (int i = 1; i <= half; ++i) {
        padded[half - i] = x[i];
        padded[half + n - 1 + i] = x[n - 1 - i];
    }

    FloatBuffer in = allocFloats(static_cast<size_t>(nFft));
    ComplexBuffer out = allocComplex(static_cast<size_t>(bins));
    std::vector<float> power(static_cast<size_t>(bins));
    std::vector<float> mel(static_cast<size_t>(nMels) * frames);
    for (int t = 0; t < frames; ++t) {
        const float* frame = padded.data() + static_cast<size_t>(t) * hop;
        for (int k = 0; k < nFft; ++k) in.get()[k] = frame[k] * m_window[k];
        fftwf_execute_dft_r2c(m_plan->plan, in.get(), out.get());
        for (int b = 0; b < bins; ++b) {
            const float re = out.get()[b][0], im = out.get()[b][1];
            power[b] = re * re + im * im;
        }
        for (int m = 0; m < nMels; ++m) {
            const float* w = m_filters.data() + static_cast<size_t>(m) * bins;
            double sum = 0.0;
            for (int b = m_filterBegin[m]; b < m_filterEnd[m]; ++b)
                sum += static_cast<double>(w[b]) * power[b];
            mel[static_cast<size_t>(m) * frames + t] = static_cast<float>(sum);
        }
    }
    return mel;
}

void powerToDb(std::span<float> power, float topDb, float amin) {
    if (power.empty()) return;
    const float ref = *std::max_element(power.begin(), power.end());
    const double refDb = 10.0 * std::log10(std::max(amin, ref));
    double top = -1e30;
    for (float& v : power) {
        const double db = 10.0 * std::log10(std::max(amin, v)) - refDb;
        v = static_cast<float>(db);
        top = std::max(top, db);
    }
    const float floorDb = static_cast<float>(top - topDb);
    for (float& v : power) v = std::max(v, floorDb);
}

void LogMel::computeInto(std::span<const float> mono, float* out) const {
    std::vector<float> mel = melPower(mono);
    powerToDb(mel, m_params.topDb);
    std::copy(mel.begin(), mel.end(), out);
}

Tensor LogMel::compute(std::span<const float> mono) const {
    Tensor t({1, m_params.nMels, m_params.frames});
    computeInto(mono, t.data());
    return t;
}

}  // namespace sparselab

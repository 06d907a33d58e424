#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/model.h"
#include "core/tensor.h"

namespace sparselab {

/// Numenta's GSC features with librosa semantics: a 1 s mono clip at params.sampleRate is
/// padded/cut to exactly 1 s (zeros at the end), framed with centre=True and reflect padding,
/// Hann-windowed (periodic), transformed with FFTW (n_fft), turned into a power spectrogram,
/// projected on n_mels Slaney-scale mel filters with Slaney normalisation (fmin 0, fmax sr/2),
/// and converted with power_to_db(ref = clip max, amin 1e-10, top_db).
/// Output layout is librosa's: rows = mel bands low to high, columns = frames.
///
/// Construction plans the FFT (guarded by a global mutex: FFTW planning is not thread-safe);
/// compute() is const and thread-safe (per-call buffers), so one LogMel can serve many threads.
class LogMel {
  public:
    /// Throws Error when the parameters are inconsistent (e.g. 1 + sampleRate / hop != frames,
    /// n_fft larger than the clip, non-positive sizes).
    explicit LogMel(const FeatureParams& params = {});
    ~LogMel();
    LogMel(const LogMel&) = delete;
    LogMel& operator=(const LogMel&) = delete;

    const FeatureParams& params() const { return m_params; }
    /// Samples per clip (1 s at params.sampleRate).
    int clipSamples() const { return m_params.sampleRate; }
    /// Elements per feature image (nMels * frames).
    int featureSize() const { return m_params.nMels * m_params.frames; }

    /// Features of a mono clip at params.sampleRate (any length: fitted to 1 s first), as a
    /// Tensor [1, nMels, frames] (one sample of the network's input).
    Tensor compute(std::span<const float> mono) const;
    /// Same, written to out[0 .. featureSize()) (row-major nMels x frames).
    void computeInto(std::span<const float> mono, float* out) const;
    /// The mel power spectrogram before power_to_db ([nMels x frames], row-major); for tests.
    std::vector<float> melPower(std::span<const float> mono) const;

    /// The Slaney mel filterbank, [nMels x (nFft/2 + 1)] row-major, as librosa.filters.mel.
    static std::vector<float> melFilterbank(int sampleRate, int nFft, int nMels);

  private:
    struct Plan;
    FeatureParams m_params;
    std::vector<float> m_window;  ///< periodic Hann, nFft
    std::vector<float> m_filters;
    std::vector<int> m_filterBegin, m_filterEnd;  ///< non-zero bin range per band
    std::unique_ptr<Plan> m_plan;
};

/// librosa.power_to_db(S, ref=np.max, amin=1e-10, top_db) in place on a whole clip.
void powerToDb(std::span<float> power, float topDb, float amin = 1e-10f);

}  // namespace sparselab

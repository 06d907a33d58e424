#include "stream_resampler.h"

#include <samplerate.h>

#include <cmath>
#include <string>

#include "core/error.h"

namespace sparselab {

struct StreamResampler::State {
    SRC_STATE* src = nullptr;
    ~State() {
        if (src) src_delete(src);
    }
};

StreamResampler::StreamResampler(double fromRate, double toRate, Quality quality)
    : m_from(fromRate), m_to(toRate) {
    if (!(fromRate > 0) || !(toRate > 0))
        throw Error("resampler: invalid sample rate " + std::to_string(fromRate) + " -> " +
                    std::to_string(toRate) + " Hz");
    const double ratio = toRate / fromRate;
    if (ratio > 256.0 || ratio < 1.0 / 256.0)
        throw Error("resampler: cannot convert " + std::to_string(fromRate) + " Hz to " +
                    std::to_string(toRate) + " Hz (ratio beyond 256)");
    if (fromRate == toRate) return;
    const int type = quality == Quality::Fastest  ? SRC_SINC_FASTEST
                     : quality == Quality::Medium ? SRC_SINC_MEDIUM_QUALITY
                                                  : SRC_SINC_BEST_QUALITY;
    int err = 0;
    m_state = std::make_unique<State>();
    m_state->src = src_new(type, 1, &err);
    if (!m_state->src)
        throw Error("resampler: libsamplerate could not start (" + std::string(src_strerror(err)) +
                    ")");
}

StreamResampler::~StreamResampler() = default;

void StreamResampler::reset() {
    if (m_state) src_reset(m_state->src);
}

void StreamResampler::process(std::span<const float> in, std::vector<float>& out) {
    if (!m_state) {
        out.insert(out.end(), in.begin(), in.end());
        return;
    }
    const double ratio = m_to / m_from;
    const size_t start = out.size();
    out.resize(start + static_cast<size_t>(std::ceil(in.size() * ratio)) + 64);
    SRC_DATA data{};
    data.data_in = in.data();
    data.input_frames = static_cast<long>(in.size());
    data.data_out = out.data() + start;
    data.output_frames = static_cast<long>(out.size() - start);
    data.src_ratio = ratio;
    data.end_of_input = 0;
    long produced = 0;
    // libsamplerate may stop early when the output block is full: loop until all input is used.
    while (true) {
        const int err = src_process(m_state->src, &data);
        if (err != 0)
            throw Error("resampler: libsamplerate failed (" + std::string(src_strerror(err)) + ")");
        produced += data.output_frames_gen;
        data.data_in += data.input_frames_used;
        data.input_frames -= data.input_frames_used;
        if (data.input_frames <= 0) break;
        if (data.input_frames_used == 0 && data.output_frames_gen == 0 && data.output_frames > 0)
            break;  // the converter buffered what it could; nothing more to gain now
        out.resize(out.size() + 256);
        data.data_out = out.data() + start + produced;
        data.output_frames = static_cast<long>(out.size() - start) - produced;
    }
    out.resize(start + static_cast<size_t>(produced));
}

}  // namespace sparselab

#include "feature_batch.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "audio_file.h"
#include "core/error.h"

namespace sparselab {

Tensor extractFeatureBatch(const LogMel& logMel, const ClipLoader& load, size_t first, size_t count,
                           int threads) {
    const auto& p = logMel.params();
    Tensor batch({static_cast<int64_t>(count), 1, p.nMels, p.frames});
    const size_t stride = static_cast<size_t>(logMel.featureSize());
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto worker = [&] {
        for (size_t i = next++; i < count && !failed; i = next++) {
            try {
                const std::vector<float> samples = load(first + i);
                logMel.computeInto(samples, batch.data() + i * stride);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    const size_t workers = std::clamp<size_t>(static_cast<size_t>(std::max(threads, 1)), 1,
                                              std::max<size_t>(count, 1));
    std::vector<std::thread> pool;
    for (size_t w = 1; w < workers; ++w) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    return batch;
}

FeatureParams featureParamsFor(const Model& model) {
    const FeatureParams p = model.metadata.features;
    const Shape want{1, p.nMels, p.frames};
    if (model.inputShape != want)
        throw Error("model '" + model.name + "' takes input " + shapeToString(model.inputShape) +
                    " but its feature parameters (" + std::to_string(p.nMels) + " mel bands x " +
                    std::to_string(p.frames) + " frames" +
                    (model.metadata.hasFeatureParams ? "" : ", Numenta's defaults") + ") give " +
                    shapeToString(want));
    return p;
}

Tensor featuresFromFile(const LogMel& logMel, const std::filesystem::path& path) {
    const AudioClip clip = readAudioFile(path, logMel.params().sampleRate);
    return logMel.compute(clip.samples);
}

}  // namespace sparselab

#include "audio_features.h"

#include <QFileInfo>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "core/audio/audio_file.h"
#include "core/audio/log_mel.h"

namespace sparselab {

std::vector<float> loadAudioSamples(const QString& path, int sampleRate) {
    return readAudioFile(path.toStdString(), sampleRate).samples;
}

Tensor computeFeatures(const FeatureParams& params, std::span<const float> samples) {
    using Key = std::tuple<int, int, int, int, int, float>;
    static std::mutex mutex;
    static std::map<Key, std::shared_ptr<const LogMel>> cache;
    const Key key{params.sampleRate, params.nMels,  params.nFft,
                  params.hopLength,  params.frames, params.topDb};
    std::shared_ptr<const LogMel> logMel;
    {
        std::lock_guard lock(mutex);
        auto& slot = cache[key];
        if (!slot) slot = std::make_shared<const LogMel>(params);
        logMel = slot;
    }
    return logMel->compute(samples);  // const and thread-safe
}

QString labelFromClipName(const QString& fileName) {
    const QString stem = QFileInfo(fileName).completeBaseName().toLower();
    const qsizetype cut = stem.indexOf(QLatin1Char('_'));
    return cut > 0 ? stem.left(cut) : stem;
}

}  // namespace sparselab

#include "test_support.h"

#include <QDir>
#include <cmath>

#include "core/gsc_presets.h"

namespace sparselab::test {

QString scratchDir() {
    QString base = qEnvironmentVariable("SPARSELAB_TEST_TMP");
    if (base.isEmpty()) base = QDir::tempPath() + QStringLiteral("/sparselab-widgets");
    QDir().mkpath(base);
    return base;
}

ModelPtr sparseGscModel(uint32_t seed) {
    return std::make_shared<const Model>(buildGscModel(GscConfig::preset("sparse"), seed));
}

std::vector<float> testTone(double hz) {
    std::vector<float> s(16000);
    for (size_t i = 0; i < s.size(); ++i) {
        const double t = double(i) / 16000.0;
        const double env = std::sin(M_PI * t);
        s[i] = float(0.3 * env *
                     (std::sin(2 * M_PI * hz * t) + 0.5 * std::sin(2 * M_PI * 2.7 * hz * t)));
    }
    return s;
}

double zeroFraction(const Tensor& t) {
    int64_t zeros = 0;
    for (float v : t.values()) zeros += v == 0.0f;
    return t.size() ? double(zeros) / double(t.size()) : 0.0;
}

}  // namespace sparselab::test

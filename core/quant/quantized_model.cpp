#include "quantized_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "core/cpu_dense_backend.h"
#include "core/dense_ops.h"
#include "core/error.h"

namespace sparselab::quant {

namespace {

float maxAbs(std::span<const float> v) {
    float m = 0.0f;
    for (float x : v) m = std::max(m, std::fabs(x));
    return m;
}

/// max|x| / 127, or 1 when everything is zero (any scale represents zeros exactly).
float scaleFor(float maxAbsValue) {
    return maxAbsValue > 0.0f ? maxAbsValue / 127.0f : 1.0f;
}

int32_t roundToInt32(double v) {
    const double lim = double(std::numeric_limits<int32_t>::max());
    return static_cast<int32_t>(std::clamp(std::round(v), -lim, lim));
}

/// Activation scales come from this percentile of |x|: the few larger values saturate at 127
/// (they win every k-winners selection anyway) and the rest get finer steps.
constexpr double kPercentile = 0.999;

float absPercentile(std::span<const float> v, double q) {
    std::vector<float> a(v.size());
    for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
    if (a.empty()) return 0.0f;
    const auto nth = static_cast<size_t>(q * double(a.size() - 1));
    std::nth_element(a.begin(), a.begin() + long(nth), a.end());
    return a[nth];
}

}  // namespace

int64_t QuantizedModel::logitCount() const {
    return layers.empty() ? 0 : numel(layers.back().outputShape);
}

float QuantizedModel::logitScale() const {
    return layers.empty() ? 0.0f : layers.back().outputScale;
}

bool isInt8Layer(const Layer& layer) {
    switch (layer.kind()) {
        case LayerKind::Conv2d:
        case LayerKind::Linear:
        case LayerKind::MaxPool2d:
        case LayerKind::KWinners:
        case LayerKind::ReLU:
        case LayerKind::Flatten:
            return true;
        default:
            return false;
    }
}

QuantizedModel quantizeModel(const Model& model, const Tensor& calibration) {
    auto folded = std::make_shared<Model>(model);
    foldBatchNorms(*folded);
    folded->validate();
    QuantizedModel qm;
    qm.source = folded;
    const Model& m = *folded;

    for (size_t i = 0; i < m.layers.size(); ++i)
        if (m.layers[i].weight()) qm.logitsLayer = static_cast<int>(i);
    if (qm.logitsLayer < 0)
        throw Error("model '" + m.name + "' has no Conv2d or Linear layer to quantise");
    for (int i = 0; i <= qm.logitsLayer; ++i)
        if (!isInt8Layer(m.layers[static_cast<size_t>(i)]))
            throw Error("model '" + m.name + "': layer '" + m.layers[size_t(i)].name + "' (" +
                        std::string(toString(m.layers[size_t(i)].kind())) +
                        ") cannot run in int8 (only conv2d, linear, maxpool2d, kwinners, relu and "
                        "flatten can precede the logits)");

    // Calibration: max |activation| after every layer, on the float model.
    CpuDenseBackend cpu;
    auto exec = cpu.prepare(folded, {});
    std::vector<float> layerMax(m.layers.size(), 0.0f);
    exec->run(calibration, [&](const LayerOutput& o) {
        layerMax[static_cast<size_t>(o.index)] = std::max(
            layerMax[static_cast<size_t>(o.index)], absPercentile(o.output->values(), kPercentile));
    });
    qm.inputScale = scaleFor(maxAbs(calibration.values()));

    const std::vector<Shape> shapes = m.layerOutputShapes();
    float scale = qm.inputScale;
    Shape inShape = m.inputShape;
    for (int i = 0; i <= qm.logitsLayer; ++i) {
        const Layer& layer = m.layers[static_cast<size_t>(i)];
        QuantLayer q;
        q.layer = layer;
        q.inputScale = scale;
        q.inputShape = inShape;
        q.outputShape = shapes[static_cast<size_t>(i)];
        q.outputScale = scale;
        if (const Tensor* w = layer.weight()) {
            q.weightScale = scaleFor(maxAbs(w->values()));
            q.weight.resize(static_cast<size_t>(w->size()));
            for (int64_t j = 0; j < w->size(); ++j)
                q.weight[static_cast<size_t>(j)] =
                    saturateInt8(std::llround((*w)[j] / q.weightScale));
            const auto& bias = layer.is<Conv2dParams>() ? layer.as<Conv2dParams>().bias
                                                        : layer.as<LinearParams>().bias;
            const double accScale = double(q.inputScale) * double(q.weightScale);
            for (float b : bias) q.bias.push_back(roundToInt32(double(b) / accScale));
            if (i == qm.logitsLayer) {
                q.producesLogits = true;
                q.outputScale = static_cast<float>(accScale);
            } else {
                q.outputScale = scaleFor(layerMax[static_cast<size_t>(i)]);
                q.requant = makeRequant(accScale / double(q.outputScale));
            }
        } else if (layer.is<KWinnersParams>()) {
            const auto& p = layer.as<KWinnersParams>();
            q.k = p.inferenceK(inShape);
            const int64_t sel = KWinnersParams::selectionSize(inShape, p.local);
            for (float f : dense::boostFactors(p, double(q.k) / double(sel)))
                q.boostQ.push_back(quantizeBoost(f));
        }
        scale = q.outputScale;
        inShape = q.outputShape;
        qm.layers.push_back(std::move(q));
    }
    return qm;
}

Tensor syntheticCalibrationInputs(const Model& model, int count, uint32_t seed) {
    Shape s{count};
    s.insert(s.end(), model.inputShape.begin(), model.inputShape.end());
    Tensor t(s);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const int64_t per = numel(model.inputShape);
    const int64_t cols = model.inputShape.empty() ? 1 : model.inputShape.back();
    for (int n = 0; n < count; ++n) {
        // A few "formant" bands and a word-shaped envelope over time, plus noise, in dB.
        const float centre = u(rng), width = 0.1f + 0.2f * u(rng), onset = 0.2f * u(rng);
        for (int64_t i = 0; i < per; ++i) {
            const float row = float(i / cols) / float(std::max<int64_t>(1, per / cols));
            const float col = float(i % cols) / float(cols);
            const float band = std::exp(-std::pow((row - centre) / width, 2.0f));
            const float env = (col > onset && col < onset + 0.6f) ? 1.0f : 0.2f;
            t[n * per + i] = -80.0f + 70.0f * band * env + 10.0f * u(rng);
        }
    }
    return t;
}

}  // namespace sparselab::quant

#include "model.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace sparselab {

std::vector<std::string> digitsLabels() {
    return {"zero", "one",   "two",   "three", "four",    "five",
            "six",  "seven", "eight", "nine",  "unknown", "silence"};
}

std::vector<std::string> commandsLabels() {
    return {"yes", "no",  "up",   "down", "left",    "right",
            "on",  "off", "stop", "go",   "unknown", "silence"};
}

std::vector<Shape> Model::layerOutputShapes() const {
    std::vector<Shape> shapes;
    shapes.reserve(layers.size());
    Shape s = inputShape;
    for (const Layer& layer : layers) {
        s = layer.outputShape(s);
        shapes.push_back(s);
    }
    return shapes;
}

Shape Model::outputShape() const {
    auto shapes = layerOutputShapes();
    return shapes.empty() ? inputShape : shapes.back();
}

namespace {

void checkFinite(const std::string& layer, const char* what, std::span<const float> values) {
    for (float v : values)
        if (!std::isfinite(v))
            throw Error("layer '" + layer + "': " + what + " contains NaN or Inf");
}

void checkCount(const std::string& layer, const char* what, size_t have, int64_t want) {
    if (static_cast<int64_t>(have) != want)
        throw Error("layer '" + layer + "': " + what + " has " + std::to_string(have) +
                    " values, expected " + std::to_string(want));
}

}  // namespace

void Model::validate() const {
    if (inputShape.empty()) throw Error("model has no input shape");
    for (int64_t d : inputShape)
        if (d < 1) throw Error("model input shape " + shapeToString(inputShape) + " is not fixed");
    if (layers.empty()) throw Error("model has no layers");
    for (const Layer& layer : layers) {
        if (const auto* c = std::get_if<Conv2dParams>(&layer.params)) {
            if (c->weight.rank() != 4)
                throw Error("layer '" + layer.name + "': Conv2d weight must be 4-D");
            if (c->strideH < 1 || c->strideW < 1)
                throw Error("layer '" + layer.name + "': stride < 1");
            checkCount(layer.name, "bias", c->bias.size(), c->outChannels());
            checkFinite(layer.name, "weight", c->weight.values());
            checkFinite(layer.name, "bias", c->bias);
        } else if (const auto* l = std::get_if<LinearParams>(&layer.params)) {
            if (l->weight.rank() != 2)
                throw Error("layer '" + layer.name + "': Linear weight must be 2-D");
            checkCount(layer.name, "bias", l->bias.size(), l->outFeatures());
            checkFinite(layer.name, "weight", l->weight.values());
            checkFinite(layer.name, "bias", l->bias);
        } else if (const auto* b = std::get_if<BatchNormParams>(&layer.params)) {
            const auto n = static_cast<int64_t>(b->scale.size());
            checkCount(layer.name, "bias", b->bias.size(), n);
            checkCount(layer.name, "mean", b->mean.size(), n);
            checkCount(layer.name, "variance", b->var.size(), n);
            for (const auto* v : {&b->scale, &b->bias, &b->mean, &b->var})
                checkFinite(layer.name, "a parameter", *v);
            for (float v : b->var)
                if (v + b->epsilon <= 0.0f)
                    throw Error("layer '" + layer.name + "': variance + epsilon <= 0");
        } else if (const auto* m = std::get_if<MaxPool2dParams>(&layer.params)) {
            if (m->kernelH < 1 || m->kernelW < 1 || m->strideH < 1 || m->strideW < 1)
                throw Error("layer '" + layer.name + "': MaxPool2d kernel and stride must be >= 1");
        } else if (const auto* k = std::get_if<KWinnersParams>(&layer.params)) {
            checkFinite(layer.name, "duty cycles", k->dutyCycles);
            if (!std::isfinite(k->boostStrength) || !std::isfinite(k->kInferenceFactor) ||
                k->kInferenceFactor <= 0.0f)
                throw Error("layer '" + layer.name +
                            "': KWinners boost strength or k_inference_factor is invalid");
        }
    }
    (void)layerOutputShapes();  // throws on any shape mismatch
    const int64_t classes = numClasses();
    if (metadata.hasLabels && static_cast<int64_t>(metadata.labels.size()) != classes)
        throw Error("model has " + std::to_string(metadata.labels.size()) + " labels but " +
                    std::to_string(classes) + " outputs");
}

}  // namespace sparselab

namespace sparselab {

void foldBatchNorms(Model& model) {
    std::vector<Layer> out;
    out.reserve(model.layers.size());
    for (Layer& layer : model.layers) {
        const auto* bn = std::get_if<BatchNormParams>(&layer.params);
        Tensor* w = out.empty() ? nullptr : out.back().weight();
        if (!bn || !w || static_cast<int64_t>(bn->scale.size()) != w->dim(0)) {
            out.push_back(std::move(layer));
            continue;
        }
        std::vector<float>& bias = out.back().is<Conv2dParams>()
                                       ? out.back().as<Conv2dParams>().bias
                                       : out.back().as<LinearParams>().bias;
        const int64_t channels = w->dim(0), per = w->size() / channels;
        for (int64_t c = 0; c < channels; ++c) {
            const auto i = static_cast<size_t>(c);
            const double a = double(bn->scale[i]) / std::sqrt(double(bn->var[i]) + bn->epsilon);
            float* row = w->data() + c * per;
            for (int64_t j = 0; j < per; ++j) row[j] = static_cast<float>(row[j] * a);
            bias[i] = static_cast<float>((double(bias[i]) - bn->mean[i]) * a + bn->bias[i]);
        }
    }
    model.layers = std::move(out);
}

std::vector<std::string> copyMatchingWeights(const Model& from, Model& to) {
    std::vector<std::string> copied;
    for (Layer& target : to.layers) {
        const Tensor* w = target.weight();
        if (!w) continue;
        auto source = std::find_if(from.layers.begin(), from.layers.end(), [&](const Layer& l) {
            return l.name == target.name && l.kind() == target.kind() && l.weight() &&
                   l.weight()->shape() == w->shape();
        });
        if (source == from.layers.end()) continue;
        target.params = source->params;
        copied.push_back(target.name);
    }
    return copied;
}

}  // namespace sparselab

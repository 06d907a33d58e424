#include "layer.h"

#include <algorithm>

#include "error.h"

namespace sparselab {

namespace {

int64_t pooledSize(int64_t in, int pad0, int pad1, int kernel, int stride) {
    return (in + pad0 + pad1 - kernel) / stride + 1;
}

[[noreturn]] void mismatch(const std::string& name, const std::string& what) {
    throw Error("layer '" + name + "': " + what);
}

}  // namespace

std::string_view toString(LayerKind kind) {
    switch (kind) {
        case LayerKind::Conv2d:
            return "conv2d";
        case LayerKind::Linear:
            return "linear";
        case LayerKind::BatchNorm:
            return "batchnorm";
        case LayerKind::MaxPool2d:
            return "maxpool2d";
        case LayerKind::KWinners:
            return "kwinners";
        case LayerKind::ReLU:
            return "relu";
        case LayerKind::Flatten:
            return "flatten";
        case LayerKind::Softmax:
            return "softmax";
        case LayerKind::LogSoftmax:
            return "logsoftmax";
    }
    return "unknown";
}

int64_t KWinnersParams::selectionSize(const Shape& in, bool local) {
    if (local && in.size() == 3) return in[0];
    return numel(in);
}

int KWinnersParams::inferenceK(const Shape& in) const {
    const int64_t n = std::max<int64_t>(selectionSize(in, local), 1);
    // Clamp in floating point first: a file may carry a huge, negative or NaN factor, and
    // converting an out-of-range double to an integer is undefined behaviour.
    const double kInf = static_cast<double>(k) * kInferenceFactor;
    if (!(kInf >= 1.0)) return 1;
    if (kInf >= static_cast<double>(n)) return static_cast<int>(n);
    return static_cast<int>(static_cast<int64_t>(kInf));
}

const Tensor* Layer::weight() const {
    if (auto* c = std::get_if<Conv2dParams>(&params)) return &c->weight;
    if (auto* l = std::get_if<LinearParams>(&params)) return &l->weight;
    return nullptr;
}

Tensor* Layer::weight() {
    return const_cast<Tensor*>(static_cast<const Layer*>(this)->weight());
}

Shape Layer::outputShape(const Shape& in) const {
    switch (kind()) {
        case LayerKind::Conv2d: {
            const auto& p = as<Conv2dParams>();
            if (in.size() != 3)
                mismatch(name, "Conv2d needs a CxHxW input, got " + shapeToString(in));
            if (in[0] != p.inChannels())
                mismatch(name, "Conv2d expects " + std::to_string(p.inChannels()) +
                                   " input channels, got " + std::to_string(in[0]));
            const int64_t h = pooledSize(in[1], p.padTop, p.padBottom, p.kernelH(), p.strideH);
            const int64_t w = pooledSize(in[2], p.padLeft, p.padRight, p.kernelW(), p.strideW);
            if (h < 1 || w < 1)
                mismatch(name, "Conv2d kernel is larger than its input " + shapeToString(in));
            return {p.outChannels(), h, w};
        }
        case LayerKind::Linear: {
            const auto& p = as<LinearParams>();
            if (in.size() != 1 || in[0] != p.inFeatures())
                mismatch(name, "Linear expects " + std::to_string(p.inFeatures()) +
                                   " input features, got shape " + shapeToString(in));
            return {p.outFeatures()};
        }
        case LayerKind::BatchNorm: {
            const auto& p = as<BatchNormParams>();
            if (in.empty() || in[0] != static_cast<int64_t>(p.scale.size()))
                mismatch(name, "BatchNorm has " + std::to_string(p.scale.size()) +
                                   " channels, input is " + shapeToString(in));
            return in;
        }
        case LayerKind::MaxPool2d: {
            const auto& p = as<MaxPool2dParams>();
            if (in.size() != 3)
                mismatch(name, "MaxPool2d needs a CxHxW input, got " + shapeToString(in));
            const int64_t h = pooledSize(in[1], p.padTop, p.padBottom, p.kernelH, p.strideH);
            const int64_t w = pooledSize(in[2], p.padLeft, p.padRight, p.kernelW, p.strideW);
            if (h < 1 || w < 1)
                mismatch(name, "MaxPool2d window is larger than its input " + shapeToString(in));
            return {in[0], h, w};
        }
        case LayerKind::KWinners: {
            const auto& p = as<KWinnersParams>();
            const size_t want =
                in.size() == 3 ? static_cast<size_t>(in[0]) : static_cast<size_t>(numel(in));
            if (!p.dutyCycles.empty() && p.dutyCycles.size() != want)
                mismatch(name, "KWinners has " + std::to_string(p.dutyCycles.size()) +
                                   " duty cycles, input " + shapeToString(in) + " needs " +
                                   std::to_string(want));
            if (p.k < 1) mismatch(name, "KWinners needs k >= 1");
            return in;
        }
        case LayerKind::Flatten: {
            const auto& p = as<FlattenParams>();
            // axis counts the batch dimension; axis 0 would merge the batch away.
            if (p.axis < 1 || static_cast<size_t>(p.axis) > in.size())
                mismatch(name, "Flatten axis " + std::to_string(p.axis) + " does not fit input " +
                                   shapeToString(in));
            Shape out(in.begin(), in.begin() + (p.axis - 1));
            out.push_back(numel(Shape(in.begin() + (p.axis - 1), in.end())));
            return out;
        }
        case LayerKind::ReLU:
            return in;
        case LayerKind::Softmax:
        case LayerKind::LogSoftmax:
            if (in.size() != 1)
                mismatch(name, "Softmax needs a vector input, got " + shapeToString(in));
            return in;
    }
    mismatch(name, "unknown layer kind");
}

}  // namespace sparselab

#include "model_stats.h"

#include <algorithm>

namespace sparselab {

ModelStats computeStats(const Model& model) {
    ModelStats stats;
    Shape in = model.inputShape;
    double density = 1.0;
    for (const Layer& layer : model.layers) {
        LayerStats s;
        s.name = layer.name;
        s.kind = layer.kind();
        s.outputShape = layer.outputShape(in);
        s.inputDensity = density;
        const int64_t outPositions =
            s.outputShape.size() == 3 ? s.outputShape[1] * s.outputShape[2] : 1;
        if (const Tensor* w = layer.weight()) {
            s.weights = w->size();
            s.nonzeros = w->size() - w->countZeros();
            s.weightSparsity = s.weights ? 1.0 - double(s.nonzeros) / double(s.weights) : 0.0;
            const size_t biasCount = layer.is<Conv2dParams>()
                                         ? layer.as<Conv2dParams>().bias.size()
                                         : layer.as<LinearParams>().bias.size();
            s.params = s.weights + static_cast<int64_t>(biasCount);
            s.denseMacs = s.weights * outPositions;
            s.sparseMacs = double(s.nonzeros) * double(outPositions) * density;
            density = 1.0;
        } else if (const auto* bn = std::get_if<BatchNormParams>(&layer.params)) {
            s.params =
                static_cast<int64_t>(bn->scale.size()) * 2;  // scale, bias (statistics are buffers)
            density = 1.0;
        } else if (const auto* kw = std::get_if<KWinnersParams>(&layer.params)) {
            s.kUnits = KWinnersParams::selectionSize(in, kw->local);
            s.kWinners = kw->inferenceK(in);
            density = std::min(density, double(s.kWinners) / double(s.kUnits));
        } else if (const auto* mp = std::get_if<MaxPool2dParams>(&layer.params)) {
            density = std::min(1.0, density * mp->kernelH * mp->kernelW);
        }
        s.outputDensity = density;
        stats.params += s.params;
        stats.weights += s.weights;
        stats.nonzeros += s.nonzeros;
        stats.denseMacs += s.denseMacs;
        stats.sparseMacs += s.sparseMacs;
        stats.layers.push_back(std::move(s));
        in = stats.layers.back().outputShape;
    }
    return stats;
}

}  // namespace sparselab

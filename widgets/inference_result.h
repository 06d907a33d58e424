#pragma once

#include <QMetaType>
#include <QString>
#include <string>
#include <vector>

#include "core/layer.h"
#include "core/tensor.h"

namespace sparselab {

/// A copy of one layer's output for one sample, taken by the activation tap (plain values, safe
/// to send across threads).
struct LayerActivation {
    int index = 0;
    std::string name;
    LayerKind kind{};
    Shape shape;  ///< batch excluded: [C, H, W] or [F]
    std::vector<float> values;
    int64_t nonzeros = 0;
    int64_t expectedWinners = 0;  ///< k-winners layers: k x selections; 0 elsewhere
};

/// Everything one analysed clip produces: features, class probabilities and the activations of
/// the sparse model and of its dense reference.
struct InferenceResult {
    quint64 id = 0;
    QString source;                       ///< clip name or "microphone"
    Tensor features;                      ///< [nMels, frames], rows = mel bands low to high
    std::vector<float> probabilities;     ///< one per class, sums to 1
    std::vector<std::string> labels;      ///< class names
    std::vector<LayerActivation> sparse;  ///< the current (sparse) model, per layer
    std::vector<LayerActivation> dense;   ///< the dense reference, per layer
    double latencyMs = 0.0;               ///< sparse model, this clip
    QString error;                        ///< non-empty when the clip could not be analysed

    /// Index of the most probable class, or -1.
    int topClass() const;
};

}  // namespace sparselab

Q_DECLARE_METATYPE(sparselab::InferenceResult)

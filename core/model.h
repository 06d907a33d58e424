#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "layer.h"

namespace sparselab {

/// How audio becomes the network's input (librosa semantics; defaults are Numenta's GSC ones).
struct FeatureParams {
    int sampleRate = 16000;
    int nMels = 32;
    int nFft = 2048;
    int hopLength = 512;
    int frames = 32;  ///< columns of the log-mel image (1 s at the defaults)
    float topDb = 80.0f;

    bool operator==(const FeatureParams&) const = default;
};

/// Everything about a model that is not a layer: labels and preprocessing, plus free-form
/// key/value pairs (training command, seed, ...) that travel in ONNX metadata_props.
struct ModelMetadata {
    std::vector<std::string> labels;  ///< one per output, in output order
    FeatureParams features;
    bool hasFeatureParams = false;  ///< false: the file said nothing, defaults apply
    bool hasLabels = false;         ///< false: labels are the default scheme's
    std::map<std::string, std::string> extra;
};

/// Numenta's digits scheme: "zero" ... "nine", "unknown", "silence" (see NUMENTA_GSC.md).
std::vector<std::string> digitsLabels();
/// The standard commands scheme: yes no up down left right on off stop go unknown silence.
std::vector<std::string> commandsLabels();

/// A sequential network with its metadata. Loaded models are shared immutably as
/// std::shared_ptr<const Model>; changing sparsity builds a new Model.
class Model {
  public:
    std::string name;  ///< display name (file stem by default)
    Shape inputShape;  ///< per sample, batch excluded (1x32x32 for GSC)
    std::vector<Layer> layers;
    ModelMetadata metadata;

    /// Output shape of every layer (batch excluded), in layer order. Throws Error on mismatch.
    std::vector<Shape> layerOutputShapes() const;
    /// Shape of the network's output (batch excluded).
    Shape outputShape() const;
    /// Checks shapes, parameter sizes and that every weight is finite; throws Error naming the
    /// layer.
    void validate() const;
    /// Number of output classes.
    int64_t numClasses() const { return numel(outputShape()); }
};

using ModelPtr = std::shared_ptr<const Model>;

}  // namespace sparselab

namespace sparselab {

/// Folds every BatchNorm that directly follows a Conv2d or Linear into that layer's weights and
/// bias (per output channel), removing the BatchNorm layer. Other BatchNorms stay.
void foldBatchNorms(Model& model);

/// Copies weights and bias of every Conv2d and Linear layer of `from` into the layer of `to`
/// with the same name, kind and weight shape: e.g. a trained dense CNN-2 into the sparse preset,
/// whose k-winners stay `to`'s. Returns the names of the layers copied; the others keep `to`'s
/// values.
std::vector<std::string> copyMatchingWeights(const Model& from, Model& to);

}  // namespace sparselab

#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "train_layer.h"

namespace sparselab::train {

/// How an inference Model becomes a trainable network.
struct NetworkOptions {
    /// Insert BatchNorm(affine=False) after every Conv2d and every Linear except the last
    /// (Numenta's CNN-2); it is folded back into the weights on export.
    bool batchNorm = true;
    /// Weights that are exactly zero in the model stay zero (fixed sparse mask per layer).
    /// Layers without zeros are dense.
    bool keepZeroWeights = true;
};

/// A trainable sequential network (Numenta's GSC CNN family): a chain of TrainLayers ending in
/// logits; the final LogSoftmax is part of the loss while training and of the exported model.
class TrainNetwork {
  public:
    /// Builds from a model: Conv2d/Linear/MaxPool/ReLU/Flatten/KWinners map to trainable layers
    /// (k-winners duty cycles restart at zero); a trailing Softmax/LogSoftmax is dropped;
    /// BatchNorm layers present in the model are not supported (loadOnnx folds them). Throws
    /// Error for other layer kinds.
    static TrainNetwork fromModel(const Model& model, const NetworkOptions& options = {});

    TrainNetwork() = default;
    TrainNetwork(TrainNetwork&&) = default;
    TrainNetwork& operator=(TrainNetwork&&) = default;

    /// Runs a batch [N, ...inputShape] and returns the logits [N, classes].
    const Tensor& forward(const Tensor& input, const PassContext& ctx);
    /// Back-propagates dLoss/dLogits of the last forward() (training pass), accumulating
    /// parameter gradients.
    void backward(const Tensor& gradLogits, const PassContext& ctx);

    std::vector<Parameter*> parameters();
    void zeroGradients();
    /// Re-applies every sparse mask (after each optimiser step).
    void applyMasks();
    /// Keeps, in every Conv2d/Linear named in `sparsity` (layer name -> fraction of zeros), the
    /// largest-magnitude round((1 - s) * fanIn) weights of each output unit and fixes that mask
    /// (prune before fine-tuning).
    void pruneByMagnitude(const std::map<std::string, double>& sparsity);
    /// One step of gradual pruning: narrows the mask of every Conv2d/Linear named in `sparsity`
    /// (layer name -> fraction of zeros). Unstructured: per output unit, the largest |w| of
    /// those the mask allows, round((1 - s) * fanIn) of them (at least one; ties toward the
    /// lower index). Structured: the cpu-sparse blocked layout (structuredKeepMask), scoring
    /// the weights as the exported model holds them (times the following BatchNorm's 1/std).
    /// A weight outside the mask never re-grows: a layer already sparser than s keeps its
    /// mask. Throws Error for a name that is not a Conv2d or Linear of the network.
    void narrowMasks(const std::map<std::string, double>& sparsity, bool structured);
    /// Whether the network has a Conv2d or Linear layer of that name (one that can be pruned).
    bool hasWeightLayer(const std::string& name) const;
    /// Fraction of zero weights over the named Conv2d/Linear layers together (0 when none).
    double weightSparsity(const std::vector<std::string>& layers) const;
    /// End-of-epoch hooks (k-winners boost decay).
    void endEpoch();

    /// Learnable values and buffers by name, for checkpoints.
    StateMap state() const;
    /// Restores state(); throws Error when a name is missing or a size differs.
    void loadState(const StateMap& state);

    /// The inference model: layers exported, BatchNorm folded into Conv2d/Linear, LogSoftmax
    /// appended, metadata copied. The result passes Model::validate().
    Model toModel(const ModelMetadata& metadata, const std::string& name) const;

    const Shape& inputShape() const { return m_inputShape; }
    const std::vector<TrainLayerPtr>& layers() const { return m_layers; }

  private:
    Shape m_inputShape;
    std::vector<TrainLayerPtr> m_layers;
    std::vector<Tensor> m_activations;  ///< output of each layer of the last forward()
    std::vector<Tensor> m_grads;        ///< gradient w.r.t. each layer's input
};

/// A teacher's outputs for knowledge distillation (Hinton et al., "Distilling the Knowledge in
/// a Neural Network", 2015): logits (or log-probabilities, the same after softmax) [N, classes]
/// of the same batch, the weight of the distillation term and the temperature T.
struct SoftTargets {
    const Tensor& teacherLogits;
    double weight;
    double temperature;
};

/// Targets other than one label per sample: label smoothing (Szegedy et al., "Rethinking the
/// Inception Architecture", 2016) and mixup (Zhang et al., "mixup: Beyond Empirical Risk
/// Minimization", 2018). The target distribution of sample b is
/// (1 - smoothing) * ((1 - m_b) * onehot(label_b) + m_b * onehot(mixLabels[b])) + smoothing / C,
/// where m_b = mixWeights[b] (both empty = no mixing).
struct LabelTargets {
    double smoothing = 0.0;
    std::vector<int> mixLabels;
    std::vector<float> mixWeights;
};

/// Mean negative log-likelihood of log_softmax(logits) for integer labels; writes
/// dLoss/dLogits to `grad` (softmax - onehot, divided by N) and counts argmax == label in
/// `correct`. With `soft`, the per-sample loss is (1 - w) * NLL + w * T^2 *
/// KL(softmax(teacher / T) || softmax(logits / T)), whose gradient adds
/// w * T * (softmax(logits / T) - softmax(teacher / T)) (T^2 keeps the term's gradient the
/// size of the NLL's whatever T is). With `targets`, the NLL term is the cross-entropy with
/// LabelTargets' distribution q (gradient softmax - q); `correct` still counts `labels`.
double softmaxCrossEntropy(const Tensor& logits, const std::vector<int>& labels, Tensor& grad,
                           int64_t* correct = nullptr, const SoftTargets* soft = nullptr,
                           const LabelTargets* targets = nullptr);

}  // namespace sparselab::train

#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/backend.h"
#include "feature_set.h"
#include "optimizer.h"
#include "train_network.h"

namespace sparselab::train {

/// Feature-space augmentation applied to every training sample (each with probability prob):
/// Numenta's time shift (+-maxShiftFrames, the freed columns get the image minimum) and
/// stretch (time axis resampled by U(1 - x, 1 + x)), plus SpecAugment-style masks.
struct FeatureAugmentConfig {
    bool enabled = true;
    double prob = 0.5;
    int maxShiftFrames = 8;
    double maxStretch = 0.2;
    int maxFreqMask = 4, maxTimeMask = 4;  ///< largest width of a frequency / time mask (0 = off)
    int masks = 1;  ///< frequency masks and time masks per sample (each drawn with prob)
    /// Vocal-tract-length perturbation: with probability prob the mel axis is warped by a
    /// factor U(1 - x, 1 + x) (row m shows source row m * factor, linear interpolation; rows
    /// past the top repeat the top row), as a longer or shorter vocal tract would shift the
    /// formants. 0 = off (the default: models trained before it existed stay reproducible).
    double maxWarp = 0.0;
    /// Random equaliser, as another voice's spectral envelope or another microphone would
    /// colour the clip: with probability prob, add (in dB) a tilt across the mel axis of
    /// U(-x, x) dB end to end plus one Gaussian bump or notch of U(-x, x) dB (centre
    /// U(0, mels), width U(1.5, 4) bands); then shift so the clip maximum is 0 dB again and
    /// clip at -topDb, as power_to_db(ref = max, top_db) leaves a clip. 0 = off (default).
    double maxEqDb = 0.0;
    double topDb = 80.0;  ///< the features' top_db: the equaliser clips this far below the maximum
};

/// Gradual magnitude pruning (Zhu & Gupta, "To prune, or not to prune", 2017): the network
/// starts dense (or as sparse as its masks make it) and every `everyBatches` batches between
/// epoch positions `startEpoch` and `endEpoch` (fractional epochs, e.g. 0.5 = half-way
/// through epoch 1) its masks are narrowed by magnitude (TrainNetwork::narrowMasks) to the
/// sparsity of the cubic schedule s(t) = s_final * (1 - (1 - t)^3), t = 0 at startEpoch and 1
/// at endEpoch; the last step lands on endEpoch exactly, so the rest of training fine-tunes the
/// final masks. The schedule counts from 0 % whatever the start, so a resumed run prunes
/// exactly as an uninterrupted one.
/// Mixup (Zhang et al. 2018) of a batch [N, ...] in place: sample i becomes
/// (1 - m_i) * x_i + m_i * x_p(i) for a random permutation p and m_i = min(l, 1 - l),
/// l ~ Beta(alpha, alpha); targets.mixLabels[i] = labels[p(i)], targets.mixWeights[i] = m_i.
void mixupBatch(Tensor& batch, const std::vector<int>& labels, double alpha, uint32_t seed,
                LabelTargets& targets);

struct GradualPruning {
    std::map<std::string, double> sparsity;  ///< layer name -> final fraction of zeros; empty = off
    bool structured = false;                 ///< cpu-sparse blocked layout, else per output unit
    double startEpoch = 0.0, endEpoch = 1.0;
    int everyBatches = 100;

    bool enabled() const { return !sparsity.empty(); }
    /// The schedule's sparsity for a final sparsity at an epoch position.
    double at(double finalSparsity, double epochPosition) const;
};

/// Everything a training run needs besides data and network. A run is reproducible from seed.
struct TrainConfig {
    int epochs = 10;
    int batchSize = 64;
    int threads = 2;
    uint32_t seed = 1;
    OptimizerConfig optimizer;
    LrSchedule schedule;
    /// Draw each epoch's samples class-balanced (every class equally likely) instead of
    /// shuffling the clip list; the epoch length stays the number of clips.
    bool balanced = true;
    /// With balanced draws: relative weight of each class (index = class); missing or empty
    /// = 1. E.g. unknown drawn 3x as often as a word, since it stands for every other word.
    std::vector<double> classWeights;
    FeatureAugmentConfig augment;
    /// Label smoothing: the label term learns (1 - x) * onehot + x / classes (0 = off).
    double labelSmoothing = 0.0;
    /// Mixup with Beta(alpha, alpha) (0 = off): each training sample's features become
    /// l * own + (1 - l) * those of another sample of the batch (a random pairing), and its
    /// label term learns the labels in the same proportions; l = max(l', 1 - l') so the own
    /// label keeps the larger share (and the accuracy counted against it stays meaningful).
    double mixupAlpha = 0.0;
    /// Knowledge distillation, used when Trainer::setTeacher() gave a teacher (see SoftTargets).
    double distillWeight = 0.5, distillTemperature = 2.0;
    GradualPruning pruning;
    /// When not empty, the state after every epoch is written (atomically) to
    /// checkpointDir / "checkpoint.bin".
    std::filesystem::path checkpointDir;
};

/// Reported during training; `epochDone` marks the end-of-epoch report (with validation).
struct TrainProgress {
    int epoch = 0, epochs = 0;  ///< epoch is 0-based
    int64_t batch = 0, batches = 0;
    double loss = 0, accuracy = 0;  ///< running means over the epoch so far
    double clipsPerSecond = 0, etaSeconds = 0;
    float learningRate = 0;
    bool epochDone = false;
    double validationAccuracy = -1;  ///< end of epoch, when a validation set was given
    /// With gradual pruning: fraction of zero weights in the pruned layers (else -1).
    double weightSparsity = -1;
};

/// Return false to cancel; the trainer stops after the current batch.
using ProgressCallback = std::function<bool(const TrainProgress&)>;

struct EpochStats {
    int epoch = 0;
    double loss = 0, accuracy = 0, validationAccuracy = -1;
    double seconds = 0, clipsPerSecond = 0;
    float learningRate = 0;
    double weightSparsity = -1;  ///< see TrainProgress; not kept in checkpoints' history
};

/// Runs the training loop on precomputed features: forward, softmax cross-entropy, backward,
/// optimiser step, sparse masks re-applied; per-epoch LR schedule and k-winners boost decay.
/// Single-threaded API (parallel inside); the network is owned.
class Trainer {
  public:
    Trainer(TrainNetwork network, TrainConfig config);

    /// Restores network, optimiser and epoch counter from checkpointDir/checkpoint.bin; returns
    /// false when there is no checkpoint. Throws Error when it is corrupt or does not fit.
    bool resume();
    /// Distil from a teacher: every training batch (as augmented) also runs through it, and
    /// the loss mixes in its softened outputs (TrainConfig::distillWeight/-Temperature). Its
    /// outputs must be the network's classes in the same order; the caller checks labels.
    void setTeacher(std::unique_ptr<Executor> teacher) { m_teacher = std::move(teacher); }
    /// Trains the remaining epochs. Returns true when all epochs completed, false when
    /// cancelled by the callback.
    bool train(const FeatureSet& trainSet, const FeatureSet* validationSet,
               const ProgressCallback& progress = {});

    /// Accuracy of the current network (evaluation mode, clean variant 0) on a set; per-clip
    /// predicted classes written to `predictions` when not null.
    double evaluate(const FeatureSet& set, std::vector<int>* predictions = nullptr);

    TrainNetwork& network() { return m_network; }
    const std::vector<EpochStats>& history() const { return m_history; }
    int nextEpoch() const { return m_nextEpoch; }

  private:
    std::vector<int64_t> epochOrder(const FeatureSet& set, uint32_t epochSeed) const;
    void fillBatch(const FeatureSet& set, const std::vector<int64_t>& order, int64_t first,
                   int64_t count, bool augment, uint32_t batchSeed, Tensor& batch,
                   std::vector<int>& labels) const;
    void saveCheckpoint() const;
    /// Gradual pruning once `step` batches are done (no-op off the schedule): step 0 before
    /// the first batch, then after every optimiser step, so an epoch's report and checkpoint
    /// include a step that lands on its end.
    void pruneOnSchedule(int64_t step, int64_t batches);
    double prunedSparsity() const;

    TrainNetwork m_network;
    TrainConfig m_config;
    Optimizer m_optimizer;
    std::unique_ptr<Executor> m_teacher;
    int m_nextEpoch = 0;
    std::vector<EpochStats> m_history;
};

/// Applies FeatureAugmentConfig to one [mels x frames] image in place.
void augmentFeatures(float* image, int mels, int frames, const FeatureAugmentConfig& a,
                     uint32_t seed);

}  // namespace sparselab::train

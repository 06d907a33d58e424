#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include "checkpoint.h"
#include "core/error.h"
#include "parallel_for.h"

namespace sparselab::train {

void augmentFeatures(float* image, int mels, int frames, const FeatureAugmentConfig& a,
                     uint32_t seed) {
    if (!a.enabled) return;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    // The masks below fill with the floor of the clip as it came (before the equaliser
    // re-references it), which the shipped models were trained with.
    const float floor = *std::min_element(image, image + mels * frames);
    std::vector<float> src(image, image + mels * frames);
    double stretch = 1.0;
    int shift = 0;
    if (u(rng) < a.prob && a.maxStretch > 0) stretch = 1.0 + (2 * u(rng) - 1) * a.maxStretch;
    if (u(rng) < a.prob && a.maxShiftFrames > 0)
        shift = static_cast<int>(std::lround((2 * u(rng) - 1) * a.maxShiftFrames));
    if (stretch != 1.0 || shift != 0) {
        // out column t shows source position (t - shift) * stretch (linear interpolation).
        for (int t = 0; t < frames; ++t) {
            const double s = (t - shift) * stretch;
            const int s0 = static_cast<int>(std::floor(s));
            const double w = s - s0;
            for (int m = 0; m < mels; ++m) {
                const float* row = src.data() + m * frames;
                float v = floor;
                if (s0 >= 0 && s0 < frames) {
                    const float next = s0 + 1 < frames ? row[s0 + 1] : floor;
                    v = static_cast<float>(row[s0] * (1 - w) + next * w);
                }
                image[m * frames + t] = v;
            }
        }
    }
    if (a.maxWarp > 0 && u(rng) < a.prob) {
        const double factor = 1.0 + (2 * u(rng) - 1) * a.maxWarp;
        const std::vector<float> rows(image, image + mels * frames);
        for (int m = 0; m < mels; ++m) {
            const double s = std::min(m * factor, double(mels - 1));
            const int s0 = static_cast<int>(std::floor(s));
            const int s1 = std::min(s0 + 1, mels - 1);
            const float w = static_cast<float>(s - s0);
            for (int t = 0; t < frames; ++t)
                image[m * frames + t] =
                    rows[size_t(s0 * frames + t)] * (1 - w) + rows[size_t(s1 * frames + t)] * w;
        }
    }
    if (a.maxEqDb > 0 && u(rng) < a.prob) {
        const double tilt = (2 * u(rng) - 1) * a.maxEqDb, bump = (2 * u(rng) - 1) * a.maxEqDb;
        const double centre = u(rng) * mels, width = 1.5 + 2.5 * u(rng);
        for (int m = 0; m < mels; ++m) {
            const double z = (m - centre) / width;
            const auto gain = static_cast<float>(tilt * (2.0 * m / std::max(1, mels - 1) - 1.0) +
                                                 bump * std::exp(-0.5 * z * z));
            for (int t = 0; t < frames; ++t) image[m * frames + t] += gain;
        }
        const float top = *std::max_element(image, image + mels * frames);
        const auto low = static_cast<float>(-a.topDb);
        for (int i = 0; i < mels * frames; ++i) image[i] = std::max(image[i] - top, low);
    }
    for (int k = 0; k < a.masks; ++k) {
        if (a.maxFreqMask > 0 && u(rng) < a.prob) {
            const int w = 1 + static_cast<int>(u(rng) * a.maxFreqMask);
            const int f0 = static_cast<int>(u(rng) * std::max(1, mels - w));
            for (int m = f0; m < std::min(mels, f0 + w); ++m)
                std::fill(image + m * frames, image + (m + 1) * frames, floor);
        }
        if (a.maxTimeMask > 0 && u(rng) < a.prob) {
            const int w = 1 + static_cast<int>(u(rng) * a.maxTimeMask);
            const int t0 = static_cast<int>(u(rng) * std::max(1, frames - w));
            for (int m = 0; m < mels; ++m)
                for (int t = t0; t < std::min(frames, t0 + w); ++t) image[m * frames + t] = floor;
        }
    }
}

double GradualPruning::at(double finalSparsity, double epochPosition) const {
    if (epochPosition < startEpoch) return 0.0;
    if (epochPosition >= endEpoch) return finalSparsity;
    const double left = 1.0 - (epochPosition - startEpoch) / (endEpoch - startEpoch);
    return finalSparsity * (1.0 - left * left * left);
}

Trainer::Trainer(TrainNetwork network, TrainConfig config)
    : m_network(std::move(network)), m_config(std::move(config)), m_optimizer(m_config.optimizer) {
    if (m_config.batchSize < 2) throw Error("batch size must be at least 2 (BatchNorm)");
    if (m_config.epochs < 1) throw Error("epochs must be at least 1");
    if (!(m_config.distillWeight >= 0.0 && m_config.distillWeight <= 1.0) ||
        !(m_config.distillTemperature > 0.0))
        throw Error("distillation needs a weight in [0, 1] and a temperature above 0");
    if (!(m_config.labelSmoothing >= 0.0 && m_config.labelSmoothing < 1.0))
        throw Error("label smoothing must be in [0, 1)");
    if (!(m_config.mixupAlpha >= 0.0) || !std::isfinite(m_config.mixupAlpha))
        throw Error("the mixup alpha must be 0 (off) or above");
    if (m_config.augment.masks < 0) throw Error("the number of SpecAugment masks must be >= 0");
    const GradualPruning& gp = m_config.pruning;
    if (gp.enabled()) {
        if (!(gp.startEpoch >= 0.0 && gp.startEpoch <= gp.endEpoch &&
              gp.endEpoch <= m_config.epochs)) {
            std::ostringstream what;
            what << "gradual pruning must start and end within the " << m_config.epochs
                 << " epochs, start first (start " << gp.startEpoch << ", end " << gp.endEpoch
                 << ")";
            throw Error(what.str());
        }
        if (gp.everyBatches < 1) throw Error("gradual pruning needs a step of at least 1 batch");
        for (const auto& [name, s] : gp.sparsity) {
            if (!m_network.hasWeightLayer(name))
                throw Error("gradual pruning: the network has no Conv2d or Linear layer named '" +
                            name + "'");
            if (!(s >= 0.0 && s < 1.0))
                throw Error("gradual pruning: the sparsity of '" + name +
                            "' must be in [0, 1), got " + std::to_string(s));
        }
    }
    m_network.applyMasks();
}

std::vector<int64_t> Trainer::epochOrder(const FeatureSet& set, uint32_t epochSeed) const {
    std::mt19937 rng(epochSeed);
    std::vector<int64_t> order(static_cast<size_t>(set.clips()));
    if (!m_config.balanced) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        return order;
    }
    const int classes = *std::max_element(set.labels.begin(), set.labels.end()) + 1;
    std::vector<std::vector<int64_t>> byClass(static_cast<size_t>(classes));
    for (int64_t i = 0; i < set.clips(); ++i)
        byClass[static_cast<size_t>(set.labels[static_cast<size_t>(i)])].push_back(i);
    std::vector<int> present;
    for (int c = 0; c < classes; ++c)
        if (!byClass[static_cast<size_t>(c)].empty()) present.push_back(c);
    std::vector<double> weights;
    for (int c : present)
        weights.push_back(static_cast<size_t>(c) < m_config.classWeights.size()
                              ? std::max(0.0, m_config.classWeights[static_cast<size_t>(c)])
                              : 1.0);
    if (std::accumulate(weights.begin(), weights.end(), 0.0) <= 0.0)
        std::fill(weights.begin(), weights.end(), 1.0);
    std::discrete_distribution<size_t> pickWeighted(weights.begin(), weights.end());
    std::uniform_int_distribution<size_t> pickUniform(0, present.size() - 1);
    const bool uniform = m_config.classWeights.empty();  // the original draw sequence
    for (auto& o : order) {
        const size_t pick = uniform ? pickUniform(rng) : pickWeighted(rng);
        const auto& members = byClass[static_cast<size_t>(present[pick])];
        o = members[std::uniform_int_distribution<size_t>(0, members.size() - 1)(rng)];
    }
    return order;
}

void Trainer::fillBatch(const FeatureSet& set, const std::vector<int64_t>& order, int64_t first,
                        int64_t count, bool augment, uint32_t batchSeed, Tensor& batch,
                        std::vector<int>& labels) const {
    Shape shape{count};
    shape.insert(shape.end(), set.sampleShape.begin(), set.sampleShape.end());
    batch.resize(shape);
    labels.resize(static_cast<size_t>(count));
    const int64_t size = set.sampleSize();
    const int mels = static_cast<int>(set.sampleShape.at(1));
    const int frames = static_cast<int>(set.sampleShape.at(2));
    for (int64_t i = 0; i < count; ++i) {
        const int64_t clip = order[static_cast<size_t>(first + i)];
        labels[static_cast<size_t>(i)] = set.labels[static_cast<size_t>(clip)];
        const uint32_t seed = batchSeed * 747796405u + static_cast<uint32_t>(i) * 2891336453u;
        const int variant = augment ? static_cast<int>(seed % uint32_t(set.variants)) : 0;
        const float* src = set.sample(clip, variant);
        float* dst = batch.data() + i * size;
        std::copy(src, src + size, dst);
        if (augment) augmentFeatures(dst, mels, frames, m_config.augment, seed ^ 0x9e3779b9u);
    }
}

void mixupBatch(Tensor& batch, const std::vector<int>& labels, double alpha, uint32_t seed,
                LabelTargets& targets) {
    const auto n = static_cast<int64_t>(labels.size());
    const int64_t size = batch.size() / std::max<int64_t>(n, 1);
    if (batch.rank() < 1 || batch.dim(0) != n)
        throw Error("mixup: " + std::to_string(n) + " labels for a batch of shape " +
                    shapeToString(batch.shape()));
    if (!(alpha > 0.0)) throw Error("mixup: alpha must be above 0");
    std::mt19937 rng(seed);
    std::gamma_distribution<double> gamma(alpha, 1.0);
    std::vector<int64_t> partner(static_cast<size_t>(n));
    std::iota(partner.begin(), partner.end(), 0);
    std::shuffle(partner.begin(), partner.end(), rng);
    const Tensor original = batch;
    targets.mixLabels.resize(static_cast<size_t>(n));
    targets.mixWeights.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        const double x = gamma(rng), y = gamma(rng);
        const double beta = x + y > 0.0 ? x / (x + y) : 0.5;  // Beta(alpha, alpha)
        const auto other = static_cast<float>(std::min(beta, 1.0 - beta));
        const int64_t j = partner[static_cast<size_t>(i)];
        float* dst = batch.data() + i * size;
        const float* src = original.data() + j * size;
        for (int64_t e = 0; e < size; ++e) dst[e] = (1.0f - other) * dst[e] + other * src[e];
        targets.mixLabels[static_cast<size_t>(i)] = labels[static_cast<size_t>(j)];
        targets.mixWeights[static_cast<size_t>(i)] = other;
    }
}

bool Trainer::train(const FeatureSet& trainSet, const FeatureSet* validationSet,
                    const ProgressCallback& progress) {
    if (trainSet.clips() < m_config.batchSize)
        throw Error("the training set has " + std::to_string(trainSet.clips()) +
                    " clips, fewer than one batch of " + std::to_string(m_config.batchSize));
    using Clock = std::chrono::steady_clock;
    const int64_t batches = trainSet.clips() / m_config.batchSize;  // partial batch dropped
    const PassContext ctx{true, m_config.threads};
    Tensor batch, grad;
    std::vector<int> labels;
    const auto runStart = Clock::now();
    int64_t clipsThisRun = 0;
    const int firstEpoch = m_nextEpoch;
    for (int epoch = m_nextEpoch; epoch < m_config.epochs; ++epoch) {
        const float lr = m_config.schedule.learningRate(m_config.optimizer.learningRate, epoch);
        m_optimizer.setLearningRate(lr);
        const uint32_t epochSeed = m_config.seed * 1000003u + static_cast<uint32_t>(epoch);
        const std::vector<int64_t> order = epochOrder(trainSet, epochSeed);
        const auto epochStart = Clock::now();
        double lossSum = 0.0;
        int64_t correct = 0, seen = 0;
        for (int64_t b = 0; b < batches; ++b) {
            if (epoch == 0 && b == 0) pruneOnSchedule(0, batches);  // a schedule at 0
            const uint32_t batchSeed = epochSeed * 31u + static_cast<uint32_t>(b);
            fillBatch(trainSet, order, b * m_config.batchSize, m_config.batchSize, true, batchSeed,
                      batch, labels);
            LabelTargets targets;  // one-hot labels unless smoothed or mixed
            targets.smoothing = m_config.labelSmoothing;
            if (m_config.mixupAlpha > 0.0)
                mixupBatch(batch, labels, m_config.mixupAlpha, batchSeed ^ 0x6d2b79f5u, targets);
            m_network.zeroGradients();
            int64_t hits = 0;
            Tensor teacherOut;
            if (m_teacher) teacherOut = m_teacher->run(batch);
            const SoftTargets soft{teacherOut, m_config.distillWeight, m_config.distillTemperature};
            const double loss = softmaxCrossEntropy(m_network.forward(batch, ctx), labels, grad,
                                                    &hits, m_teacher ? &soft : nullptr, &targets);
            if (!std::isfinite(loss))
                throw Error("training diverged (loss " + std::to_string(loss) + ") in epoch " +
                            std::to_string(epoch + 1) + "; try a lower --lr");
            m_network.backward(grad, ctx);
            m_optimizer.step(m_network.parameters());
            pruneOnSchedule(int64_t(epoch) * batches + b + 1, batches);
            lossSum += loss * double(labels.size());
            correct += hits;
            seen += static_cast<int64_t>(labels.size());
            clipsThisRun += static_cast<int64_t>(labels.size());
            if (progress) {
                TrainProgress p;
                p.epoch = epoch, p.epochs = m_config.epochs, p.batch = b + 1, p.batches = batches;
                p.loss = lossSum / double(seen), p.accuracy = double(correct) / double(seen);
                const double secs = std::chrono::duration<double>(Clock::now() - runStart).count();
                p.clipsPerSecond = secs > 0 ? double(clipsThisRun) / secs : 0.0;
                const double remaining =
                    double((m_config.epochs - epoch) * batches - (b + 1)) * m_config.batchSize;
                p.etaSeconds = p.clipsPerSecond > 0 ? remaining / p.clipsPerSecond : 0.0;
                p.learningRate = lr;
                if (!progress(p)) return false;
            }
        }
        m_network.endEpoch();
        EpochStats s;
        s.epoch = epoch;
        s.loss = lossSum / double(std::max<int64_t>(seen, 1));
        s.accuracy = double(correct) / double(std::max<int64_t>(seen, 1));
        s.seconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
        s.clipsPerSecond = s.seconds > 0 ? double(seen) / s.seconds : 0.0;
        s.learningRate = lr;
        s.weightSparsity = prunedSparsity();
        if (validationSet && validationSet->clips() > 0)
            s.validationAccuracy = evaluate(*validationSet);
        m_history.push_back(s);
        m_nextEpoch = epoch + 1;
        if (!m_config.checkpointDir.empty()) saveCheckpoint();
        if (progress) {
            TrainProgress p;
            p.epoch = epoch, p.epochs = m_config.epochs, p.batch = batches, p.batches = batches;
            p.loss = s.loss, p.accuracy = s.accuracy, p.clipsPerSecond = s.clipsPerSecond;
            const double secs = std::chrono::duration<double>(Clock::now() - runStart).count();
            const int epochsThisRun = epoch + 1 - firstEpoch;
            p.etaSeconds = secs / double(epochsThisRun) * double(m_config.epochs - m_nextEpoch);
            p.learningRate = lr, p.epochDone = true, p.validationAccuracy = s.validationAccuracy;
            p.weightSparsity = s.weightSparsity;
            if (!progress(p)) return false;
        }
    }
    return true;
}

double Trainer::evaluate(const FeatureSet& set, std::vector<int>* predictions) {
    const PassContext ctx{false, m_config.threads};
    std::vector<int64_t> order(static_cast<size_t>(set.clips()));
    std::iota(order.begin(), order.end(), 0);
    Tensor batch;
    std::vector<int> labels;
    int64_t correct = 0;
    if (predictions) predictions->assign(order.size(), -1);
    const int64_t step = 256;
    for (int64_t first = 0; first < set.clips(); first += step) {
        const int64_t count = std::min(step, set.clips() - first);
        fillBatch(set, order, first, count, false, 0, batch, labels);
        const Tensor& logits = m_network.forward(batch, ctx);
        const int64_t classes = logits.dim(1);
        for (int64_t i = 0; i < count; ++i) {
            const float* z = logits.data() + i * classes;
            const int best = static_cast<int>(std::max_element(z, z + classes) - z);
            correct += best == labels[static_cast<size_t>(i)];
            if (predictions) (*predictions)[static_cast<size_t>(first + i)] = best;
        }
    }
    return set.clips() > 0 ? double(correct) / double(set.clips()) : 0.0;
}

void Trainer::pruneOnSchedule(int64_t step, int64_t batches) {
    const GradualPruning& gp = m_config.pruning;
    if (!gp.enabled()) return;
    // Steps count the batches done; the schedule's ends round to batches.
    const auto first = static_cast<int64_t>(std::llround(gp.startEpoch * double(batches)));
    const int64_t last = std::min<int64_t>(std::llround(gp.endEpoch * double(batches)),
                                           int64_t(m_config.epochs) * batches);
    if (step < first || step > last || ((step - first) % gp.everyBatches != 0 && step != last))
        return;
    const double position = last > first
                                ? gp.startEpoch + (gp.endEpoch - gp.startEpoch) *
                                                      double(step - first) / double(last - first)
                                : gp.endEpoch;
    std::map<std::string, double> now;
    for (const auto& [name, target] : gp.sparsity)
        if (const double s = gp.at(target, position); s > 0.0) now[name] = s;
    if (!now.empty()) m_network.narrowMasks(now, gp.structured);
}

double Trainer::prunedSparsity() const {
    if (!m_config.pruning.enabled()) return -1.0;
    std::vector<std::string> names;
    for (const auto& entry : m_config.pruning.sparsity) names.push_back(entry.first);
    return m_network.weightSparsity(names);
}

void Trainer::saveCheckpoint() const {
    StateMap s = m_network.state();
    m_optimizer.saveState(s);
    s["trainer.next_epoch"] = {float(m_nextEpoch)};
    s["trainer.seed"] = {float(m_config.seed)};
    std::vector<float>& h = s["trainer.history"];
    for (const EpochStats& e : m_history)
        h.insert(h.end(),
                 {float(e.epoch), float(e.loss), float(e.accuracy), float(e.validationAccuracy),
                  float(e.seconds), float(e.clipsPerSecond), e.learningRate});
    std::filesystem::create_directories(m_config.checkpointDir);
    train::saveCheckpoint(s, m_config.checkpointDir / "checkpoint.bin");
}

bool Trainer::resume() {
    const auto path = m_config.checkpointDir / "checkpoint.bin";
    if (m_config.checkpointDir.empty() || !std::filesystem::exists(path)) return false;
    const StateMap s = loadCheckpoint(path);
    m_network.loadState(s);
    m_optimizer.loadState(s, m_network.parameters());
    auto get = [&](const char* key) -> const std::vector<float>& {
        auto it = s.find(key);
        if (it == s.end() || it->second.empty())
            throw Error("checkpoint '" + path.string() + "' has no '" + key + "'");
        return it->second;
    };
    m_nextEpoch = static_cast<int>(get("trainer.next_epoch")[0]);
    m_history.clear();
    auto h = s.find("trainer.history");
    if (h != s.end())
        for (size_t i = 0; i + 7 <= h->second.size(); i += 7) {
            const float* e = h->second.data() + i;
            m_history.push_back(EpochStats{int(e[0]), e[1], e[2], e[3], e[4], e[5], e[6]});
        }
    return true;
}

}  // namespace sparselab::train

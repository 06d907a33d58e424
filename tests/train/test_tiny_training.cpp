// End to end: a tiny generated corpus (tools/corpus/make_corpus.py, ~100 clips), features,
// a tiny sparse CNN with k-winners trained for a few seconds: the loss must fall and accuracy
// must end well above chance; checkpoints resume to the same state; export loads back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <numeric>

#include "core/audio/log_mel.h"
#include "core/data/gsc_dataset.h"
#include "core/dense_ops.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/onnx_model.h"
#include "core/train/trainer.h"

using namespace sparselab;
using namespace sparselab::train;
namespace fs = std::filesystem;

namespace {

fs::path tmpDir() {
    const char* t = std::getenv("SPARSELAB_TEST_TMP");
    return t ? fs::path(t) : fs::temp_directory_path() / "sparselab-train-tests";
}

/// Generates (once per build tree) 3 words x 24 clips + 2 unknown words x 10 clips.
const fs::path& tinyCorpus() {
    static const fs::path root = [] {
        // ctest runs these tests in parallel processes: each generates into its own folder and
        // renames it into place; the first rename wins and the others use the winner's corpus.
        const fs::path dir = tmpDir() / "tiny-corpus";
        if (!fs::exists(dir / "corpus.json")) {
            const fs::path mine = tmpDir() / ("tiny-corpus.tmp" + std::to_string(::getpid()));
            fs::remove_all(mine);
            fs::remove_all(dir);  // a stale partial corpus from an older build (writers rename)
            fs::create_directories(tmpDir());
            const std::string cmd = "/usr/bin/python3 " SPARSELAB_SOURCE_DIR
                                    "/tools/corpus/make_corpus.py --out " +
                                    mine.string() +
                                    " --words yes,no,stop --unknown-words cat,house "
                                    "--clips-per-word 24 --clips-per-unknown-word 10 "
                                    "--engines espeak,flite --noise-seconds 4 --seed 3 "
                                    "--validation-percent 0 --testing-percent 0 --jobs 2 "
                                    ">/dev/null";
            if (std::system(cmd.c_str()) != 0) return fs::path();
            std::error_code ec;
            fs::rename(mine, dir, ec);  // fails if another process got there first
            if (ec) fs::remove_all(mine);
            if (!fs::exists(dir / "corpus.json")) return fs::path();
        }
        return dir;
    }();
    return root;
}

GscConfig tinyConfig() {
    GscConfig c = GscConfig::preset("sparse");
    c.conv1Channels = 8, c.conv2Channels = 8, c.linearUnits = 48, c.classes = 5;
    c.conv1K = 400, c.conv2K = 60, c.linearK = 12;
    c.conv1Sparsity = 0.3, c.conv2Sparsity = 0.5, c.linearSparsity = 0.5;
    return c;
}

FeatureSet tinyFeatures() {
    GscOptions o;
    o.split = GscSplit::All;
    o.scheme = LabelScheme::fromWords({"yes", "no", "stop"});
    o.silenceShare = 0.1;
    const GscDataset data = GscDataset::open(tinyCorpus(), o);
    const LogMel logMel;
    return buildFeatureSet(data, logMel, 2, {}, 1, 2);
}

/// 30 epochs of Adam without augmentation: checks that the machinery learns, not how well it
/// generalises.
TrainConfig learningConfig() {
    TrainConfig tc;
    tc.epochs = 30;
    tc.batchSize = 16;
    tc.threads = 2;
    tc.optimizer.kind = OptimizerConfig::Kind::Adam;
    tc.optimizer.learningRate = 0.002f;
    tc.schedule.gamma = 1.0f;
    tc.augment.enabled = false;
    return tc;
}

}  // namespace

TEST(TrainTiny, LossFallsAndAccuracyRisesWellAboveChance) {
    ASSERT_FALSE(tinyCorpus().empty()) << "tools/corpus/make_corpus.py failed";
    const FeatureSet set = tinyFeatures();
    ASSERT_GE(set.clips(), 80);
    TrainConfig tc = learningConfig();
    Trainer trainer(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 5)), tc);
    const double before = trainer.evaluate(set);
    ASSERT_TRUE(trainer.train(set, nullptr));
    const auto& h = trainer.history();
    ASSERT_EQ(h.size(), 30u);
    const double lastLoss = (h[27].loss + h[28].loss + h[29].loss) / 3;  // epochs are noisy
    EXPECT_LT(lastLoss, 0.75 * h.front().loss);
    const double after = trainer.evaluate(set);
    // 5 classes (3 words, unknown, silence): chance is 20 %.
    EXPECT_GT(after, 0.6) << "accuracy before training " << before;
    // The exported model (BN folded, LogSoftmax) computes the same predictions.
    ModelMetadata md;
    md.labels = set.labelNames;
    md.hasLabels = true;
    const Model m = trainer.network().toModel(md, "tiny");
    const fs::path path = tmpDir() / "tiny.onnx";
    saveOnnx(m, path);
    const Model loaded = loadOnnx(path);
    Tensor scores({set.clips(), 1, 32, 32}), next;
    for (int64_t i = 0; i < set.clips(); ++i)
        std::copy(set.sample(i, 0), set.sample(i, 0) + 1024, scores.data() + i * 1024);
    for (const Layer& layer : loaded.layers) {
        dense::runLayer(layer, scores, next);
        std::swap(scores, next);
    }
    std::vector<int> predicted;
    trainer.evaluate(set, &predicted);
    int agree = 0;
    for (int64_t i = 0; i < set.clips(); ++i) {
        const float* z = scores.data() + i * 5;
        agree += int(std::max_element(z, z + 5) - z) == predicted[static_cast<size_t>(i)];
    }
    EXPECT_GE(agree, set.clips() - 1);
}

TEST(TrainTiny, DistillationAloneTeachesTheTeachersAnswers) {
    // A teacher trained on the labels; then a student of another seed trained with distillation
    // weight 1 on the same clips with every label shifted to the next class: the wrong labels
    // carry no weight, so it can only learn the right answers from the teacher's outputs (run
    // through the cpu-dense backend, as `train --teacher` does).
    ASSERT_FALSE(tinyCorpus().empty());
    const FeatureSet set = tinyFeatures();
    TrainConfig tc = learningConfig();
    Trainer teacherTrainer(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 5)), tc);
    ASSERT_TRUE(teacherTrainer.train(set, nullptr));
    std::vector<int> teacherSays;
    const double teacherAccuracy = teacherTrainer.evaluate(set, &teacherSays);
    ASSERT_GT(teacherAccuracy, 0.6);
    auto teacher = std::make_shared<Model>(teacherTrainer.network().toModel({}, "teacher"));

    tc.distillWeight = 1.0;
    tc.distillTemperature = 2.0;
    Trainer student(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 17)), tc);
    std::vector<int> before;
    student.evaluate(set, &before);
    student.setTeacher(
        BackendRegistry::withCpuBackends().require("cpu-dense").prepare(teacher, {}));
    FeatureSet wrong = set;
    for (int& label : wrong.labels) label = (label + 1) % 5;
    ASSERT_TRUE(student.train(wrong, nullptr));
    std::vector<int> after;
    const double accuracy = student.evaluate(set, &after);
    auto agreement = [&](const std::vector<int>& p) {
        return double(std::inner_product(p.begin(), p.end(), teacherSays.begin(), 0, std::plus<>(),
                                         std::equal_to<>())) /
               double(p.size());
    };
    EXPECT_GT(accuracy, 0.6) << "teacher " << teacherAccuracy;
    EXPECT_GT(agreement(after), 0.8) << "before training " << agreement(before);
}

TEST(TrainTiny, ResumeFromCheckpointReproducesTheRun) {
    ASSERT_FALSE(tinyCorpus().empty());
    const FeatureSet set = tinyFeatures();
    TrainConfig tc;
    tc.epochs = 3;
    tc.batchSize = 16;
    tc.optimizer.learningRate = 0.01f;
    tc.augment.enabled = true;
    tc.checkpointDir = tmpDir() / "ckpt-full";
    fs::remove_all(tc.checkpointDir);
    Trainer full(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 9)), tc);
    ASSERT_TRUE(full.train(set, nullptr));
    // Cancel after epoch 2 ends, then resume in a new trainer.
    tc.checkpointDir = tmpDir() / "ckpt-part";
    fs::remove_all(tc.checkpointDir);
    Trainer part(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 9)), tc);
    EXPECT_FALSE(part.train(set, nullptr,
                            [](const TrainProgress& p) { return !(p.epochDone && p.epoch == 1); }));
    Trainer resumed(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 9)), tc);
    ASSERT_TRUE(resumed.resume());
    EXPECT_EQ(resumed.nextEpoch(), 2);
    ASSERT_TRUE(resumed.train(set, nullptr));
    // Same data order, augmentation and optimiser state: only rounding differences remain
    // (Eigen's vectorised reductions depend on buffer alignment).
    const StateMap a = full.network().state(), b = resumed.network().state();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, values] : a) {
        const std::vector<float>& other = b.at(name);
        ASSERT_EQ(values.size(), other.size()) << name;
        double maxAbs = 1e-6, maxErr = 0.0;
        for (size_t i = 0; i < values.size(); ++i) {
            maxAbs = std::max(maxAbs, double(std::abs(values[i])));
            maxErr = std::max(maxErr, double(std::abs(values[i] - other[i])));
        }
        EXPECT_LT(maxErr / maxAbs, 1e-3) << name;
    }
}

TEST(TrainTiny, MixupAndLabelSmoothingStillLearn) {
    // The same run as above with mixup (alpha 0.4) and label smoothing 0.1: the labels reach
    // the network only blended, yet the clean clips must still be classified well above chance
    // (20 %), and the loss must fall (it cannot reach 0: the targets are never one-hot).
    ASSERT_FALSE(tinyCorpus().empty());
    const FeatureSet set = tinyFeatures();
    TrainConfig tc = learningConfig();
    tc.mixupAlpha = 0.4;
    tc.labelSmoothing = 0.1;
    Trainer trainer(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 5)), tc);
    const double before = trainer.evaluate(set);
    ASSERT_TRUE(trainer.train(set, nullptr));
    const auto& h = trainer.history();
    EXPECT_LT((h[27].loss + h[28].loss + h[29].loss) / 3, 0.85 * h.front().loss);
    EXPECT_GT(trainer.evaluate(set), 0.6) << "accuracy before training " << before;
    // Out-of-range settings are refused when the trainer is made.
    auto makeTrainer = [&] {
        Trainer t(TrainNetwork::fromModel(buildGscModel(tinyConfig(), 5)), tc);
    };
    tc.labelSmoothing = 1.0;
    EXPECT_THROW(makeTrainer(), Error);
    tc.labelSmoothing = 0.0, tc.mixupAlpha = -1.0;
    EXPECT_THROW(makeTrainer(), Error);
}

// sparselab-cli train: train a GSC keyword-spotting CNN (dense, sparse or super-sparse) on a
// GSC-layout folder and write it as SparseLab ONNX.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "core/audio/log_mel.h"
#include "core/data/gsc_dataset.h"
#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/model_stats.h"
#include "core/onnx_model.h"
#include "core/sparse/pruning.h"
#include "core/train/trainer.h"

namespace sparselab::cli {

namespace {

struct TrainArgs {
    std::string data, labels = "digits", arch = "sparse", out, checkpoint, init, optimizer = "sgd",
                      schedule = "step", teacher, initWeights;
    int epochs = 15, batch = 64, threads = 2, variants = 3;
    uint32_t seed = 1;
    float lr = 0.01f, momentum = 0.9f, weightDecay = 0.0f, gamma = 0.9f;
    double silenceShare = 0.1, maxUnknownShare = -1.0, unknownWeight = 1.0, vtlp = 0.1, eqDb = 0.0,
           distillWeight = 0.5, distillTemperature = 2.0, labelSmoothing = 0.0, mixup = 0.0;
    int freqMask = 4, timeMask = 4, masks = 1;
    bool structured = false;
    bool gradualPrune = false;
    double pruneStart = 0.0, pruneEnd = -1.0;
    int pruneEvery = 100;
    bool saveEveryEpoch = false;
    bool resume = false, noAugment = false, unbalanced = false, prune = false, quiet = false,
         json = false;
    // Architecture overrides (negative / empty = the preset's value).
    int conv1Channels = -1, conv2Channels = -1, linearUnits = -1, conv1K = -1, conv2K = -1,
        linearK = -1;
    double conv1Sparsity = -1, conv2Sparsity = -1, linearSparsity = -1, outputSparsity = -1;
    float kInferenceFactor = -1, boostStrength = -1;
    bool kwBeforePool = false, kwLocal = false;
    std::string commandLine;
};

std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) {
    g_interrupted = true;
}

GscConfig configFor(const TrainArgs& a, int classes) {
    GscConfig c = GscConfig::preset(a.arch);
    c.classes = classes;
    // Both before the explicit --conv1-k / --conv2-k, which are then taken as they are.
    if (a.kwBeforePool) c.useKWinnersBeforePool();
    if (a.kwLocal) c.useLocalKWinners();
    if (a.conv1Channels > 0) c.conv1Channels = a.conv1Channels;
    if (a.conv2Channels > 0) c.conv2Channels = a.conv2Channels;
    if (a.linearUnits > 0) c.linearUnits = a.linearUnits;
    if (a.conv1K >= 0) c.conv1K = a.conv1K;
    if (a.conv2K >= 0) c.conv2K = a.conv2K;
    if (a.linearK >= 0) c.linearK = a.linearK;
    if (a.conv1Sparsity >= 0) c.conv1Sparsity = a.conv1Sparsity;
    if (a.conv2Sparsity >= 0) c.conv2Sparsity = a.conv2Sparsity;
    if (a.linearSparsity >= 0) c.linearSparsity = a.linearSparsity;
    if (a.outputSparsity >= 0) c.outputSparsity = a.outputSparsity;
    if (a.kInferenceFactor > 0) c.kInferenceFactor = a.kInferenceFactor;
    if (a.boostStrength >= 0) c.boostStrength = a.boostStrength;
    return c;
}

/// The --teacher model, prepared on cpu-dense; throws Error naming the file when its classes,
/// input or features differ from what the student is trained on.
std::unique_ptr<Executor> loadTeacher(const TrainArgs& a, const LabelScheme& scheme,
                                      const FeatureParams& features, const Shape& inputShape) {
    auto teacher = std::make_shared<Model>(loadOnnx(a.teacher));
    const ModelMetadata& md = teacher->metadata;
    const std::string what = "teacher '" + a.teacher + "'";
    if (teacher->inputShape != inputShape)
        throw Error(what + " takes input " + shapeToString(teacher->inputShape) +
                    ", the trained network " + shapeToString(inputShape));
    if (teacher->numClasses() != scheme.size() || (md.hasLabels && md.labels != scheme.labels()))
        throw Error(what + " has other classes than the label scheme '" + a.labels +
                    "' (same labels in the same order needed)");
    if (md.hasFeatureParams && !(md.features == features))
        throw Error(what + " was trained on other log-mel features than this run computes");
    PrepareOptions options;
    options.threads = a.threads;
    return BackendRegistry::withCpuBackends()
        .require("cpu-dense")
        .prepare(std::move(teacher), options);
}

/// path ("word/file.wav") -> engine, from a make_corpus.py manifest; empty when absent.
std::map<std::string, std::string> corpusEngines(const std::filesystem::path& root) {
    std::map<std::string, std::string> engineOf;
    std::ifstream in(root / "corpus.json");
    if (!in) return engineOf;
    try {
        const Json doc = Json::parse(in);
        for (const auto& c : doc.value("clips", Json::array()))
            if (c.contains("path") && c.contains("engine"))
                engineOf[c["path"].get<std::string>()] = c["engine"].get<std::string>();
    } catch (const std::exception&) {
    }
    return engineOf;
}

train::FeatureSet loadSet(const TrainArgs& a, GscSplit split, const LabelScheme& scheme,
                          const LogMel& logMel, int variants) {
    GscOptions o;
    o.split = split;
    o.scheme = scheme;
    o.silenceShare = a.silenceShare;
    o.maxUnknownShare = split == GscSplit::Train ? a.maxUnknownShare : -1.0;
    o.seed = a.seed + static_cast<uint32_t>(split);
    const GscDataset data = GscDataset::open(a.data, o);
    if (data.size() == 0) return {};
    const auto start = std::chrono::steady_clock::now();
    train::FeatureSet set = train::buildFeatureSet(
        data, logMel, variants, {}, a.seed * 7u + static_cast<uint32_t>(split), a.threads,
        [&](int64_t done, int64_t total) {
            if (!a.quiet)
                std::fprintf(stderr, "\rfeatures (%s): %lld/%lld clips",
                             std::string(toString(split)).c_str(), (long long)done,
                             (long long)total);
            return !g_interrupted.load();
        });
    if (!a.quiet)
        std::fprintf(
            stderr, " in %.1f s\n",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    const auto engines = corpusEngines(a.data);
    for (size_t i = 0; i < data.size(); ++i) {
        const GscClip& c = data.clips()[i];
        if (c.silence) continue;
        auto it = engines.find(c.word + "/" + c.path.filename().string());
        set.groups[i] = it != engines.end() ? it->second : "other";
    }
    return set;
}

std::string formatSeconds(double s) {
    char buf[32];
    const int t = static_cast<int>(s + 0.5);
    std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
    return buf;
}

/// Accuracy overall and per group of a set.
Json report(train::Trainer& trainer, const train::FeatureSet& set) {
    std::vector<int> predicted;
    const double acc = trainer.evaluate(set, &predicted);
    std::map<std::string, std::pair<int64_t, int64_t>> tally;
    for (size_t i = 0; i < predicted.size(); ++i) {
        auto& [hit, n] = tally[set.groups[i].empty() ? "all" : set.groups[i]];
        hit += predicted[i] == set.labels[i];
        ++n;
    }
    Json per = Json::object();
    for (const auto& [g, t] : tally)
        per[g] = {{"accuracy", double(t.first) / double(t.second)}, {"count", t.second}};
    return {{"accuracy", acc}, {"count", set.clips()}, {"per_source", per}};
}

void run(const TrainArgs& a) {
    const LabelScheme scheme = LabelScheme::parse(a.labels);
    const FeatureParams features;
    const LogMel logMel(features);
    g_interrupted = false;
    auto previous = std::signal(SIGINT, onInterrupt);

    // The network: a preset (with overrides) or an existing model to fine-tune / prune.
    Model init;
    GscConfig config = configFor(a, scheme.size());
    const std::map<std::string, double> layerSparsity = {{"conv1", config.conv1Sparsity},
                                                         {"conv2", config.conv2Sparsity},
                                                         {"linear1", config.linearSparsity},
                                                         {"output", config.outputSparsity}};
    // The blocked layout's structure (the same number of whole 16-output blocks per input) at
    // the preset's sparsities: the mask the trainer keeps is exactly what the cpu-sparse
    // blocked kernels run at full speed.
    auto pruneStructured = [&](const Model& m) {
        WeightPruning p;
        p.structured = true;
        p.sparsity = 0.0;
        p.layerSparsity = layerSparsity;
        return *pruneWeights(m, p);
    };
    if (!a.init.empty()) {
        init = loadOnnx(a.init);
        if (init.numClasses() != scheme.size())
            throw Error("model '" + a.init + "' has " + std::to_string(init.numClasses()) +
                        " outputs but the label scheme '" + a.labels + "' has " +
                        std::to_string(scheme.size()));
    } else if (a.structured || a.gradualPrune) {
        GscConfig dense = config;  // random dense weights, then the structured mask (or, when
        dense.conv1Sparsity = dense.conv2Sparsity = dense.linearSparsity = dense.outputSparsity =
            0.0;  // pruning gradually, the masks training narrows)
        init = buildGscModel(dense, a.seed);
        if (!a.gradualPrune) init = pruneStructured(init);
    } else {
        init = buildGscModel(config, a.seed);
    }
    if (a.structured && !a.init.empty() && !a.prune && !a.gradualPrune)
        throw Error("--structured applies to a new model or to --init M --prune");
    std::map<std::string, double> gradualTargets;
    if (a.gradualPrune) {
        for (const auto& [name, s] : layerSparsity)
            if (s > 0.0) gradualTargets[name] = s;
        if (gradualTargets.empty())
            throw Error("--gradual-prune: the '" + config.name +
                        "' architecture has no sparse layer to prune to (give --conv1-sparsity, "
                        "--conv2-sparsity, --linear-sparsity or --output-sparsity)");
    }
    if (a.prune && a.init.empty())
        throw Error("--prune needs --init MODEL (the dense model to prune)");
    if (!a.initWeights.empty()) {
        const Model from = loadOnnx(a.initWeights);
        const std::vector<std::string> copied = copyMatchingWeights(from, init);
        if (copied.empty())
            throw Error("model '" + a.initWeights + "' has no Conv2d or Linear layer named and " +
                        "shaped as in the '" + config.name + "' preset");
        if (!a.quiet) {
            std::string names;
            for (const std::string& n : copied) {
                if (!names.empty()) names += ", ";
                names += n;
            }
            std::fprintf(stderr, "weights from %s: %s (pruned to the preset's sparsities)\n",
                         a.initWeights.c_str(), names.c_str());
        }
    }
    // Gradual pruning narrows the masks while training instead of pruning once here.
    const bool prune = (a.prune || !a.initWeights.empty()) && !a.gradualPrune;
    if (prune && a.structured) init = pruneStructured(init);
    train::NetworkOptions netOptions;
    // Masks come from the model's zeros, except for unstructured pruning, done on the network.
    netOptions.keepZeroWeights = !prune || a.structured;
    train::TrainNetwork net = train::TrainNetwork::fromModel(init, netOptions);
    if (prune && !a.structured) net.pruneByMagnitude(layerSparsity);

    train::TrainConfig tc;
    tc.epochs = a.epochs;
    tc.batchSize = a.batch;
    tc.threads = a.threads;
    tc.seed = a.seed;
    const auto kind = train::OptimizerConfig::parseKind(a.optimizer);
    if (!kind) throw Error("unknown optimizer '" + a.optimizer + "' (use sgd or adam)");
    tc.optimizer.kind = *kind;
    tc.optimizer.learningRate = a.lr;
    tc.optimizer.momentum = a.momentum;
    tc.optimizer.weightDecay = a.weightDecay;
    const auto sched = train::LrSchedule::parseKind(a.schedule);
    if (!sched) throw Error("unknown LR schedule '" + a.schedule + "' (use step or cosine)");
    tc.schedule.kind = *sched;
    tc.schedule.gamma = a.gamma;
    tc.schedule.epochs = a.epochs;
    tc.balanced = !a.unbalanced;
    tc.augment.enabled = !a.noAugment;
    tc.augment.maxWarp = a.vtlp;
    tc.augment.maxEqDb = a.eqDb;
    tc.augment.topDb = features.topDb;
    tc.augment.maxFreqMask = a.freqMask;
    tc.augment.maxTimeMask = a.timeMask;
    tc.augment.masks = a.masks;
    tc.labelSmoothing = a.labelSmoothing;
    tc.mixupAlpha = a.mixup;
    if (a.unknownWeight != 1.0) {
        tc.classWeights.assign(static_cast<size_t>(scheme.size()), 1.0);
        const auto& labels = scheme.labels();
        for (size_t c = 0; c < labels.size(); ++c)
            if (labels[c] == "unknown") tc.classWeights[c] = a.unknownWeight;
    }
    tc.checkpointDir = a.checkpoint;
    tc.distillWeight = a.distillWeight;
    tc.distillTemperature = a.distillTemperature;
    if (a.gradualPrune) {
        tc.pruning.sparsity = gradualTargets;
        tc.pruning.structured = a.structured;
        tc.pruning.startEpoch = a.pruneStart;
        tc.pruning.endEpoch = a.pruneEnd >= 0.0 ? a.pruneEnd : a.epochs / 2.0;
        tc.pruning.everyBatches = a.pruneEvery;
    }
    std::unique_ptr<Executor> teacher;
    if (!a.teacher.empty()) teacher = loadTeacher(a, scheme, features, init.inputShape);

    const auto t0 = std::chrono::steady_clock::now();
    const train::FeatureSet trainSet =
        loadSet(a, GscSplit::Train, scheme, logMel, a.noAugment ? 1 : a.variants);
    const train::FeatureSet validSet = loadSet(a, GscSplit::Validation, scheme, logMel, 1);
    const double featureSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (trainSet.clips() == 0) throw Error("no training clips in '" + a.data + "'");

    train::Trainer trainer(std::move(net), tc);
    if (teacher) trainer.setTeacher(std::move(teacher));
    if (a.resume) {
        if (a.checkpoint.empty()) throw Error("--resume needs --checkpoint DIR");
        if (trainer.resume() && !a.quiet)
            std::fprintf(stderr, "resumed from %s/checkpoint.bin at epoch %d\n",
                         a.checkpoint.c_str(), trainer.nextEpoch() + 1);
    }
    ModelMetadata md;
    md.labels = scheme.labels();
    md.hasLabels = true;
    md.features = features;
    md.hasFeatureParams = true;
    md.extra["sparselab.arch"] = a.init.empty() ? config.name : "finetuned:" + config.name;
    md.extra["sparselab.seed"] = std::to_string(a.seed);
    md.extra["sparselab.train.command"] = a.commandLine;
    md.extra["sparselab.train.epochs"] = std::to_string(a.epochs);
    if (a.gradualPrune) {
        char what[128];
        std::snprintf(what, sizeof what,
                      "gradual %s magnitude (cubic, epochs %g to %g, every %d batches)",
                      a.structured ? "structured" : "unstructured", tc.pruning.startEpoch,
                      tc.pruning.endEpoch, tc.pruning.everyBatches);
        md.extra["sparselab.pruning"] = what;
    }
    auto lastPrint = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    const bool completed = trainer.train(
        trainSet, validSet.clips() ? &validSet : nullptr, [&](const train::TrainProgress& p) {
            if (a.quiet || (p.epochDone && a.saveEveryEpoch)) {
                if (p.epochDone && a.saveEveryEpoch) {
                    ModelMetadata partial = md;
                    partial.extra["sparselab.train.epochs_done"] = std::to_string(p.epoch + 1);
                    saveOnnx(trainer.network().toModel(
                                 partial, std::filesystem::path(a.out).stem().string()),
                             a.out);
                }
                if (a.quiet) return !g_interrupted.load();
            }
            const auto now = std::chrono::steady_clock::now();
            if (p.epochDone) {
                char val[32] = "", zeros[32] = "";
                if (p.validationAccuracy >= 0)
                    std::snprintf(val, sizeof val, "  val %.1f%%", 100 * p.validationAccuracy);
                if (p.weightSparsity >= 0)
                    std::snprintf(zeros, sizeof zeros, "  zeros %.1f%%", 100 * p.weightSparsity);
                std::fprintf(stderr,
                             "\repoch %d/%d  loss %.4f  acc %.1f%%%s%s  lr %.5f  %.0f clips/s  "
                             "ETA %s        \n",
                             p.epoch + 1, p.epochs, p.loss, 100 * p.accuracy, val, zeros,
                             p.learningRate, p.clipsPerSecond, formatSeconds(p.etaSeconds).c_str());
            } else if (now - lastPrint > std::chrono::milliseconds(500)) {
                lastPrint = now;
                std::fprintf(stderr,
                             "\repoch %d/%d  batch %lld/%lld  loss %.4f  acc %.1f%%  %.0f "
                             "clips/s  ETA %s   ",
                             p.epoch + 1, p.epochs, (long long)p.batch, (long long)p.batches,
                             p.loss, 100 * p.accuracy, p.clipsPerSecond,
                             formatSeconds(p.etaSeconds).c_str());
            }
            return !g_interrupted.load();
        });
    std::signal(SIGINT, previous);
    const double trainSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!completed) {
        throw Error("training interrupted in epoch " + std::to_string(trainer.nextEpoch() + 1) +
                    (a.checkpoint.empty() ? "; nothing saved"
                                          : "; resume from " + a.checkpoint + " with --resume"));
    }

    md.extra["sparselab.train.seconds"] = std::to_string(static_cast<int>(trainSeconds));
    Json result = {{"out", a.out}, {"epochs", Json::array()}};
    for (const auto& e : trainer.history()) {
        Json epoch = {{"epoch", e.epoch + 1},
                      {"loss", e.loss},
                      {"accuracy", e.accuracy},
                      {"validation_accuracy", e.validationAccuracy},
                      {"clips_per_second", e.clipsPerSecond},
                      {"seconds", e.seconds}};
        if (e.weightSparsity >= 0) epoch["weight_sparsity"] = e.weightSparsity;
        result["epochs"].push_back(std::move(epoch));
    }
    if (validSet.clips()) {
        result["validation"] = report(trainer, validSet);
        md.extra["sparselab.train.validation_accuracy"] =
            std::to_string(result["validation"]["accuracy"].get<double>());
    }
    const train::FeatureSet testSet = loadSet(a, GscSplit::Test, scheme, logMel, 1);
    if (testSet.clips()) {
        result["test"] = report(trainer, testSet);
        md.extra["sparselab.train.test_accuracy"] =
            std::to_string(result["test"]["accuracy"].get<double>());
    }
    std::filesystem::path outPath(a.out);
    Model model = trainer.network().toModel(md, outPath.stem().string());
    saveOnnx(model, outPath);
    const ModelStats stats = computeStats(model);
    result["nonzeros"] = stats.nonzeros;
    result["dense_macs"] = stats.denseMacs;
    result["sparse_macs"] = stats.sparseMacs;
    result["feature_seconds"] = featureSeconds;
    result["total_seconds"] = trainSeconds;
    if (a.json) {
        printJson(result);
        return;
    }
    std::printf("wrote %s: %s, %lld non-zero weights (%.1f%% zeros), trained in %s\n",
                a.out.c_str(), md.extra["sparselab.arch"].c_str(), (long long)stats.nonzeros,
                100.0 * stats.weightSparsity(), formatSeconds(trainSeconds).c_str());
    for (const char* split : {"validation", "test"}) {
        if (!result.contains(split)) continue;
        std::printf("%s accuracy %.2f%% (%lld clips)", split,
                    100 * result[split]["accuracy"].get<double>(),
                    (long long)result[split]["count"].get<int64_t>());
        for (const auto& [g, v] : result[split]["per_source"].items())
            std::printf("  %s %.1f%%", g.c_str(), 100 * v["accuracy"].get<double>());
        std::printf("\n");
    }
}

}  // namespace

void registerTrainCommand(CLI::App& app, CliContext&) {
    auto* cmd = app.add_subcommand(
        "train",
        "Train a GSC keyword-spotting CNN on a GSC-layout folder and write SparseLab ONNX");
    auto a = std::make_shared<TrainArgs>();
    cmd->add_option("--data,-d", a->data, "GSC-layout folder (real GSC or tools/corpus output)")
        ->required();
    cmd->add_option("--labels", a->labels, "digits, commands or a comma-separated word list")
        ->capture_default_str();
    cmd->add_option("--arch", a->arch, "dense, sparse or super-sparse")->capture_default_str();
    cmd->add_option("--epochs", a->epochs, "Training epochs")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--out,-o", a->out, "Output ONNX file")->required();
    cmd->add_option("--seed", a->seed, "Seed (init, sampling, augmentation)")
        ->capture_default_str();
    cmd->add_option("--batch", a->batch, "Batch size")
        ->capture_default_str()
        ->check(CLI::Range(2, 4096));
    cmd->add_option("--lr", a->lr, "Initial learning rate")->capture_default_str();
    cmd->add_option("--optimizer", a->optimizer, "sgd or adam")->capture_default_str();
    cmd->add_option("--momentum", a->momentum, "SGD momentum")->capture_default_str();
    cmd->add_option("--weight-decay", a->weightDecay, "Weight decay")->capture_default_str();
    cmd->add_option("--lr-schedule", a->schedule, "step (x gamma per epoch) or cosine")
        ->capture_default_str();
    cmd->add_option("--lr-gamma", a->gamma, "Per-epoch LR factor of the step schedule")
        ->capture_default_str();
    cmd->add_option("--threads", a->threads, "Worker threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--checkpoint", a->checkpoint, "Folder for checkpoint.bin (after every epoch)");
    cmd->add_flag("--resume", a->resume, "Continue from --checkpoint's checkpoint.bin");
    cmd->add_option("--variants", a->variants,
                    "Precomputed waveform-augmented feature variants per training clip")
        ->capture_default_str()
        ->check(CLI::Range(1, 16));
    cmd->add_flag("--no-augment", a->noAugment, "No waveform or feature augmentation");
    cmd->add_flag("--unbalanced", a->unbalanced, "Shuffle clips instead of class-balanced draws");
    cmd->add_option("--silence-share", a->silenceShare, "Share of silence clips")
        ->capture_default_str();
    cmd->add_option("--max-unknown-share", a->maxUnknownShare,
                    "Subsample unknown-word training clips to this share (<0: keep all)")
        ->capture_default_str();
    cmd->add_option("--unknown-weight", a->unknownWeight,
                    "Class-balanced draws: the unknown class is drawn this many times as often "
                    "as a word (it stands for every other word)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 100.0));
    cmd->add_option("--vtlp", a->vtlp,
                    "Vocal-tract-length perturbation: warp the mel axis by U(1-x, 1+x) "
                    "(p = 0.5; 0 = off)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 0.5));
    cmd->add_option("--eq-db", a->eqDb,
                    "Random equaliser: a tilt and one bump/notch of up to x dB on the mel axis "
                    "(p = 0.5; 0 = off)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 40.0));
    cmd->add_option("--freq-mask", a->freqMask,
                    "SpecAugment: largest width (mel bands) of a frequency mask (p = 0.5; 0 = off)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    cmd->add_option("--time-mask", a->timeMask,
                    "SpecAugment: largest width (frames) of a time mask (p = 0.5; 0 = off)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    cmd->add_option("--masks", a->masks, "SpecAugment: frequency masks and time masks per sample")
        ->capture_default_str()
        ->check(CLI::Range(0, 16));
    cmd->add_option("--label-smoothing", a->labelSmoothing,
                    "Learn (1 - x) * one-hot + x / classes instead of the one-hot label (0 = off)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 0.5));
    cmd->add_option("--mixup", a->mixup,
                    "Mixup: blend each training sample with another of its batch by "
                    "Beta(x, x) weights, labels alike (0 = off; 0.2-0.4 usual)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 10.0));
    cmd->add_option("--teacher", a->teacher,
                    "Knowledge distillation: also learn this model's (e.g. the dense model's) "
                    "softened outputs on every training batch")
        ->check(CLI::ExistingFile);
    cmd->add_option("--distill-weight", a->distillWeight,
                    "With --teacher: weight of the distillation term (1 - w for the labels)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--distill-temperature", a->distillTemperature,
                    "With --teacher: softmax temperature T of teacher and student")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 100.0));
    cmd->add_flag("--structured", a->structured,
                  "Sparse masks in the cpu-sparse blocked layout (same number of 16-output "
                  "blocks per input), so the trained model runs at full speed unpruned");
    auto* gradual =
        cmd->add_flag("--gradual-prune", a->gradualPrune,
                      "Instead of pruning once at the start (a new model's random masks, --prune, "
                      "--init-weights), start dense and narrow the masks by magnitude while "
                      "training, along Zhu & Gupta's cubic schedule, to --arch's sparsities "
                      "(with --structured: in the blocked layout)");
    cmd->add_option("--prune-start", a->pruneStart,
                    "With --gradual-prune: epoch position where pruning starts (0.5 = half-way "
                    "through epoch 1)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 100000.0))
        ->needs(gradual);
    cmd->add_option("--prune-end", a->pruneEnd,
                    "With --gradual-prune: epoch position where the final sparsity is reached "
                    "(default: half the epochs); the rest fine-tunes")
        ->check(CLI::Range(0.0, 100000.0))
        ->needs(gradual);
    cmd->add_option("--prune-every", a->pruneEvery,
                    "With --gradual-prune: batches between two pruning steps")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000))
        ->needs(gradual);
    cmd->add_option("--init", a->init, "Start from this ONNX model instead of random weights");
    cmd->add_flag("--prune", a->prune,
                  "With --init: prune by magnitude to --arch's per-layer sparsities, then train");
    cmd->add_option("--init-weights", a->initWeights,
                    "Build --arch's preset (its k-winners), copy this model's Conv2d and Linear "
                    "weights where names and shapes match (e.g. the dense model), prune them by "
                    "magnitude to the preset's sparsities, then train")
        ->check(CLI::ExistingFile)
        ->excludes("--init");
    cmd->add_option("--conv1-channels", a->conv1Channels, "Override the preset");
    cmd->add_option("--conv2-channels", a->conv2Channels, "Override the preset");
    cmd->add_option("--linear-units", a->linearUnits, "Override the preset");
    cmd->add_option("--conv1-k", a->conv1K, "k-winners after conv1 (0 = ReLU)");
    cmd->add_option("--conv2-k", a->conv2K, "k-winners after conv2 (0 = ReLU)");
    cmd->add_option("--linear-k", a->linearK, "k-winners after linear1 (0 = ReLU)");
    cmd->add_option("--conv1-sparsity", a->conv1Sparsity, "Fraction of zero weights");
    cmd->add_option("--conv2-sparsity", a->conv2Sparsity, "Fraction of zero weights");
    cmd->add_option("--linear-sparsity", a->linearSparsity, "Fraction of zero weights");
    cmd->add_option("--output-sparsity", a->outputSparsity, "Fraction of zero weights");
    cmd->add_option("--k-inference-factor", a->kInferenceFactor, "k at inference = k * factor");
    cmd->add_option("--boost-strength", a->boostStrength, "Initial k-winners boost strength");
    cmd->add_flag("--kwinners-before-pool", a->kwBeforePool,
                  "nupic.torch order (k-winners, then max-pool; the preset's conv k x 4, "
                  "the same densities)");
    cmd->add_flag("--kwinners-local", a->kwLocal,
                  "Convolutions' k-winners select k channels at each position (the preset's k "
                  "become per-position counts at the same density; --conv1-k/--conv2-k then "
                  "count winners per position)");
    cmd->add_flag("--save-every-epoch", a->saveEveryEpoch,
                  "Also write --out after every epoch (usable before training ends)");
    cmd->add_flag("--quiet,-q", a->quiet, "No progress line");
    cmd->add_flag("--json", a->json, "Print a JSON summary");
    cmd->callback([a, cmd] {
        std::ostringstream line;
        line << "sparselab-cli train";
        for (const CLI::Option* o : cmd->get_options()) {
            if (o->count() == 0 || o->get_name() == "--help") continue;
            line << ' ' << o->get_name();
            if (o->get_expected_min() > 0)
                for (const auto& r : o->results()) line << ' ' << r;
        }
        a->commandLine = line.str();
        run(*a);
    });
}

}  // namespace sparselab::cli

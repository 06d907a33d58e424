#include "fine_tune_worker.h"

#include <QThread>

#include "core/audio/log_mel.h"
#include "core/data/gsc_dataset.h"
#include "core/data/label_scheme.h"
#include "core/error.h"
#include "core/train/feature_set.h"
#include "core/train/trainer.h"

namespace sparselab {

void FineTuneWorker::run(ModelPtr model, QString corpusDir, int epochs) {
    m_cancel.store(false);
    try {
        if (!model) throw Error("no model is loaded");
        GscOptions options;
        options.split = GscSplit::Train;
        options.scheme = LabelScheme::forModel(*model);
        options.sampleRate = model->metadata.features.sampleRate;
        const GscDataset dataset = GscDataset::open(corpusDir.toStdString(), options);
        const LogMel logMel(model->metadata.features);
        const int threads = std::max(1, QThread::idealThreadCount());
        emit progress(0, tr("Computing features of %1 clips…").arg(dataset.size()));
        const train::FeatureSet set = train::buildFeatureSet(
            dataset, logMel, 1, {}, 1, threads, [this](int64_t done, int64_t total) {
                emit progress(int(30 * done / std::max<int64_t>(1, total)),
                              tr("Features: %1 of %2 clips").arg(done).arg(total));
                return !m_cancel.load();
            });
        train::NetworkOptions netOptions;
        netOptions.batchNorm = false;       // the model's BatchNorms are already folded in
        netOptions.keepZeroWeights = true;  // fine-tune *at this sparsity*
        train::TrainConfig config;
        config.epochs = std::max(1, epochs);
        config.batchSize = int(std::clamp<int64_t>(set.clips(), 1, 64));  // tiny corpora too
        config.threads = threads;
        config.optimizer.learningRate = 0.001f;
        train::Trainer trainer(train::TrainNetwork::fromModel(*model, netOptions), config);
        const bool done = trainer.train(set, nullptr, [this](const train::TrainProgress& p) {
            const double f = (p.epoch + double(p.batch) / std::max<int64_t>(1, p.batches)) /
                             std::max(1, p.epochs);
            emit progress(30 + int(70 * f), tr("Epoch %1/%2, batch %3/%4: loss %5, accuracy %6%")
                                                .arg(p.epoch + 1)
                                                .arg(p.epochs)
                                                .arg(p.batch)
                                                .arg(p.batches)
                                                .arg(p.loss, 0, 'f', 3)
                                                .arg(100 * p.accuracy, 0, 'f', 1));
            return !m_cancel.load();
        });
        if (!done) throw Error("fine-tuning was cancelled");
        auto tuned = std::make_shared<Model>(
            trainer.network().toModel(model->metadata, model->name + "-finetuned"));
        emit progress(100, tr("Done"));
        emit finished(std::move(tuned));
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
    }
}

}  // namespace sparselab

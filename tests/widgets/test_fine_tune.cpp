// Fine-tuning at a fixed sparsity, on a tiny GSC-layout corpus made from the bundled clips.
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QtTest>

#include "core/gsc_presets.h"
#include "test_support.h"
#include "widgets/audio_features.h"
#include "widgets/fine_tune_worker.h"

using namespace sparselab;

class TestFineTune : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void keepsZerosAndProducesAValidModel();
    void cancelStopsWithAMessage();

  private:
    QString m_corpus;
    ModelPtr m_model;
};

void TestFineTune::initTestCase() {
    // <root>/<word>/<speaker>_nohash_0.wav from resources/clips/<word>_<n>.wav; empty lists put
    // every clip in the training split.
    m_corpus = test::scratchDir() + QStringLiteral("/tiny-corpus");
    QDir(m_corpus).removeRecursively();
    const QDir clips(QStringLiteral(SPARSELAB_SOURCE_DIR "/resources/clips"));
    int copied = 0;
    for (const QString& f : clips.entryList({"*.wav"}, QDir::Files)) {
        const QString word = labelFromClipName(f);
        QDir().mkpath(m_corpus + "/" + word);
        QVERIFY(QFile::copy(clips.filePath(f), QStringLiteral("%1/%2/spk%3_nohash_0.wav")
                                                   .arg(m_corpus, word, QFileInfo(f).baseName())));
        ++copied;
    }
    QVERIFY(copied >= 10);
    for (const char* list : {"/validation_list.txt", "/testing_list.txt"}) {
        QFile l(m_corpus + list);
        QVERIFY(l.open(QIODevice::WriteOnly));
    }
    GscConfig c = GscConfig::preset("sparse");  // a narrow version: fast to train
    c.conv1Channels = 8;
    c.conv2Channels = 8;
    c.linearUnits = 40;
    c.conv1K = 150;
    c.conv2K = 25;
    c.linearK = 8;
    m_model = std::make_shared<const Model>(buildGscModel(c, 2));
}

void TestFineTune::keepsZerosAndProducesAValidModel() {
    FineTuneWorker worker;
    QSignalSpy finished(&worker, &FineTuneWorker::finished);
    QSignalSpy failed(&worker, &FineTuneWorker::failed);
    QSignalSpy progress(&worker, &FineTuneWorker::progress);
    worker.run(m_model, m_corpus, 1);  // synchronous on this thread
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    QCOMPARE(finished.count(), 1);
    QVERIFY(progress.count() >= 2);
    QCOMPARE(progress.last()[0].toInt(), 100);
    const ModelPtr tuned = finished[0][0].value<ModelPtr>();
    QVERIFY(tuned);
    tuned->validate();
    QCOMPARE(QString::fromStdString(tuned->name),
             QString::fromStdString(m_model->name + "-finetuned"));
    QCOMPARE(tuned->metadata.labels, m_model->metadata.labels);
    // Same layer kinds; every pruned weight is still zero, and training changed the others.
    std::vector<const Tensor*> before, after;
    for (const Layer& l : m_model->layers)
        if (l.weight()) before.push_back(l.weight());
    for (const Layer& l : tuned->layers)
        if (l.weight()) after.push_back(l.weight());
    QCOMPARE(after.size(), before.size());
    int64_t changed = 0;
    for (size_t i = 0; i < before.size(); ++i) {
        QCOMPARE(after[i]->shape(), before[i]->shape());
        for (int64_t j = 0; j < before[i]->size(); ++j) {
            if ((*before[i])[j] == 0.0f) QCOMPARE((*after[i])[j], 0.0f);
            changed += (*after[i])[j] != (*before[i])[j];
        }
    }
    QVERIFY(changed > 0);
}

void TestFineTune::cancelStopsWithAMessage() {
    FineTuneWorker worker;
    connect(&worker, &FineTuneWorker::progress, &worker, [&] { worker.cancel(); });
    QSignalSpy finished(&worker, &FineTuneWorker::finished);
    QSignalSpy failed(&worker, &FineTuneWorker::failed);
    worker.run(m_model, m_corpus, 1);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed[0][0].toString().contains(QLatin1String("cancel")),
             qPrintable(failed[0][0].toString()));
}

QTEST_MAIN(TestFineTune)
#include "test_fine_tune.moc"

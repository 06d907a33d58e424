// Model loading, the summary table, the sparsity sliders and bad-file handling.
#include <QComboBox>
#include <QFile>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QtTest>

#include "core/onnx_model.h"
#include "main_window.h"
#include "test_support.h"
#include "widgets/input_panel.h"
#include "widgets/model_controller.h"
#include "widgets/model_sparsifier.h"
#include "widgets/model_summary_panel.h"
#include "widgets/sparsity_panel.h"

using namespace sparselab;

class TestModelPanels : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void pruningHandComputed();
    void kForDensityHandComputed();
    void loadingModelFillsSummary();
    void slidersChangeSparsityKAndMacs();
    void badFileShowsErrorAndKeepsModel();
    void dropAndRecentFiles();

  private:
    QString m_modelPath;
    ModelPtr m_model;
};

void TestModelPanels::initTestCase() {
    m_model = test::sparseGscModel(3);
    m_modelPath = test::scratchDir() + QStringLiteral("/panels-sparse.onnx");
    saveOnnx(*m_model, m_modelPath.toStdString());
}

void TestModelPanels::pruningHandComputed() {
    // A one-layer model with hand-picked weights.
    Model m;
    m.name = "tiny";
    m.inputShape = {4};
    LinearParams lin;
    lin.weight =
        Tensor({2, 4}, std::vector<float>{0.1f, -0.5f, 0.3f, -0.05f, 2.0f, 0.0f, -1.0f, 0.2f});
    lin.bias = {1.0f, 2.0f};
    m.layers.push_back(Layer{"fc", lin});
    auto weights = [](const Model& x) {
        const Tensor& w = *x.layers[0].weight();
        return std::vector<float>(w.values().begin(), w.values().end());
    };
    // 50 % of 8: keep the 4 largest magnitudes (2, -1, -0.5, 0.3); bias is never pruned.
    SparsitySettings s;
    s.weightSparsityAll = 0.5;
    const Model half = deriveSparseModel(m, s);
    QCOMPARE(weights(half), (std::vector<float>{0.0f, -0.5f, 0.3f, 0.0f, 2.0f, 0.0f, -1.0f, 0.0f}));
    QCOMPARE(half.layers[0].as<LinearParams>().bias, (std::vector<float>{1.0f, 2.0f}));
    // Per-layer target wins over "all": 75 % keeps only 2 and -1.
    s.weightSparsityLayer["fc"] = 0.75;
    QCOMPARE(weights(deriveSparseModel(m, s)),
             (std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f, 2.0f, 0.0f, -1.0f, 0.0f}));
    // Below the layer's own sparsity (1 of 8 zero) nothing changes; the base is never modified.
    SparsitySettings low;
    low.weightSparsityAll = 0.1;
    QCOMPARE(weights(deriveSparseModel(m, low)), weights(m));
    QCOMPARE(weights(m)[0], 0.1f);
    // The dense reference replaces k-winners by ReLU and keeps everything else.
    Model kw = m;
    KWinnersParams p;
    p.k = 1;
    kw.layers.push_back(Layer{"fc.kwinners", p});
    const Model ref = deriveDenseReference(kw);
    QVERIFY(ref.layers[1].is<ReLUParams>());
    QCOMPARE(weights(ref), weights(m));
}

void TestModelPanels::kForDensityHandComputed() {
    KWinnersParams global;
    QCOMPARE(kForDensity(global, Shape{4, 5, 5}, 0.1), 10);    // 10 % of 100 units
    QCOMPARE(kForDensity(global, Shape{4, 5, 5}, 0.0001), 1);  // never below one winner
    KWinnersParams local;
    local.local = true;
    QCOMPARE(kForDensity(local, Shape{4, 5, 5}, 0.5), 2);  // half of the 4 channels per position
}

void TestModelPanels::loadingModelFillsSummary() {
    ModelController controller;
    ModelSummaryPanel panel;
    QObject::connect(&controller, &ModelController::modelChanged, &panel,
                     [&](ModelPtr m) { panel.setModel(m, controller.sourcePath(), true); });
    QVERIFY(controller.loadFile(m_modelPath));
    QTableWidget* table = panel.table();
    QCOMPARE(table->rowCount(), int(m_model->layers.size()));
    int64_t totalNonzeros = 0;
    for (int r = 0; r < table->rowCount(); ++r) {
        const Layer& layer = controller.model()->layers[size_t(r)];
        QCOMPARE(table->item(r, 0)->text(), QString::fromStdString(layer.name));
        if (const Tensor* w = layer.weight()) {
            int64_t nz = 0;
            for (float v : w->values()) nz += v != 0.0f;
            totalNonzeros += nz;
            QCOMPARE(table->item(r, 4)->text(), formatCount(double(nz)));
        }
        if (layer.is<KWinnersParams>()) QVERIFY(!table->item(r, 7)->text().isEmpty());
    }
    // The conv1 k-winners row of the sparse preset: k = 1200 of 64x14x14 units.
    QVERIFY(!table->findItems(QStringLiteral("1200 / 12544"), Qt::MatchExactly).isEmpty());
    QVERIFY2(panel.totalsText().contains(formatCount(double(totalNonzeros))),
             qPrintable(panel.totalsText()));
}

void TestModelPanels::slidersChangeSparsityKAndMacs() {
    ModelController controller;
    SparsityPanel panel;
    connect(&panel, &SparsityPanel::settingsChanged, &controller, &ModelController::setSettings);
    connect(&controller, &ModelController::baseModelChanged, &panel, &SparsityPanel::setBaseModel);
    connect(&controller, &ModelController::modelChanged, &panel,
            [&](ModelPtr m) { panel.setStats(computeStats(*m)); });
    QVERIFY(controller.loadFile(m_modelPath));
    const ModelPtr base = controller.baseModel();
    const QString macsBefore = panel.macsText();
    QSignalSpy changed(&controller, &ModelController::modelChanged);

    panel.weightSlider()->setValue(95);
    QVERIFY(changed.wait(5000));
    const ModelPtr pruned = controller.model();
    QVERIFY(pruned != base);
    for (const Layer& l : pruned->layers)
        if (const Tensor* w = l.weight()) {
            const double z = test::zeroFraction(*w);
            QVERIFY2(
                z >= 0.95 - 1e-3 && z <= 0.95 + 1e-3,
                qPrintable(QStringLiteral("%1: %2").arg(QString::fromStdString(l.name)).arg(z)));
        }
    // The base model is untouched (same zeros as the model that was saved).
    QCOMPARE(test::zeroFraction(*base->layers[0].weight()),
             test::zeroFraction(*m_model->layers[0].weight()));
    const QString macsPruned = panel.macsText();

    // Structured (16-output blocks per input): at least the target, less one block of 16 weights
    // per input (kept blocks may hold zeros of the base model, so it can exceed the target).
    changed.clear();
    panel.findChildren<QComboBox*>().at(1)->setCurrentIndex(1);
    QVERIFY(changed.wait(5000));
    QCOMPARE(controller.settings().method, PruningMethod::Structured);
    for (const Layer& l : controller.model()->layers)
        if (const Tensor* w = l.weight()) {
            const double perInput = 16.0 * double(w->dim(1)) / double(w->size());
            QVERIFY2(test::zeroFraction(*w) >= 0.95 - perInput - 1e-9,
                     qPrintable(QStringLiteral("%1: %2 zeros")
                                    .arg(QString::fromStdString(l.name))
                                    .arg(test::zeroFraction(*w))));
        }
    panel.findChildren<QComboBox*>().at(1)->setCurrentIndex(0);
    QVERIFY(changed.wait(5000));
    QVERIFY(macsPruned != macsBefore);

    // k of one k-winners layer.
    QComboBox* target = panel.activationTarget();
    int conv2 = -1;
    for (int i = 0; i < target->count(); ++i)
        if (target->itemText(i).startsWith(QLatin1String("conv2"))) conv2 = i;
    QVERIFY(conv2 > 0);
    target->setCurrentIndex(conv2);
    QCOMPARE(panel.activationSlider()->maximum(), 1600);  // 64 channels x 5 x 5
    changed.clear();
    panel.activationSlider()->setValue(50);
    QVERIFY(changed.wait(5000));
    const std::string name = target->currentText().toStdString();
    const Model& m = *controller.model();
    std::vector<Shape> inputs{m.inputShape};
    for (const Shape& s : m.layerOutputShapes()) inputs.push_back(s);
    for (const Layer& l : m.layers)
        if (l.is<KWinnersParams>()) {
            const auto& kw = l.as<KWinnersParams>();
            const int expected = l.name == name ? 50 : (l.name.starts_with("conv1") ? 1200 : 100);
            QCOMPARE(kw.inferenceK(inputs[&l - &m.layers[0]]), expected);
        }
    QVERIFY(panel.macsText() != macsPruned);  // fewer active inputs to linear1, fewer MACs

    // Density for all layers: 1 % of units.
    target->setCurrentIndex(0);
    changed.clear();
    panel.activationSlider()->setValue(1);
    QVERIFY(changed.wait(5000));
    const Model& all = *controller.model();
    for (size_t i = 0; i < all.layers.size(); ++i)
        if (const auto* kw = std::get_if<KWinnersParams>(&all.layers[i].params))
            QCOMPARE(kw->inferenceK(inputs[i]), int(std::lround(0.01 * double(numel(inputs[i])))));
}

void TestModelPanels::badFileShowsErrorAndKeepsModel() {
    MainWindow window;
    QVERIFY(window.openModel(m_modelPath));
    const ModelPtr before = window.controller()->baseModel();
    const QString title = window.windowTitle();
    QCOMPARE(title, QStringLiteral("SparseLab — %1").arg(QString::fromStdString(before->name)));

    const QString junk = test::scratchDir() + QStringLiteral("/broken-model.onnx");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not an ONNX model at all");
    f.close();
    QSignalSpy errors(&window, &MainWindow::errorShown);
    QVERIFY(!window.openModel(junk));
    QCOMPARE(errors.count(), 1);
    QVERIFY2(window.lastError().contains(QLatin1String("broken-model.onnx")),
             qPrintable(window.lastError()));
    QCOMPARE(window.controller()->baseModel(), before);
    QCOMPARE(window.windowTitle(), title);

    // A truncated real model: also refused, also keeps the model.
    QFile good(m_modelPath);
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray half = good.readAll().left(int(good.size() / 2));
    const QString truncated = test::scratchDir() + QStringLiteral("/truncated.onnx");
    QFile t(truncated);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write(half);
    t.close();
    QVERIFY(!window.openModel(truncated));
    QCOMPARE(errors.count(), 2);
    QVERIFY2(window.lastError().contains(QLatin1String("truncated.onnx")),
             qPrintable(window.lastError()));
    QCOMPARE(window.controller()->baseModel(), before);
}

void TestModelPanels::dropAndRecentFiles() {
    MainWindow window;
    window.openGeneratedModel();
    const ModelPtr generated = window.controller()->baseModel();
    QVERIFY(!window.controller()->isTrained());
    QVERIFY(window.windowTitle().contains(QLatin1String("untrained")));
    auto drop = [&](const QString& path) {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent event(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &event);
    };
    drop(m_modelPath);  // a model file replaces the model
    QVERIFY(window.controller()->baseModel() != generated);
    QCOMPARE(window.controller()->sourcePath(), m_modelPath);
    const QStringList recent = QSettings().value(QStringLiteral("recentModels")).toStringList();
    QVERIFY(!recent.isEmpty());
    QCOMPARE(recent.first(), QFileInfo(m_modelPath).absoluteFilePath());
    // An audio file goes to the input side (16 kHz samples), the model stays.
    const ModelPtr loaded = window.controller()->baseModel();
    const QString clip = QStringLiteral(SPARSELAB_SOURCE_DIR "/resources/clips/three_0.wav");
    QSignalSpy shown(&window, &MainWindow::resultShown);
    drop(clip);
    QVERIFY(!window.inputPanel()->samples().isEmpty());
    QVERIFY(shown.wait(10000));  // the clip ran through the pipeline
    QCOMPARE(window.controller()->baseModel(), loaded);
}

QTEST_MAIN(TestModelPanels)
#include "test_model_panels.moc"

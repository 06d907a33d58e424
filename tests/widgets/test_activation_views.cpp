// Activation heatmaps (winners), predictions and the teaching diagram, on a real inference run.
#include <QComboBox>
#include <QtTest>

#include "fpga/fpga_backend.h"
#include "test_support.h"
#include "widgets/activation_panel.h"
#include "widgets/heatmap_view.h"
#include "widgets/inference_worker.h"
#include "widgets/model_sparsifier.h"
#include "widgets/prediction_panel.h"
#include "widgets/teaching_diagram.h"

using namespace sparselab;

namespace {

/// Pixels of a heatmap image that show a unit with a non-zero value: neither the zero colour
/// nor the background of the gaps between channel tiles.
int64_t litPixels(const QImage& image, const QColor& zero, const QColor& gap) {
    int64_t n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QRgb c = image.pixel(x, y) & 0xFFFFFF;
            n += c != (zero.rgb() & 0xFFFFFF) && c != (gap.rgb() & 0xFFFFFF);
        }
    return n;
}

}  // namespace

class TestActivationViews : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void heatmapsShowTheWinners();
    void predictionsShowTheTopClass();
    void teachingDiagramFollowsSliders();

  private:
    BackendRegistry m_registry;
    ModelPtr m_model;
    InferenceResult m_result;
};

void TestActivationViews::initTestCase() {
    m_registry = makeDefaultRegistry();
    m_model = test::sparseGscModel(5);
    auto dense = std::make_shared<const Model>(deriveDenseReference(*m_model));
    InferenceWorker worker(&m_registry);
    connect(&worker, &InferenceWorker::finished, this,
            [this](const InferenceResult& r) { m_result = r; });
    const std::vector<float> tone = test::testTone();
    worker.analyse(m_model, dense, QVector<float>(tone.begin(), tone.end()), "tone", 1);
    QVERIFY2(m_result.error.isEmpty(), qPrintable(m_result.error));
    QCOMPARE(m_result.sparse.size(), m_model->layers.size());
    QCOMPARE(m_result.dense.size(), m_model->layers.size());
}

void TestActivationViews::heatmapsShowTheWinners() {
    // k of each k-winners layer, from the model's own parameters and shapes.
    std::vector<Shape> inputs{m_model->inputShape};
    for (const Shape& s : m_model->layerOutputShapes()) inputs.push_back(s);
    ActivationPanel panel;
    panel.resize(900, 500);
    panel.setResult(m_result);
    panel.flush();
    int checked = 0;
    for (size_t i = 0; i < m_model->layers.size(); ++i) {
        const auto* kw = std::get_if<KWinnersParams>(&m_model->layers[i].params);
        if (!kw) continue;
        const int k = kw->inferenceK(inputs[i]);
        QCOMPARE(m_result.sparse[i].nonzeros, int64_t(k));
        QCOMPARE(m_result.sparse[i].expectedWinners, int64_t(k));
        panel.layerCombo()->setCurrentIndex(int(i));
        panel.flush();
        HeatmapView* sparse = panel.sparseView();
        HeatmapView* dense = panel.denseView();
        QCOMPARE(sparse->winnerCount(), int64_t(k));
        QCOMPARE(sparse->unitCount(), numel(inputs[i + 1]));
        // What is drawn: exactly k bright cells.
        const QColor zero = sparse->palette().color(QPalette::Mid).darker(150);
        const QColor gap = sparse->palette().color(QPalette::Window);
        QCOMPARE(litPixels(sparse->image(), zero, gap), int64_t(k));
        // The dense reference (ReLU) fires many more units on the same clip.
        QVERIFY2(dense->winnerCount() > 2 * k,
                 qPrintable(QStringLiteral("dense %1 vs k %2").arg(dense->winnerCount()).arg(k)));
        ++checked;
    }
    QCOMPARE(checked, 3);
    // Channel-summed map of a conv layer: one pixel per position.
    int conv1Winners = -1;
    for (size_t i = 0; i < m_model->layers.size(); ++i)
        if (m_model->layers[i].name == "conv1.kwinners") conv1Winners = int(i);
    panel.layerCombo()->setCurrentIndex(conv1Winners);  // 64x14x14
    panel.flush();
    panel.findChildren<QComboBox*>().at(1)->setCurrentIndex(1);
    QCOMPARE(panel.sparseView()->image().size(), QSize(14, 14));
}

void TestActivationViews::predictionsShowTheTopClass() {
    double sum = 0;
    for (float p : m_result.probabilities) sum += p;
    QVERIFY(std::abs(sum - 1.0) < 1e-4);
    QCOMPARE(m_result.probabilities.size(), size_t(12));
    PredictionPanel panel;
    panel.setResult(m_result);
    panel.flush();
    const auto top =
        std::max_element(m_result.probabilities.begin(), m_result.probabilities.end()) -
        m_result.probabilities.begin();
    QCOMPARE(panel.detectedWord(), QString::fromStdString(m_model->metadata.labels[size_t(top)]));
    QCOMPARE(panel.historySize(), 1);
    for (int i = 0; i < 15; ++i) panel.setResult(m_result);
    QCOMPARE(panel.historySize(), 10);  // a short history
}

void TestActivationViews::teachingDiagramFollowsSliders() {
    TeachingDiagram d;
    d.setSparsity(0.0, 1.0);
    QCOMPARE(d.sparseMacs(), d.denseMacs());  // dense: 12 x 8
    QCOMPARE(d.denseMacs(), 96);
    d.setSparsity(0.5, 0.25);  // 3 active inputs of 12, about half the weights
    QVERIFY(d.sparseMacs() > 0 && d.sparseMacs() < 3 * 8);
    const int half = d.sparseMacs();
    d.setSparsity(0.9, 0.25);
    QVERIFY(d.sparseMacs() <= half);
    d.setSparsity(1.0, 1.0);
    QCOMPARE(d.sparseMacs(), 0);
}

QTEST_MAIN(TestActivationViews)
#include "test_activation_views.moc"

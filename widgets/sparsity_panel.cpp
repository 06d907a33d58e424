#include "sparsity_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>
#include <cmath>

#include "widgets/model_summary_panel.h"
#include "widgets/repaint_coalescer.h"

namespace sparselab {

namespace {
QSlider* makeSlider(QWidget* parent, const char* name) {
    auto* s = new QSlider(Qt::Horizontal, parent);
    s->setObjectName(QLatin1String(name));
    s->setTracking(true);
    return s;
}
/// Input shape of each layer of `m`, in layer order.
std::vector<Shape> layerInputs(const Model& m) {
    std::vector<Shape> in{m.inputShape};
    for (const Shape& s : m.layerOutputShapes()) in.push_back(s);
    return in;
}
}  // namespace

SparsityPanel::SparsityPanel(QWidget* parent)
    : QWidget(parent),
      m_weightTarget(new QComboBox(this)),
      m_method(new QComboBox(this)),
      m_weightSlider(makeSlider(this, "weightSparsitySlider")),
      m_weightValue(new QLabel(this)),
      m_activationTarget(new QComboBox(this)),
      m_activationSlider(makeSlider(this, "activationSlider")),
      m_activationValue(new QLabel(this)),
      m_macs(new QLabel(this)),
      m_speedup(new QLabel(this)),
      m_latency(new QLabel(this)),
      m_accuracy(new QLabel(this)),
      m_fineTune(new QPushButton(tr("Fine-tune at this sparsity"), this)),
      m_emitter(new RepaintCoalescer([this] { emit settingsChanged(m_settings); }, this, 30)) {
    auto* weights = new QGroupBox(tr("Weight sparsity (magnitude pruning)"), this);
    weights->setToolTip(
        tr("Zeroes the smallest weights. A sparse-weights engine skips them: "
           "fewer multiply-accumulates, same layer shapes."));
    auto* wf = new QFormLayout(weights);
    m_method->addItem(tr("Unstructured (single weights)"), int(PruningMethod::Unstructured));
    m_method->addItem(tr("Structured (16-output blocks)"), int(PruningMethod::Structured));
    m_method->setToolTip(
        tr("Unstructured pruning keeps accuracy longer; structured pruning "
           "removes whole units, which any dense engine can exploit."));
    m_weightSlider->setRange(0, 99);
    wf->addRow(tr("Layers"), m_weightTarget);
    wf->addRow(tr("Method"), m_method);
    wf->addRow(m_weightSlider);
    wf->addRow(m_weightValue);

    auto* acts = new QGroupBox(tr("Activation sparsity (k-winners)"), this);
    acts->setToolTip(
        tr("k-winners keeps only the k largest units of a layer active; the next "
           "layer needs only the winners' columns of its weights."));
    auto* af = new QFormLayout(acts);
    af->addRow(tr("Layers"), m_activationTarget);
    af->addRow(m_activationSlider);
    af->addRow(m_activationValue);

    auto* readouts = new QGroupBox(tr("Effect"), this);
    auto* rf = new QFormLayout(readouts);
    rf->addRow(tr("MACs per clip"), m_macs);
    rf->addRow(tr("Theoretical speedup"), m_speedup);
    rf->addRow(tr("Measured latency"), m_latency);
    rf->addRow(tr("Accuracy"), m_accuracy);
    m_speedup->setToolTip(
        tr("Dense MACs / sparse MACs: the most a perfect sparse-sparse engine "
           "could gain."));
    m_accuracy->setToolTip(
        tr("On the evaluation clips; 'agrees' = same top class as the model "
           "before your changes."));
    for (QLabel* l : {m_macs, m_speedup, m_latency, m_accuracy}) l->setWordWrap(true);

    auto* resetButton = new QPushButton(tr("Reset to the model's own sparsity"), this);
    resetButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_fineTune->setEnabled(false);
    m_fineTune->setToolTip(
        tr("Needs the trainer (sparselab-cli train), which this build's app "
           "does not run yet."));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(weights);
    layout->addWidget(acts);
    layout->addWidget(readouts);
    layout->addWidget(resetButton);
    layout->addWidget(m_fineTune);
    layout->addStretch(1);

    connect(m_weightSlider, &QSlider::valueChanged, this, &SparsityPanel::onWeightSlider);
    connect(m_activationSlider, &QSlider::valueChanged, this, &SparsityPanel::onActivationSlider);
    connect(m_weightTarget, &QComboBox::currentIndexChanged, this, [this] { syncWeightSlider(); });
    connect(m_activationTarget, &QComboBox::currentIndexChanged, this,
            [this] { syncActivationSlider(); });
    connect(m_method, &QComboBox::currentIndexChanged, this, [this] {
        m_settings.method = PruningMethod(m_method->currentData().toInt());
        m_emitter->request();
    });
    connect(resetButton, &QPushButton::clicked, this, &SparsityPanel::reset);
    connect(m_fineTune, &QPushButton::clicked, this, &SparsityPanel::fineTuneRequested);
}

void SparsityPanel::setBaseModel(const ModelPtr& base) {
    m_base = base;
    m_settings = {};
    m_syncing = true;
    m_weightTarget->clear();
    m_activationTarget->clear();
    m_weightTarget->addItem(tr("All weighted layers"));
    m_activationTarget->addItem(tr("All k-winners layers (density)"));
    for (const Layer& l : base->layers) {
        if (l.weight()) m_weightTarget->addItem(QString::fromStdString(l.name));
        if (l.is<KWinnersParams>()) m_activationTarget->addItem(QString::fromStdString(l.name));
    }
    const bool hasKw = m_activationTarget->count() > 1;
    m_activationTarget->setEnabled(hasKw);
    m_activationSlider->setEnabled(hasKw);
    m_activationSlider->setToolTip(hasKw ? QString()
                                         : tr("This model has no k-winners layers (its "
                                              "activations are ReLU, about half dense)."));
    m_syncing = false;
    syncWeightSlider();
    syncActivationSlider();
}

void SparsityPanel::reset() {
    if (!m_base) return;
    m_settings = {};
    m_method->setCurrentIndex(0);
    syncWeightSlider();
    syncActivationSlider();
    m_emitter->request();
}

void SparsityPanel::syncWeightSlider() {
    if (!m_base || m_syncing) return;
    const ModelStats st = computeStats(*m_base);
    double value = st.weightSparsity();
    const QString target = m_weightTarget->currentIndex() > 0 ? m_weightTarget->currentText() : "";
    if (target.isEmpty()) {
        if (m_settings.weightSparsityAll >= 0) value = m_settings.weightSparsityAll;
    } else {
        for (const LayerStats& l : st.layers)
            if (QString::fromStdString(l.name) == target) value = l.weightSparsity;
        if (auto it = m_settings.weightSparsityLayer.find(target.toStdString());
            it != m_settings.weightSparsityLayer.end())
            value = it->second;
        else if (m_settings.weightSparsityAll >= 0)
            value = std::max(value, m_settings.weightSparsityAll);
    }
    const QSignalBlocker block(m_weightSlider);
    m_weightSlider->setValue(int(std::lround(100 * value)));
    m_weightValue->setText(tr("%1% of weights zero").arg(m_weightSlider->value()));
}

void SparsityPanel::syncActivationSlider() {
    if (!m_base || m_syncing || m_activationTarget->count() < 2) return;
    const QSignalBlocker block(m_activationSlider);
    const auto inputs = layerInputs(*m_base);
    if (m_activationTarget->currentIndex() == 0) {
        double sum = 0;
        int count = 0;
        for (size_t i = 0; i < m_base->layers.size(); ++i)
            if (const auto* kw = std::get_if<KWinnersParams>(&m_base->layers[i].params)) {
                sum += double(kw->inferenceK(inputs[i])) /
                       double(KWinnersParams::selectionSize(inputs[i], kw->local));
                ++count;
            }
        const double density =
            m_settings.activationDensityAll > 0 ? m_settings.activationDensityAll : sum / count;
        m_activationSlider->setRange(1, 100);
        m_activationSlider->setValue(int(std::lround(100 * density)));
        m_activationValue->setText(
            tr("%1% of units win in every k-winners layer").arg(m_activationSlider->value()));
        return;
    }
    const std::string name = m_activationTarget->currentText().toStdString();
    for (size_t i = 0; i < m_base->layers.size(); ++i) {
        const Layer& l = m_base->layers[i];
        if (l.name != name) continue;
        const auto& kw = l.as<KWinnersParams>();
        const int64_t n = KWinnersParams::selectionSize(inputs[i], kw.local);
        int k = kw.inferenceK(inputs[i]);
        if (auto it = m_settings.kLayer.find(name); it != m_settings.kLayer.end())
            k = it->second;
        else if (m_settings.activationDensityAll > 0)
            k = kForDensity(kw, inputs[i], m_settings.activationDensityAll);
        m_activationSlider->setRange(1, int(n));
        m_activationSlider->setValue(k);
        m_activationValue->setText(
            tr("k = %1 of %2 units (%3%)").arg(k).arg(n).arg(100.0 * k / double(n), 0, 'f', 1));
    }
}

void SparsityPanel::onWeightSlider(int value) {
    if (!m_base) return;
    const double s = value / 100.0;
    if (m_weightTarget->currentIndex() == 0) {
        m_settings.weightSparsityAll = s;
        m_settings.weightSparsityLayer.clear();
    } else {
        m_settings.weightSparsityLayer[m_weightTarget->currentText().toStdString()] = s;
    }
    m_weightValue->setText(tr("%1% of weights zero").arg(value));
    m_emitter->request();
}

void SparsityPanel::onActivationSlider(int value) {
    if (!m_base) return;
    if (m_activationTarget->currentIndex() == 0) {
        m_settings.activationDensityAll = value / 100.0;
        m_settings.kLayer.clear();
    } else {
        m_settings.kLayer[m_activationTarget->currentText().toStdString()] = value;
    }
    syncActivationSlider();
    m_emitter->request();
}

void SparsityPanel::setStats(const ModelStats& st) {
    m_macs->setText(tr("%1 dense → %2 sparse-sparse")
                        .arg(formatCount(double(st.denseMacs)), formatCount(st.sparseMacs)));
    m_speedup->setText(QStringLiteral("%1x").arg(st.macLimitSpeedup(), 0, 'f', 1));
}

void SparsityPanel::setMeasuring() {
    m_latency->setText(m_latency->text().isEmpty() ? tr("measuring…") : m_latency->text() + " …");
}

void SparsityPanel::setEvaluation(const EvaluationResult& r) {
    if (!r.error.isEmpty()) {
        m_latency->setText(tr("error: %1").arg(r.error));
        return;
    }
    m_latency->setText(tr("%1 ms per clip (%2)").arg(r.latencyMs, 0, 'f', 3).arg(r.mode));
    QString acc = r.accuracy >= 0
                      ? tr("%1% on %2 clips").arg(100 * r.accuracy, 0, 'f', 0).arg(r.clips)
                      : tr("no labelled evaluation clips");
    if (r.agreement >= 0) acc += tr("; agrees %1%").arg(100 * r.agreement, 0, 'f', 0);
    m_accuracy->setText(acc);
}

QString SparsityPanel::macsText() const {
    return m_macs->text() + QStringLiteral(" | ") + m_speedup->text();
}
QString SparsityPanel::latencyText() const {
    return m_latency->text();
}
QString SparsityPanel::accuracyText() const {
    return m_accuracy->text();
}

}  // namespace sparselab

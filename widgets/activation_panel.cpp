#include "activation_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "widgets/heatmap_view.h"
#include "widgets/repaint_coalescer.h"

namespace sparselab {

ActivationPanel::ActivationPanel(QWidget* parent)
    : QWidget(parent),
      m_layer(new QComboBox(this)),
      m_layout(new QComboBox(this)),
      m_summary(new QLabel(this)),
      m_dense(new HeatmapView(this)),
      m_sparse(new HeatmapView(this)),
      m_coalescer(new RepaintCoalescer([this] { refresh(); }, this)) {
    m_layer->setObjectName(QStringLiteral("activationLayer"));
    m_layer->setToolTip(tr("Which layer's output to show."));
    m_layout->addItem(tr("Channel grid"), int(HeatmapLayout::ChannelGrid));
    m_layout->addItem(tr("Channels summed"), int(HeatmapLayout::ChannelSum));
    m_layout->setToolTip(tr("Conv layers: one tile per channel, or the sum over channels."));
    m_dense->setToolTip(
        tr("The same network with ReLU instead of k-winners: about half of "
           "the units fire."));
    m_sparse->setToolTip(
        tr("The sparse network: only the k winners are non-zero (bright); "
           "everything dim is exactly zero and costs nothing downstream."));
    m_summary->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Layer"), this));
    top->addWidget(m_layer, 1);
    top->addWidget(m_layout);
    auto* maps = new QHBoxLayout;
    maps->addWidget(m_dense);
    maps->addWidget(m_sparse);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(maps, 1);
    layout->addWidget(m_summary);
    connect(m_layer, &QComboBox::currentIndexChanged, this, [this] { m_coalescer->request(); });
    connect(m_layout, &QComboBox::currentIndexChanged, this, [this] {
        const auto l = HeatmapLayout(m_layout->currentData().toInt());
        m_dense->setHeatmapLayout(l);
        m_sparse->setHeatmapLayout(l);
    });
}

void ActivationPanel::setResult(const InferenceResult& result) {
    if (!result.error.isEmpty()) return;
    m_result = result;
    m_coalescer->request();
}

void ActivationPanel::flush() {
    m_coalescer->flush();
}

void ActivationPanel::rebuildLayerList() {
    std::vector<std::string> names;
    for (const LayerActivation& a : m_result.sparse) names.push_back(a.name);
    if (names == m_layerNames) return;
    m_layerNames = names;
    const QSignalBlocker block(m_layer);
    m_layer->clear();
    int preferred = -1;
    for (const LayerActivation& a : m_result.sparse) {
        const QString kind =
            QString::fromUtf8(toString(a.kind).data(), qsizetype(toString(a.kind).size()));
        m_layer->addItem(QStringLiteral("%1  [%2, %3]")
                             .arg(QString::fromStdString(a.name), kind,
                                  QString::fromStdString(shapeToString(a.shape))),
                         a.index);
        if (preferred < 0 && a.kind == LayerKind::KWinners) preferred = m_layer->count() - 1;
    }
    m_layer->setCurrentIndex(std::max(0, preferred));
}

void ActivationPanel::refresh() {
    rebuildLayerList();
    const int i = m_layer->currentIndex();
    if (i < 0 || i >= int(m_result.sparse.size())) return;
    const LayerActivation& s = m_result.sparse[size_t(i)];
    const LayerActivation* d =
        i < int(m_result.dense.size()) ? &m_result.dense[size_t(i)] : nullptr;
    auto caption = [](const char* what, const LayerActivation& a) {
        const double n = double(std::max<size_t>(1, a.values.size()));
        return tr("%1: %2 of %3 active (%4%)")
            .arg(QLatin1String(what))
            .arg(a.nonzeros)
            .arg(a.values.size())
            .arg(100.0 * double(a.nonzeros) / n, 0, 'f', 1);
    };
    m_sparse->setActivation(s, caption("sparse", s));
    if (d) m_dense->setActivation(*d, caption("dense", *d));
    QString text = tr("Clip: %1.").arg(m_result.source);
    if (s.expectedWinners > 0)
        text +=
            tr(" k-winners keeps %1 winners here; the next layer multiplies only their weights.")
                .arg(s.expectedWinners);
    m_summary->setText(text);
}

}  // namespace sparselab

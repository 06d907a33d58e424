#include "model_summary_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/model_stats.h"

namespace sparselab {

QString formatCount(double v) {
    if (v >= 1e9) return QString::number(v / 1e9, 'f', 2) + QStringLiteral(" G");
    if (v >= 1e6) return QString::number(v / 1e6, 'f', 2) + QStringLiteral(" M");
    if (v >= 1e4) return QString::number(v / 1e3, 'f', 1) + QStringLiteral(" k");
    return QString::number(v, 'f', 0);
}

ModelSummaryPanel::ModelSummaryPanel(QWidget* parent)
    : QWidget(parent),
      m_title(new QLabel(this)),
      m_totals(new QLabel(this)),
      m_table(new QTableWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    m_title->setTextFormat(Qt::RichText);
    m_totals->setWordWrap(true);
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);
    const QStringList headers{tr("Layer"),          tr("Kind"),      tr("Output"),
                              tr("Params"),         tr("Non-zeros"), tr("Weight sparsity"),
                              tr("Active outputs"), tr("k"),         tr("Dense MACs"),
                              tr("Sparse MACs")};
    m_table->setColumnCount(int(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeaderItem(5)->setToolTip(
        tr("Fraction of the layer's weights that are exactly zero (pruned)."));
    m_table->horizontalHeaderItem(6)->setToolTip(
        tr("Expected fraction of non-zero outputs: k-winners keep k of n units active."));
    m_table->horizontalHeaderItem(9)->setToolTip(
        tr("Multiply-accumulates left when zero weights and zero inputs are skipped."));
    layout->addWidget(m_title);
    layout->addWidget(m_totals);
    layout->addWidget(m_table, 1);
}

void ModelSummaryPanel::setModel(const ModelPtr& model, const QString& source, bool trained) {
    if (!model) return;
    const ModelStats st = computeStats(*model);
    m_title->setText(tr("<b>%1</b> &nbsp; %2 &nbsp; <i>%3</i>")
                         .arg(QString::fromStdString(model->name).toHtmlEscaped(),
                              source.toHtmlEscaped(),
                              trained ? tr("trained")
                                      : tr("untrained: random weights, predictions are "
                                           "meaningless")));
    m_totals->setText(tr("%1 parameters, %2 non-zero weights (%3% zeros); %4 dense MACs, %5 "
                         "sparse MACs per clip; MAC-limit speedup %6x")
                          .arg(formatCount(double(st.params)), formatCount(double(st.nonzeros)))
                          .arg(100.0 * st.weightSparsity(), 0, 'f', 1)
                          .arg(formatCount(double(st.denseMacs)), formatCount(st.sparseMacs))
                          .arg(st.macLimitSpeedup(), 0, 'f', 1));
    m_table->setRowCount(int(st.layers.size()));
    for (int r = 0; r < int(st.layers.size()); ++r) {
        const LayerStats& l = st.layers[size_t(r)];
        const bool weighted = l.weights > 0;
        const QStringList cells{
            QString::fromStdString(l.name),
            QString::fromUtf8(toString(l.kind).data(), qsizetype(toString(l.kind).size())),
            QString::fromStdString(shapeToString(l.outputShape)),
            l.params ? formatCount(double(l.params)) : QString(),
            weighted ? formatCount(double(l.nonzeros)) : QString(),
            weighted ? QString::number(100.0 * l.weightSparsity, 'f', 1) + "%" : QString(),
            QString::number(100.0 * l.outputDensity, 'f', 1) + "%",
            l.kWinners ? QStringLiteral("%1 / %2").arg(l.kWinners).arg(l.kUnits) : QString(),
            weighted ? formatCount(double(l.denseMacs)) : QString(),
            weighted ? formatCount(l.sparseMacs) : QString()};
        for (int c = 0; c < int(cells.size()); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c >= 3) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(r, c, item);
        }
    }
}

QString ModelSummaryPanel::totalsText() const {
    return m_totals->text();
}

}  // namespace sparselab

#pragma once

#include <QWidget>

#include "core/model.h"

class QLabel;
class QTableWidget;

namespace sparselab {

/// The "Model" view: one row per layer (kind, output shape, parameters, non-zeros, weight
/// sparsity, activation density, k, dense and sparse MACs) and the model's totals.
class ModelSummaryPanel : public QWidget {
    Q_OBJECT
  public:
    explicit ModelSummaryPanel(QWidget* parent = nullptr);

    /// Fills the table from computeStats(*model). `source` is the file (or "generated").
    void setModel(const ModelPtr& model, const QString& source, bool trained);

    QTableWidget* table() const { return m_table; }
    /// The totals line ("… parameters, … non-zero (…% zeros), … dense MACs, …").
    QString totalsText() const;

  private:
    QLabel* m_title;
    QLabel* m_totals;
    QTableWidget* m_table;
};

/// 1234567 -> "1.23 M", 12345 -> "12.3 k".
QString formatCount(double value);

}  // namespace sparselab

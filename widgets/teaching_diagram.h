#pragma once

#include <QWidget>

namespace sparselab {

/// A small picture of one layer computed densely and sparse-sparse: inputs on the left, outputs
/// on the right, lines for weights. Surviving weights follow the weight-sparsity slider, active
/// inputs follow the activation density; the sparse side draws only the MACs it really does.
class TeachingDiagram : public QWidget {
    Q_OBJECT
  public:
    explicit TeachingDiagram(QWidget* parent = nullptr);

    /// weightSparsity: fraction of zero weights; activationDensity: fraction of active inputs.
    void setSparsity(double weightSparsity, double activationDensity);
    /// MACs the sparse side draws (active input x surviving weight), out of inputs x outputs.
    int sparseMacs() const;
    int denseMacs() const { return kInputs * kOutputs; }

    QSize sizeHint() const override { return {360, 200}; }

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    static constexpr int kInputs = 12, kOutputs = 8;
    bool weightKept(int in, int out) const;
    bool inputActive(int in) const;
    void drawLayer(class QPainter& p, const QRectF& area, bool sparse) const;

    double m_weightSparsity = 0.0, m_activationDensity = 1.0;
};

}  // namespace sparselab

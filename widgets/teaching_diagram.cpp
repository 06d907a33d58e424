#include "teaching_diagram.h"

#include <QPainter>
#include <cmath>

namespace sparselab {

namespace {
/// A fixed pseudo-random rank in [0, 1) per (in, out) so that weights disappear in a stable
/// order as the slider moves (like magnitude pruning removing the smallest first).
double rankOf(int a, int b) {
    uint32_t h = uint32_t(a) * 73856093u ^ uint32_t(b) * 19349663u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return double(h % 10007u) / 10007.0;
}
}  // namespace

TeachingDiagram::TeachingDiagram(QWidget* parent) : QWidget(parent) {
    setMinimumSize(240, 150);
    setToolTip(
        tr("Left: a dense layer multiplies every input by every weight. Right: a "
           "sparse-sparse layer multiplies only the k active inputs by the surviving "
           "weights. Work shrinks with weight density x activation density."));
}

void TeachingDiagram::setSparsity(double weightSparsity, double activationDensity) {
    m_weightSparsity = std::clamp(weightSparsity, 0.0, 1.0);
    m_activationDensity = std::clamp(activationDensity, 0.0, 1.0);
    update();
}

bool TeachingDiagram::weightKept(int in, int out) const {
    return rankOf(in, out) >= m_weightSparsity;
}

bool TeachingDiagram::inputActive(int in) const {
    const int active = std::max(1, int(std::lround(m_activationDensity * kInputs)));
    int rank = 0;  // inputs ordered by a fixed pseudo-random "activation strength"
    for (int j = 0; j < kInputs; ++j)
        if (rankOf(j, 999) > rankOf(in, 999)) ++rank;
    return rank < active;
}

int TeachingDiagram::sparseMacs() const {
    int n = 0;
    for (int i = 0; i < kInputs; ++i)
        for (int o = 0; o < kOutputs; ++o) n += inputActive(i) && weightKept(i, o);
    return n;
}

void TeachingDiagram::drawLayer(QPainter& p, const QRectF& area, bool sparse) const {
    const QPalette& pal = palette();
    const double r = std::min(area.height() / (kInputs * 2.6), 7.0);
    auto inPos = [&](int i) {
        return QPointF(area.left() + r + 2, area.top() + (i + 0.5) * area.height() / kInputs);
    };
    auto outPos = [&](int o) {
        return QPointF(area.right() - r - 2, area.top() + (o + 0.5) * area.height() / kOutputs);
    };
    const QColor active(40, 160, 90), edge = pal.color(QPalette::Text);
    for (int i = 0; i < kInputs; ++i)
        for (int o = 0; o < kOutputs; ++o) {
            if (sparse && !weightKept(i, o)) continue;
            const bool used = !sparse || inputActive(i);
            QColor c = used ? (sparse ? active : edge) : edge;
            c.setAlphaF(used ? 0.55f : 0.12f);
            p.setPen(QPen(c, used ? 1.2 : 0.8));
            p.drawLine(inPos(i), outPos(o));
        }
    p.setPen(QPen(edge, 1));
    for (int i = 0; i < kInputs; ++i) {
        p.setBrush(!sparse || inputActive(i) ? QBrush(sparse ? active : edge)
                                             : QBrush(Qt::NoBrush));
        p.drawEllipse(inPos(i), r, r);
    }
    p.setBrush(pal.color(QPalette::Button));
    for (int o = 0; o < kOutputs; ++o) p.drawEllipse(outPos(o), r, r);
}

void TeachingDiagram::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const int caption = fontMetrics().height() + 6;
    const QRectF left(8, caption, width() / 2.0 - 16, height() - 2 * caption);
    const QRectF right(width() / 2.0 + 8, caption, width() / 2.0 - 16, height() - 2 * caption);
    drawLayer(p, left, false);
    drawLayer(p, right, true);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(left.left(), 0, left.width(), caption), Qt::AlignCenter, tr("dense"));
    p.drawText(QRectF(right.left(), 0, right.width(), caption), Qt::AlignCenter,
               tr("sparse-sparse"));
    p.drawText(QRectF(left.left(), height() - caption, left.width(), caption), Qt::AlignCenter,
               tr("%1 MACs").arg(denseMacs()));
    p.drawText(QRectF(right.left(), height() - caption, right.width(), caption), Qt::AlignCenter,
               tr("%1 MACs (%2x fewer)")
                   .arg(sparseMacs())
                   .arg(double(denseMacs()) / std::max(1, sparseMacs()), 0, 'f', 1));
}

}  // namespace sparselab

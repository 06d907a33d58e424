#pragma once

#include <QImage>
#include <QWidget>

#include "widgets/inference_result.h"

namespace sparselab {

/// How a layer's activations are laid out.
enum class HeatmapLayout {
    ChannelGrid,  ///< conv: one tile per channel; linear: one cell per unit
    ChannelSum,   ///< conv: the channel-summed H x W map; linear: as ChannelGrid
};

/// Paints one layer's activations as a heatmap: non-zero units ("winners") in a bright colour
/// scale, zeros in a dim neutral, so sparsity is visible at a glance. Scales with high-DPI.
class HeatmapView : public QWidget {
    Q_OBJECT
  public:
    explicit HeatmapView(QWidget* parent = nullptr);

    /// Shows `activation` (copied) with a caption; an empty activation clears the view.
    void setActivation(const LayerActivation& activation, const QString& caption);
    void setHeatmapLayout(HeatmapLayout layout);
    /// Units drawn as winners (non-zero values) in the current activation.
    int64_t winnerCount() const { return m_activation.nonzeros; }
    /// Total units of the current activation.
    int64_t unitCount() const { return static_cast<int64_t>(m_activation.values.size()); }
    /// The rendered heatmap at native resolution (one pixel per unit plus grid gaps).
    const QImage& image() const { return m_image; }

    QSize sizeHint() const override { return {320, 320}; }

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    void render();

    LayerActivation m_activation;
    QString m_caption;
    HeatmapLayout m_layout = HeatmapLayout::ChannelGrid;
    QImage m_image;
};

/// Maps t in [0, 1] to a perceptually ordered colour (viridis-like, dark blue to yellow).
QColor heatColour(double t);

}  // namespace sparselab

#pragma once

#include <QWidget>

#include "widgets/inference_result.h"

class QComboBox;
class QLabel;

namespace sparselab {

class HeatmapView;
class RepaintCoalescer;

/// "See inside": the chosen layer's activations for the last clip, dense reference on the left
/// and the sparse model on the right, as a channel grid or channel-summed map. Repaints are
/// coalesced (40 ms).
class ActivationPanel : public QWidget {
    Q_OBJECT
  public:
    explicit ActivationPanel(QWidget* parent = nullptr);

    HeatmapView* denseView() const { return m_dense; }
    HeatmapView* sparseView() const { return m_sparse; }
    QComboBox* layerCombo() const { return m_layer; }
    /// Applies a pending repaint now (tests, screenshots).
    void flush();

  public slots:
    void setResult(const sparselab::InferenceResult& result);

  private:
    void refresh();
    void rebuildLayerList();

    InferenceResult m_result;
    QComboBox* m_layer;
    QComboBox* m_layout;
    QLabel* m_summary;
    HeatmapView* m_dense;
    HeatmapView* m_sparse;
    RepaintCoalescer* m_coalescer;
    std::vector<std::string> m_layerNames;
};

}  // namespace sparselab

#pragma once

#include <QWidget>

#include "core/model_stats.h"
#include "widgets/evaluation_worker.h"
#include "widgets/model_sparsifier.h"

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace sparselab {

class RepaintCoalescer;

/// The sparsity sliders: weight sparsity (magnitude pruning, all layers or one) and activation
/// sparsity (winner density for all k-winners layers, or k for one), plus read-outs of MACs,
/// theoretical speedup, measured latency and accuracy. Emits settingsChanged at most every
/// 30 ms while a slider is dragged.
class SparsityPanel : public QWidget {
    Q_OBJECT
  public:
    explicit SparsityPanel(QWidget* parent = nullptr);

    /// Rebuilds the layer lists for a newly loaded base model and resets the settings.
    void setBaseModel(const ModelPtr& base);
    /// Figures of the current derived model (MACs, speedup).
    void setStats(const ModelStats& stats);
    /// Measured latency and accuracy of the current derived model.
    void setEvaluation(const EvaluationResult& result);
    /// Marks the read-outs as being recomputed.
    void setMeasuring();

    const SparsitySettings& settings() const { return m_settings; }
    QSlider* weightSlider() const { return m_weightSlider; }
    QSlider* activationSlider() const { return m_activationSlider; }
    QComboBox* weightTarget() const { return m_weightTarget; }
    QComboBox* activationTarget() const { return m_activationTarget; }
    /// Read-out texts, for tests and screenshots.
    QString macsText() const;
    QString latencyText() const;
    QString accuracyText() const;

  public slots:
    /// Back to the base model's own sparsity.
    void reset();

  signals:
    void settingsChanged(const sparselab::SparsitySettings& settings);
    /// The user asked to fine-tune at the current sparsity.
    void fineTuneRequested();

  private:
    void syncWeightSlider();
    void syncActivationSlider();
    void onWeightSlider(int value);
    void onActivationSlider(int value);

    ModelPtr m_base;
    SparsitySettings m_settings;
    QComboBox* m_weightTarget;
    QComboBox* m_method;
    QSlider* m_weightSlider;
    QLabel* m_weightValue;
    QComboBox* m_activationTarget;
    QSlider* m_activationSlider;
    QLabel* m_activationValue;
    QLabel* m_macs;
    QLabel* m_speedup;
    QLabel* m_latency;
    QLabel* m_accuracy;
    QPushButton* m_fineTune;
    RepaintCoalescer* m_emitter;
    bool m_syncing = false;
};

}  // namespace sparselab

#pragma once

#include <QObject>
#include <QString>

#include "core/model.h"
#include "widgets/model_sparsifier.h"

Q_DECLARE_METATYPE(sparselab::ModelPtr)

namespace sparselab {

/// Owns the loaded (base) model and the model derived from it by the sparsity settings. Both are
/// immutable shared_ptr<const Model>; a settings change derives a new model on a pool thread and
/// swaps the pointer when done (stale derivations are dropped). GUI thread only.
class ModelController : public QObject {
    Q_OBJECT
  public:
    explicit ModelController(QObject* parent = nullptr);

    /// The model as loaded (nullptr before the first load).
    ModelPtr baseModel() const { return m_base; }
    /// The model after the sparsity settings: what inference and benchmarks use.
    ModelPtr model() const { return m_model; }
    /// The dense reference of the base model (k-winners replaced by ReLU) for side-by-side views.
    ModelPtr denseReference() const { return m_denseReference; }
    const SparsitySettings& settings() const { return m_settings; }
    /// The file the model came from; empty for a generated model.
    QString sourcePath() const { return m_sourcePath; }
    /// False for a randomly initialised model (its predictions mean nothing).
    bool isTrained() const { return m_trained; }
    /// True while a derivation is running.
    bool isBusy() const { return m_pending > 0; }

    /// Loads an ONNX file synchronously. On failure emits loadFailed with a message naming the
    /// file and the problem, keeps the current model and returns false.
    bool loadFile(const QString& path);
    /// Installs an in-memory model (e.g. buildGscModel) and resets the sparsity settings.
    void setBaseModel(ModelPtr base, const QString& sourcePath, bool trained);
    /// Applies new sparsity settings to the base model (asynchronously; modelChanged follows).
    void setSettings(const SparsitySettings& settings);

  signals:
    /// A new model is in place (after a load or a settings change).
    void modelChanged(sparselab::ModelPtr model);
    /// A different base model was loaded; the settings were reset.
    void baseModelChanged(sparselab::ModelPtr base);
    /// A file was loaded successfully (for recent-file lists).
    void fileLoaded(const QString& path);
    /// Loading failed; the message names the file and the problem. The old model stays.
    void loadFailed(const QString& message);
    /// The settings could not be applied (e.g. k out of range); the previous model stays.
    void derivationFailed(const QString& message);

  private:
    void startDerivation();

    ModelPtr m_base, m_model, m_denseReference;
    SparsitySettings m_settings;
    QString m_sourcePath;
    bool m_trained = false;
    quint64 m_generation = 0;
    int m_pending = 0;
};

}  // namespace sparselab

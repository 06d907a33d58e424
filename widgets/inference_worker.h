#pragma once

#include <QObject>
#include <QVector>
#include <memory>

#include "core/backend.h"
#include "widgets/inference_result.h"
#include "widgets/model_controller.h"

namespace sparselab {

/// Runs one clip through the current model and its dense reference, collecting every layer's
/// activations with an ActivationTap. Lives on a worker QThread; call its slots through queued
/// connections or QMetaObject::invokeMethod. Results come back as value types.
class InferenceWorker : public QObject {
    Q_OBJECT
  public:
    /// `registry` must outlive the worker; the fastest available CPU mode is used.
    explicit InferenceWorker(const BackendRegistry* registry, QObject* parent = nullptr);
    ~InferenceWorker() override;

  public slots:
    /// Computes features of 16 kHz mono `samples` and runs both models. Emits finished().
    void analyse(sparselab::ModelPtr model, sparselab::ModelPtr denseReference,
                 QVector<float> samples, QString source, quint64 id);

  signals:
    void finished(sparselab::InferenceResult result);

  private:
    struct Cached;
    Executor& executorFor(const ModelPtr& model, std::unique_ptr<Cached>& cache);

    const BackendRegistry* m_registry;
    std::unique_ptr<Cached> m_sparseCache, m_denseCache;
};

/// Prepares `model` on the best available CPU executor: cpu-sparse in sparse-sparse mode when
/// that backend is available, else cpu-dense. Throws Error when nothing can run it.
std::unique_ptr<Executor> prepareBestCpu(const BackendRegistry& registry, ModelPtr model,
                                         int threads = 1);

/// Softmax of a model's output row when its last layer is not already Softmax (LogSoftmax ->
/// exp; logits -> softmax).
std::vector<float> toProbabilities(const Model& model, std::span<const float> output);

}  // namespace sparselab

#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <memory>

#include "core/backend.h"
#include "widgets/model_controller.h"

namespace sparselab {

/// What one evaluation of a derived model measured.
struct EvaluationResult {
    quint64 generation = 0;
    double latencyMs = 0.0;   ///< median single-clip latency
    QString mode;             ///< backend/mode that was timed, e.g. "cpu-dense/dense"
    double accuracy = -1.0;   ///< fraction of labelled clips classified right; -1: none
    double agreement = -1.0;  ///< fraction of clips where the top class equals the base model's
    int clips = 0;            ///< evaluation clips used
    QString error;
};

/// Measures a derived model's latency and its accuracy on a small evaluation set (the sample
/// clips; labels come from file names). Lives on a worker QThread. Requests that were superseded
/// before they started are skipped, so a dragged slider never queues up work.
class EvaluationWorker : public QObject {
    Q_OBJECT
  public:
    explicit EvaluationWorker(const BackendRegistry* registry, QObject* parent = nullptr);
    ~EvaluationWorker() override;

    /// Thread-safe: marks `generation` as the newest request (call before queuing evaluate()).
    void noteRequest(quint64 generation) { m_latest.store(generation); }

  public slots:
    /// WAV files of the evaluation set (loaded lazily on the worker thread).
    void setClipFiles(QStringList files);
    /// Evaluates `model` against `base`; emits finished() unless superseded.
    void evaluate(sparselab::ModelPtr model, sparselab::ModelPtr base, quint64 generation);

  signals:
    void finished(sparselab::EvaluationResult result);

  private:
    struct EvalSet;
    std::vector<int> predict(const ModelPtr& model);

    const BackendRegistry* m_registry;
    std::atomic<quint64> m_latest{0};
    QStringList m_files;
    std::unique_ptr<EvalSet> m_set;
    ModelPtr m_basePredicted;
    std::vector<int> m_basePredictions;
};

}  // namespace sparselab

Q_DECLARE_METATYPE(sparselab::EvaluationResult)

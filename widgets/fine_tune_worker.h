#pragma once

#include <QObject>
#include <QString>
#include <atomic>

#include "widgets/model_controller.h"

namespace sparselab {

/// Fine-tunes a (pruned) model at its current sparsity on a GSC-layout corpus: features of the
/// training split, then `epochs` epochs of core's Trainer with the zero weights kept at zero.
/// Lives on a worker QThread; cancel() is thread-safe and stops after the current batch.
class FineTuneWorker : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;
    /// Thread-safe: asks a running fine-tune to stop.
    void cancel() { m_cancel.store(true); }

  public slots:
    void run(sparselab::ModelPtr model, QString corpusDir, int epochs);

  signals:
    /// percent in [0, 100] over features + training; text describes the stage.
    void progress(int percent, const QString& text);
    /// The fine-tuned model (same sparsity, name "<name>-finetuned").
    void finished(sparselab::ModelPtr model);
    void failed(const QString& message);

  private:
    std::atomic<bool> m_cancel{false};
};

}  // namespace sparselab

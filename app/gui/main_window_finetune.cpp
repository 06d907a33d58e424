// MainWindow: "fine-tune at this sparsity" (a FineTuneWorker on its own thread, a non-modal
// progress dialog with Cancel, the result installed as the new base model).
#include <QFileDialog>
#include <QProgressDialog>
#include <QSettings>
#include <QStatusBar>

#include "main_window.h"
#include "widgets/fine_tune_worker.h"
#include "widgets/model_controller.h"

namespace sparselab {

void MainWindow::fineTune() {
    const ModelPtr model = m_controller->model();
    if (!model) return;
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("GSC-layout corpus to fine-tune on (word folders + lists)"),
        settings.value(QStringLiteral("corpusDir")).toString());
    if (dir.isEmpty()) return;
    settings.setValue(QStringLiteral("corpusDir"), dir);
    if (!m_fineTune) {
        m_fineTune = new FineTuneWorker;
        m_fineTune->moveToThread(&m_fineTuneThread);
        connect(&m_fineTuneThread, &QThread::finished, m_fineTune, &QObject::deleteLater);
        m_fineTuneThread.setObjectName(QStringLiteral("fine-tune"));
        m_fineTuneThread.start(QThread::LowPriority);
    }
    auto* dialog = new QProgressDialog(
        tr("Fine-tuning %1…").arg(QString::fromStdString(model->name)), tr("Cancel"), 0, 100, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setModal(false);
    dialog->setMinimumDuration(0);
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    connect(dialog, &QProgressDialog::canceled, this, [this] { m_fineTune->cancel(); });
    auto done = std::make_shared<QMetaObject::Connection[]>(3);
    auto disconnectAll = [done] {
        for (int i = 0; i < 3; ++i) QObject::disconnect(done[i]);
    };
    done[0] = connect(m_fineTune, &FineTuneWorker::progress, dialog,
                      [dialog](int percent, const QString& text) {
                          dialog->setValue(percent);
                          dialog->setLabelText(text);
                      });
    done[1] = connect(
        m_fineTune, &FineTuneWorker::finished, this, [this, dialog, disconnectAll](ModelPtr tuned) {
            disconnectAll();
            dialog->close();
            m_controller->setBaseModel(tuned, QString(), true);
            statusBar()->showMessage(tr("Fine-tuned: %1 (File ▸ Export is not needed: "
                                        "use sparselab-cli to save models)")
                                         .arg(QString::fromStdString(tuned->name)),
                                     10000);
        });
    done[2] = connect(m_fineTune, &FineTuneWorker::failed, this,
                      [this, dialog, disconnectAll](const QString& message) {
                          disconnectAll();
                          dialog->close();
                          showError(tr("Fine-tuning stopped: %1").arg(message));
                      });
    QMetaObject::invokeMethod(m_fineTune, "run", Qt::QueuedConnection,
                              Q_ARG(sparselab::ModelPtr, model), Q_ARG(QString, dir),
                              Q_ARG(int, 1));
}

}  // namespace sparselab

#pragma once

#include <QMainWindow>
#include <QThread>

#include "core/backend.h"
#include "widgets/evaluation_worker.h"
#include "widgets/inference_result.h"

class QMenu;
class QTabWidget;

namespace sparselab {

class ActivationPanel;
class BenchmarkPanel;
class EvaluationWorker;
class HelpPanel;
class InferenceWorker;
class InputPanel;
class LivePanel;
class MicrophoneSource;
class ModelController;
class ModelSummaryPanel;
class PredictionPanel;
class SparsityPanel;
class TeachingDiagram;

/// The app's main window: builds the panels, the model controller and the worker threads and
/// connects them. It holds no feature logic of its own (that lives in sparselab::widgets).
/// Title: "SparseLab — <model name>".
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ModelController* controller() const { return m_controller; }
    SparsityPanel* sparsityPanel() const { return m_sparsity; }
    BenchmarkPanel* benchmarkPanel() const { return m_benchmark; }
    InputPanel* inputPanel() const { return m_input; }
    LivePanel* livePanel() const { return m_live; }
    MicrophoneSource* microphone() const { return m_mic; }
    ActivationPanel* activationPanel() const { return m_activations; }
    PredictionPanel* predictionPanel() const { return m_predictions; }
    ModelSummaryPanel* summaryPanel() const { return m_summary; }
    QTabWidget* tabs() const { return m_tabs; }
    /// The last error shown to the user (also shown non-modally and in the status bar).
    QString lastError() const { return m_lastError; }

    /// Opens the last model, else the default bundled one, else a generated untrained model.
    void openInitialModel(const QString& requested, bool generated);
    /// Switches to "explore", "benchmark" or "model".
    void showTab(const QString& name);
    /// Applies pending coalesced repaints (before a screenshot).
    void flushRepaints();

  public slots:
    bool openModel(const QString& path);
    /// Asks for a corpus folder and fine-tunes the current model at its sparsity (background).
    void fineTune();
    void openGeneratedModel();
    void showError(const QString& message);

  signals:
    /// Emitted whenever showError displays a message.
    void errorShown(const QString& message);
    /// A clip's analysis arrived and was handed to the panels.
    void resultShown(const sparselab::InferenceResult& result);

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void buildPanels();
    void buildMenus();
    void startWorkers();
    void connectLive();
    void connectSignals();
    void onModelChanged();
    void analyse(const QVector<float>& samples, const QString& source);
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void restoreSettings();
    void updateTitle();
    void showStartupNotes();
    static QString elidedPath(const QString& path);

    BackendRegistry m_registry;
    ModelController* m_controller;
    QTabWidget* m_tabs = nullptr;
    ModelSummaryPanel* m_summary = nullptr;
    SparsityPanel* m_sparsity = nullptr;
    InputPanel* m_input = nullptr;
    LivePanel* m_live = nullptr;
    MicrophoneSource* m_mic = nullptr;
    bool m_devicesListed = false;
    ActivationPanel* m_activations = nullptr;
    PredictionPanel* m_predictions = nullptr;
    BenchmarkPanel* m_benchmark = nullptr;
    TeachingDiagram* m_diagram = nullptr;
    HelpPanel* m_help = nullptr;
    QMenu* m_recentMenu = nullptr;
    QThread m_inferenceThread, m_evaluationThread, m_fineTuneThread;
    InferenceWorker* m_inference = nullptr;
    EvaluationWorker* m_evaluation = nullptr;
    class FineTuneWorker* m_fineTune = nullptr;
    QVector<float> m_lastSamples;
    QString m_lastSource;
    quint64 m_requests = 0;
    QString m_lastError;
    /// What went wrong while restoring settings / the last model; shown once the model is open.
    QStringList m_startupNotes;
};

}  // namespace sparselab

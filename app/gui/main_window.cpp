#include "main_window.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "core/gsc_presets.h"
#include "core/model_stats.h"
#include "fpga/fpga_backend.h"
#include "resource_paths.h"
#include "widgets/activation_panel.h"
#include "widgets/benchmark_panel.h"
#include "widgets/evaluation_worker.h"
#include "widgets/fine_tune_worker.h"
#include "widgets/help_panel.h"
#include "widgets/inference_worker.h"
#include "widgets/input_panel.h"
#include "widgets/live_panel.h"
#include "widgets/microphone_source.h"
#include "widgets/model_controller.h"
#include "widgets/model_summary_panel.h"
#include "widgets/prediction_panel.h"
#include "widgets/sparsity_panel.h"
#include "widgets/teaching_diagram.h"

namespace sparselab {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_registry(makeDefaultRegistry()),
      m_controller(new ModelController(this)) {
    qRegisterMetaType<sparselab::InferenceResult>();
    qRegisterMetaType<sparselab::EvaluationResult>();
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);
    setWindowIcon(QIcon(QStringLiteral(":/icons/sparselab.png")));
    buildPanels();
    buildMenus();
    startWorkers();
    connectSignals();
    restoreSettings();
    updateTitle();
}

MainWindow::~MainWindow() {
    if (m_fineTune) m_fineTune->cancel();
    delete m_mic;  // stops capture and its thread while the registry still exists
    m_mic = nullptr;
    for (QThread* t : {&m_inferenceThread, &m_evaluationThread, &m_fineTuneThread}) {
        t->quit();
        t->wait();
    }
}

void MainWindow::buildPanels() {
    m_summary = new ModelSummaryPanel(this);
    m_sparsity = new SparsityPanel(this);
    m_input = new InputPanel(this);
    m_live = new LivePanel(this);
    m_mic = new MicrophoneSource(&m_registry, this);
    m_activations = new ActivationPanel(this);
    m_predictions = new PredictionPanel(this);
    m_benchmark = new BenchmarkPanel(&m_registry, this);
    m_diagram = new TeachingDiagram(this);
    m_help = new HelpPanel(this);

    auto* explore = new QSplitter(Qt::Horizontal, this);
    explore->setObjectName(QStringLiteral("exploreSplitter"));
    auto* inputColumn = new QSplitter(Qt::Vertical, this);
    inputColumn->addWidget(m_input);
    inputColumn->addWidget(m_live);
    inputColumn->setStretchFactor(0, 3);
    inputColumn->setStretchFactor(1, 1);
    explore->addWidget(inputColumn);
    explore->addWidget(m_activations);
    explore->addWidget(m_predictions);
    explore->setStretchFactor(0, 2);
    explore->setStretchFactor(1, 3);
    explore->setStretchFactor(2, 2);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(explore, tr("&Explore"));
    m_tabs->addTab(m_benchmark, tr("&Benchmark"));
    m_tabs->addTab(m_summary, tr("&Model"));
    setCentralWidget(m_tabs);

    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_sparsity, 1);
    sideLayout->addWidget(m_diagram);
    auto* sparsityDock = new QDockWidget(tr("Sparsity"), this);
    sparsityDock->setObjectName(QStringLiteral("sparsityDock"));
    sparsityDock->setWidget(side);
    addDockWidget(Qt::RightDockWidgetArea, sparsityDock);
    auto* helpDock = new QDockWidget(tr("Help"), this);
    helpDock->setObjectName(QStringLiteral("helpDock"));
    helpDock->setWidget(m_help);
    addDockWidget(Qt::RightDockWidgetArea, helpDock);
    helpDock->hide();
    m_input->setClipDirectory(clipDir());
    statusBar()->showMessage(tr("Ready"));
}

void MainWindow::startWorkers() {
    m_inference = new InferenceWorker(&m_registry);
    m_inference->moveToThread(&m_inferenceThread);
    connect(&m_inferenceThread, &QThread::finished, m_inference, &QObject::deleteLater);
    m_inferenceThread.setObjectName(QStringLiteral("inference"));
    m_inferenceThread.start();
    m_evaluation = new EvaluationWorker(&m_registry);
    m_evaluation->moveToThread(&m_evaluationThread);
    connect(&m_evaluationThread, &QThread::finished, m_evaluation, &QObject::deleteLater);
    m_evaluationThread.setObjectName(QStringLiteral("evaluation"));
    m_evaluationThread.start();
    QMetaObject::invokeMethod(m_evaluation, "setClipFiles", Qt::QueuedConnection,
                              Q_ARG(QStringList, m_input->clipFiles()));
}

void MainWindow::connectSignals() {
    connect(m_controller, &ModelController::baseModelChanged, this, [this](ModelPtr base) {
        m_sparsity->setBaseModel(base);
        updateTitle();
    });
    connect(m_controller, &ModelController::modelChanged, this, &MainWindow::onModelChanged);
    connect(m_controller, &ModelController::loadFailed, this, &MainWindow::showError);
    connect(m_controller, &ModelController::derivationFailed, this, &MainWindow::showError);
    connect(m_controller, &ModelController::fileLoaded, this, &MainWindow::addRecentFile);
    connect(m_sparsity, &SparsityPanel::settingsChanged, m_controller,
            &ModelController::setSettings);
    connect(m_sparsity, &SparsityPanel::fineTuneRequested, this, &MainWindow::fineTune);
    connect(m_input, &InputPanel::audioReady, this, &MainWindow::analyse);
    connect(m_input, &InputPanel::failed, this, &MainWindow::showError);
    connect(m_benchmark, &BenchmarkPanel::failed, this,
            [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(m_inference, &InferenceWorker::finished, this, [this](const InferenceResult& r) {
        if (!r.error.isEmpty()) {
            showError(tr("Could not analyse %1: %2").arg(r.source, r.error));
            return;
        }
        m_input->setFeatures(r.features);
        m_activations->setResult(r);
        m_predictions->setResult(r);
        emit resultShown(r);
    });
    connect(m_evaluation, &EvaluationWorker::finished, m_sparsity, &SparsityPanel::setEvaluation);
    connectLive();
}

void MainWindow::connectLive() {
    m_live->setCurrentDevice(m_mic->device());
    m_input->attachSource(m_mic);
    connect(m_mic, &MicrophoneSource::statusChanged, m_live, &LivePanel::setStatus);
    connect(m_mic, &MicrophoneSource::statusChanged, this,
            [this](const LiveStatus& s) { statusBar()->showMessage(s.message, 8000); });
    connect(m_mic, &MicrophoneSource::windowReady, m_live, &LivePanel::addWindow);
    connect(m_mic, &MicrophoneSource::detected, m_live, &LivePanel::addDetection);
    connect(m_mic, &MicrophoneSource::devicesListed, m_live, &LivePanel::setDevices);
    connect(m_live, &LivePanel::refreshRequested, m_mic, &MicrophoneSource::refreshDevices);
    connect(m_live, &LivePanel::deviceChosen, this, [this](const QString& device) {
        m_mic->setDevice(device);
        if (m_mic->isRunning()) m_mic->start();  // reopen on the new device
    });
    connect(m_input, &InputPanel::liveToggled, this, [this](bool on) {
        if (on && !m_devicesListed) {
            m_devicesListed = true;
            m_mic->refreshDevices();
        }
    });
}

void MainWindow::onModelChanged() {
    const ModelPtr model = m_controller->model();
    if (!model) return;
    const ModelStats stats = computeStats(*model);
    m_summary->setModel(model,
                        m_controller->sourcePath().isEmpty() ? tr("generated in memory")
                                                             : m_controller->sourcePath(),
                        m_controller->isTrained());
    m_sparsity->setStats(stats);
    m_sparsity->setMeasuring();
    double weightedDense = 0;  // MACs after skipping zero weights only
    for (const LayerStats& l : stats.layers)
        weightedDense += double(l.denseMacs) * (1 - l.weightSparsity);
    m_diagram->setSparsity(stats.weightSparsity(),
                           weightedDense > 0 ? stats.sparseMacs / weightedDense : 1.0);
    m_benchmark->setModel(model);
    m_mic->setModel(model);
    const quint64 generation = ++m_requests;
    m_evaluation->noteRequest(generation);
    QMetaObject::invokeMethod(
        m_evaluation, "evaluate", Qt::QueuedConnection, Q_ARG(sparselab::ModelPtr, model),
        Q_ARG(sparselab::ModelPtr, m_controller->baseModel()), Q_ARG(quint64, generation));
    if (!m_lastSamples.isEmpty()) analyse(m_lastSamples, m_lastSource);
}

void MainWindow::analyse(const QVector<float>& samples, const QString& source) {
    m_lastSamples = samples;
    m_lastSource = source;
    if (!m_controller->model()) return;
    QMetaObject::invokeMethod(m_inference, "analyse", Qt::QueuedConnection,
                              Q_ARG(sparselab::ModelPtr, m_controller->model()),
                              Q_ARG(sparselab::ModelPtr, m_controller->denseReference()),
                              Q_ARG(QVector<float>, samples), Q_ARG(QString, source),
                              Q_ARG(quint64, ++m_requests));
}

bool MainWindow::openModel(const QString& path) {
    if (!m_controller->loadFile(path)) return false;
    statusBar()->showMessage(tr("Loaded %1").arg(path), 5000);
    return true;
}

void MainWindow::openGeneratedModel() {
    auto model = std::make_shared<Model>(buildGscModel(GscConfig::preset("sparse"), 1));
    model->name = "gsc-sparse (untrained)";
    m_controller->setBaseModel(std::move(model), QString(), false);
}

void MainWindow::openInitialModel(const QString& requested, bool generated) {
    if (generated) return openGeneratedModel();
    if (!requested.isEmpty()) {
        if (!openModel(requested)) openGeneratedModel();
        return;
    }
    // The settings file may be stale or damaged: a missing or unloadable last model is reported
    // (loadFile also shows the loader's reason) and the bundled default opens instead.
    const QString last = QSettings().value(QStringLiteral("lastModel")).toString();
    if (!last.isEmpty()) {
        if (!QFileInfo::exists(last))
            m_startupNotes << tr("The last model, %1, no longer exists.").arg(elidedPath(last));
        else if (m_controller->loadFile(last))
            return showStartupNotes();
        else
            m_startupNotes << tr("The last model, %1, could not be loaded.").arg(elidedPath(last));
    }
    for (const QString& path : bundledModels()) {
        if (!m_controller->loadFile(path)) continue;
        if (!m_startupNotes.isEmpty())
            m_startupNotes << tr("Opened %1 instead.").arg(QFileInfo(path).fileName());
        return showStartupNotes();
    }
    openGeneratedModel();
    m_startupNotes
        << tr("No trained model found in %1/models: showing an untrained generated model.")
               .arg(resourceDir());
    showStartupNotes();
}

void MainWindow::showStartupNotes() {
    if (!m_startupNotes.isEmpty()) statusBar()->showMessage(m_startupNotes.join(QLatin1Char(' ')));
    m_startupNotes.clear();
}

QString MainWindow::elidedPath(const QString& path) {
    return path.size() <= 240 ? path : path.left(160) + QStringLiteral("…") + path.right(60);
}

void MainWindow::showError(const QString& message) {
    m_lastError = message;
    statusBar()->showMessage(message, 10000);
    auto* box =
        new QMessageBox(QMessageBox::Warning, tr("SparseLab"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);  // never blocks the event loop (tests, live audio)
    box->show();
    emit errorShown(message);
}

void MainWindow::updateTitle() {
    const ModelPtr base = m_controller->baseModel();
    setWindowTitle(base ? QStringLiteral("SparseLab — %1").arg(QString::fromStdString(base->name))
                        : QStringLiteral("SparseLab"));
}

void MainWindow::showTab(const QString& name) {
    const QStringList names{"explore", "benchmark", "model"};
    if (const int i = int(names.indexOf(name)); i >= 0) m_tabs->setCurrentIndex(i);
}

void MainWindow::flushRepaints() {
    m_activations->flush();
    m_predictions->flush();
    m_live->flush();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings s;
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("windowState"), saveState());
    s.setValue(QStringLiteral("tab"), m_tabs->currentIndex());
    if (!m_controller->sourcePath().isEmpty())
        s.setValue(QStringLiteral("lastModel"), m_controller->sourcePath());
    s.setValue(QStringLiteral("benchmark/threads"), m_benchmark->threadsSpin()->value());
    s.setValue(QStringLiteral("benchmark/batch"), m_benchmark->batchSpin()->value());
    m_benchmark->stop();
    QMainWindow::closeEvent(event);
}

void MainWindow::restoreSettings() {
    QSettings s;
    // Qt skips what it cannot parse; say so (values that parse but are absurd are clamped below
    // or by the widgets). Qt never writes a NUL byte into an INI file: one means binary garbage.
    bool damaged = s.status() != QSettings::NoError;
    if (QFile raw(s.fileName()); !damaged && raw.open(QIODevice::ReadOnly))
        damaged = raw.read(1 << 20).contains('\0');
    if (damaged)
        m_startupNotes << tr("The settings file %1 is damaged; its unreadable parts were ignored.")
                              .arg(s.fileName());
    if (!restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray())) resize(1440, 900);
    restoreState(s.value(QStringLiteral("windowState")).toByteArray());
    m_tabs->setCurrentIndex(s.value(QStringLiteral("tab"), 0).toInt());
    m_benchmark->threadsSpin()->setValue(s.value(QStringLiteral("benchmark/threads"), 1).toInt());
    m_benchmark->batchSpin()->setValue(s.value(QStringLiteral("benchmark/batch"), 1).toInt());
    rebuildRecentMenu();
}

}  // namespace sparselab

// MainWindow's menus, shortcuts, recent files and drag-and-drop.
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include "core/onnx_model.h"

#include "main_window.h"
#include "resource_paths.h"
#include "widgets/benchmark_panel.h"
#include "widgets/input_panel.h"
#include "widgets/model_controller.h"
#include "widgets/sparsity_panel.h"
#include "widgets/theme.h"

namespace sparselab {

namespace {
constexpr int kMaxRecent = 8;
bool isAudioFile(const QString& path) {
    static const QStringList exts{"wav", "flac", "ogg", "aiff", "aif", "mp3"};
    return exts.contains(QFileInfo(path).suffix().toLower());
}
}  // namespace

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open model…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open model"), resourceDir() + QStringLiteral("/models"),
            tr("ONNX models (*.onnx);;All files (*)"));
        if (!path.isEmpty()) openModel(path);
    });
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Load any GSC network exported to ONNX (also: drop it on the window)."));
    QMenu* bundled = file->addMenu(tr("&Bundled models"));
    for (const QString& path : bundledModels())
        bundled->addAction(QFileInfo(path).completeBaseName(), this,
                           [this, path] { openModel(path); });
    bundled->addSeparator();
    bundled->addAction(tr("Generated sparse model (untrained)"), this,
                       &MainWindow::openGeneratedModel);
    m_recentMenu = file->addMenu(tr("&Recent models"));
    QAction* save = file->addAction(tr("&Save model as…"), this, [this] {
        if (!m_controller->model()) return;
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save the current (pruned / fine-tuned) model"),
            QString::fromStdString(m_controller->model()->name) + QStringLiteral(".onnx"),
            tr("ONNX models (*.onnx)"));
        if (path.isEmpty()) return;
        try {
            saveOnnx(*m_controller->model(), path.toStdString());  // atomic
            statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
        } catch (const std::exception& e) {
            showError(QString::fromStdString(e.what()));
        }
    });
    save->setShortcut(QKeySequence::Save);
    QAction* openAudio = file->addAction(tr("Open &audio file…"), this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open audio"), clipDir(),
                                         tr("Audio (*.wav *.flac *.ogg *.aiff);;All files (*)"));
        if (!path.isEmpty()) m_input->openFile(path);
    });
    openAudio->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction* exportAction =
        file->addAction(tr("&Export benchmark…"), m_benchmark, &BenchmarkPanel::exportWithDialog);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    QAction* bench = run->addAction(tr("Run/stop &benchmark"), this, [this] {
        m_tabs->setCurrentWidget(m_benchmark);
        m_benchmark->isRunning() ? m_benchmark->stop() : m_benchmark->start();
    });
    bench->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    QAction* reset = run->addAction(tr("&Reset sparsity"), m_sparsity, &SparsityPanel::reset);
    reset->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QStringList tabNames{tr("Explore"), tr("Benchmark"), tr("Model")};
    for (int i = 0; i < int(tabNames.size()); ++i) {
        QAction* a = view->addAction(tabNames[i], this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    }
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    if (auto* help = findChild<QDockWidget*>(QStringLiteral("helpDock")))
        help->toggleViewAction()->setShortcut(QKeySequence::HelpContents);
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    const QString current = QSettings().value(QStringLiteral("theme"), "system").toString();
    for (const QString& name :
         {QStringLiteral("system"), QStringLiteral("light"), QStringLiteral("dark")}) {
        QAction* a = theme->addAction(name, this, [name] {
            applyTheme(name);
            QSettings().setValue(QStringLiteral("theme"), name);
        });
        a->setCheckable(true);
        a->setChecked(name == current);
        group->addAction(a);
    }
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings s;
    QStringList recent = s.value(QStringLiteral("recentModels")).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    recent.removeAll(abs);
    recent.prepend(abs);
    while (recent.size() > kMaxRecent) recent.removeLast();
    s.setValue(QStringLiteral("recentModels"), recent);
    s.setValue(QStringLiteral("lastModel"), abs);
    rebuildRecentMenu();
    updateTitle();
}

void MainWindow::rebuildRecentMenu() {
    if (!m_recentMenu) return;
    m_recentMenu->clear();
    // The settings file is user-editable: at most kMaxRecent entries, absurd paths skipped.
    const QStringList recent = QSettings().value(QStringLiteral("recentModels")).toStringList();
    int shown = 0;
    for (const QString& path : recent) {
        if (shown == kMaxRecent) break;
        if (path.isEmpty() || path.size() > 1024) continue;
        m_recentMenu->addAction(path, this, [this, path] { openModel(path); });
        ++shown;
    }
    m_recentMenu->setEnabled(shown > 0);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        const QString path = url.toLocalFile();
        if (path.isEmpty()) continue;
        if (isAudioFile(path))
            m_input->openFile(path);
        else
            openModel(path);  // anything else is tried as a model; errors say what is wrong
    }
    event->acceptProposedAction();
}

}  // namespace sparselab

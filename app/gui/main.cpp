// sparselab: the desktop app. See docs/APP.md.
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>
#include <cstdio>

// Resources compiled into the static sparselab_gui library must be registered explicitly.
static void initResources() {
    Q_INIT_RESOURCE(icons);
}

#include "main_window.h"
#include "startup_options.h"
#include "widgets/benchmark_panel.h"
#include "widgets/input_panel.h"
#include "widgets/sparsity_panel.h"
#include "widgets/theme.h"

#include <QSlider>

using namespace sparselab;

namespace {

/// Saves the window as a PNG (grab() renders the widget tree, independent of the display).
bool saveScreenshot(MainWindow& window, const QString& path) {
    window.flushRepaints();
    const QImage image = window.grab().toImage();
    if (!QFileInfo(path).absoluteDir().exists()) QDir().mkpath(QFileInfo(path).absolutePath());
    if (!image.save(path, "PNG")) {
        std::fprintf(stderr, "sparselab: error: could not write screenshot %s\n", qPrintable(path));
        return false;
    }
    std::printf("sparselab: screenshot %s (%dx%d)\n", qPrintable(path), image.width(),
                image.height());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    initResources();
    QApplication::setOrganizationName(QStringLiteral("SparseLab"));
    QApplication::setApplicationName(QStringLiteral("sparselab"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    const StartupOptions options = parseStartupOptions(QApplication::arguments());
    applyTheme(options.theme.isEmpty()
                   ? QSettings().value(QStringLiteral("theme"), "system").toString()
                   : options.theme);

    MainWindow window;
    window.openInitialModel(options.model, options.generated);
    if (!options.tab.isEmpty()) window.showTab(options.tab);
    if (options.weightSparsity >= 0)
        window.sparsityPanel()->weightSlider()->setValue(int(options.weightSparsity * 100 + 0.5));
    if (options.activationDensity >= 0)
        window.sparsityPanel()->activationSlider()->setValue(
            int(options.activationDensity * 100 + 0.5));
    window.show();

    // Analyse the requested clip, else the first sample clip, so no view starts empty.
    QTimer::singleShot(0, &window, [&window, clip = options.clip] {
        if (!clip.isEmpty()) {
            window.inputPanel()->openFile(clip);
        } else if (const QStringList clips = window.inputPanel()->clipFiles(); !clips.isEmpty()) {
            window.inputPanel()->openFile(clips.first());
        }
    });
    if (options.live) QTimer::singleShot(100, window.inputPanel(), &InputPanel::toggleLive);
    if (options.benchmark) QTimer::singleShot(200, window.benchmarkPanel(), &BenchmarkPanel::start);

    int status = 0;
    if (options.quitAfterMs >= 0 || !options.screenshot.isEmpty()) {
        const int after = options.quitAfterMs >= 0 ? options.quitAfterMs : 1500;
        QTimer::singleShot(after, &window, [&] {
            if (!options.screenshot.isEmpty() && !saveScreenshot(window, options.screenshot))
                status = 1;
            if (options.quitAfterMs >= 0) window.close();
        });
    }
    const int rc = QApplication::exec();
    return status ? status : rc;
}

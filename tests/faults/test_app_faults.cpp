// The desktop app facing faults (label `faults`, docs/RELIABILITY.md), on the offscreen platform:
//  - a corrupted settings file (garbage text, binary bytes, huge values, a lastModel that was
//    deleted or truncated): the main window still comes up with a model and says what happened;
//  - a model file deleted or truncated between load and reload: a clear error naming the file,
//    the previous model stays loaded and usable (sliders, inference);
//  - an FPGA that fails mid-benchmark (XRT noop emulation + SPARSELAB_FPGA_FAIL_AFTER_RUNS, set
//    by ctest): the benchmark finishes on the CPU fallback and says so.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QRandomGenerator>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QtTest>
#include <chrono>

#include "../widgets/test_support.h"
#include "core/audio/audio_file.h"
#include "core/onnx_model.h"
#include "fpga/fpga_backend.h"
#ifdef SPARSELAB_HAVE_XRT
#include "fpga/xclbin_writer.h"
#endif
#include "main_window.h"
#include "resource_paths.h"
#include "widgets/benchmark_panel.h"
#include "widgets/input_panel.h"
#include "widgets/model_controller.h"

using namespace sparselab;

class TestAppFaults : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void corruptedSettingsStillStart_data();
    void corruptedSettingsStillStart();
    void vanishedOrTruncatedModelKeepsThePreviousOne();
    void fpgaFailingMidBenchmarkFallsBackToTheCpu();

  private:
    QString settingsFile() const { return QSettings().fileName(); }
    QString writeModel(const QString& name, uint32_t seed);
};

void TestAppFaults::initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("SparseLab"));
    QCoreApplication::setApplicationName(QStringLiteral("sparselab-faults"));
    // ctest points XDG_CONFIG_HOME into the build tree: never touch a real user's settings.
    QVERIFY2(settingsFile().startsWith(qEnvironmentVariable("XDG_CONFIG_HOME")) &&
                 !qEnvironmentVariable("XDG_CONFIG_HOME").isEmpty(),
             qPrintable(settingsFile()));
}

QString TestAppFaults::writeModel(const QString& name, uint32_t seed) {
    const QString path = test::scratchDir() + QLatin1Char('/') + name;
    saveOnnx(*test::sparseGscModel(seed), path.toStdString());
    return path;
}

void TestAppFaults::corruptedSettingsStillStart_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("expected");  // what the status bar must mention ("" = nothing)

    QTest::newRow("garbage text") << QByteArray(
                                         "[General\nlastModel=\"unterminated\n=\n[[[]]]\n"
                                         "geometry=@ByteArray(\\xzz)\ntab=eleven\n")
                                  << QString();
    QByteArray binary(64 * 1024, '\0');
    QRandomGenerator rng(7);
    for (char& c : binary) c = char(rng.bounded(256));
    QTest::newRow("binary bytes") << binary << QFileInfo(settingsFile()).fileName();

    // 20,000 recent files and an 8 MB geometry/theme/device: nothing may take seconds or
    // flood the menu (the recent list is capped).
    QByteArray huge = "[General]\nrecentModels=";
    for (int i = 0; i < 20000; ++i) huge += "/no/such/model" + QByteArray::number(i) + ".onnx, ";
    huge += "/last.onnx\ngeometry=@ByteArray(" + QByteArray(8 << 20, 'A') + ")\n";
    huge += "theme=" + QByteArray(1 << 20, 'x') + "\ntab=2147483647\n";
    huge += "benchmark\\threads=99999999999\nbenchmark\\batch=-5\n";
    huge += "[live]\ndevice=" + QByteArray(1 << 20, 'd') + "\n";
    QTest::newRow("huge values") << huge << QString();

    const QString deleted = writeModel(QStringLiteral("deleted-last.onnx"), 3);
    QVERIFY(QFile::remove(deleted));
    QTest::newRow("lastModel deleted")
        << QByteArray("[General]\nlastModel=") + deleted.toUtf8() + "\n"
        << QStringLiteral("deleted-last.onnx");

    const QString truncated = writeModel(QStringLiteral("truncated-last.onnx"), 4);
    QFile f(truncated);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.resize(f.size() / 3));
    f.close();
    QTest::newRow("lastModel truncated")
        << QByteArray("[General]\nlastModel=") + truncated.toUtf8() + "\n"
        << QStringLiteral("truncated-last.onnx");
}

void TestAppFaults::corruptedSettingsStillStart() {
    QFETCH(QByteArray, contents);
    QFETCH(QString, expected);
    const QString file = settingsFile();
    QDir().mkpath(QFileInfo(file).absolutePath());
    QFile::remove(file);
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    QCOMPARE(out.write(contents), qint64(contents.size()));
    out.close();

    const auto t0 = std::chrono::steady_clock::now();
    MainWindow window;
    QSignalSpy errors(&window, &MainWindow::errorShown);
    window.openInitialModel(QString(), false);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    QVERIFY2(seconds < 20.0, qPrintable(QString::number(seconds)));

    // A model is in place: the bundled default, else the generated one (no source path).
    const ModelPtr model = window.controller()->model();
    QVERIFY(model);
    const QString source = window.controller()->sourcePath();
    const QStringList bundled = bundledModels();
    QVERIFY2(source.isEmpty() || bundled.contains(source), qPrintable(source));
    if (!bundled.isEmpty()) QCOMPARE(source, bundled.first());

    const QString status = window.statusBar()->currentMessage();
    qInfo("%s: started in %.2f s, model %s, status: %s", QTest::currentDataTag(), seconds,
          qPrintable(QFileInfo(source).fileName()), qPrintable(status.left(300)));
    if (!expected.isEmpty()) QVERIFY2(status.contains(expected), qPrintable(status));
    if (QByteArray(QTest::currentDataTag()).startsWith("lastModel"))  // ... and what opened instead
        QVERIFY2(status.contains(QFileInfo(source).fileName()), qPrintable(status));
    if (QByteArray(QTest::currentDataTag()) == "lastModel truncated") {
        // The loader's own reason was shown as a (non-modal) error too, naming the file.
        QCOMPARE(errors.size(), 1);
        QVERIFY2(window.lastError().contains(expected), qPrintable(window.lastError()));
    }
    if (QByteArray(QTest::currentDataTag()) == "huge values") {
        const auto menus = window.menuBar()->findChildren<QMenu*>();
        for (QMenu* m : menus) QVERIFY2(m->actions().size() <= 20, qPrintable(m->title()));
    }
    // And the window works: a clip is analysed with the model that was loaded.
    const QString wav = test::scratchDir() + QStringLiteral("/settings-tone.wav");
    writeWav16(wav.toStdString(), test::testTone(500.0), 16000);
    QSignalSpy shown(&window, &MainWindow::resultShown);
    QVERIFY(window.inputPanel()->openFile(wav));
    QVERIFY(shown.wait(20000));
}

void TestAppFaults::vanishedOrTruncatedModelKeepsThePreviousOne() {
    QFile::remove(settingsFile());
    MainWindow window;
    window.show();
    const QString path = writeModel(QStringLiteral("reloaded.onnx"), 5);
    QVERIFY(window.openModel(path));
    const ModelPtr base = window.controller()->baseModel();
    QVERIFY(base);
    const QString title = window.windowTitle();
    QFile original(path);
    QVERIFY(original.open(QIODevice::ReadOnly));
    const QByteArray bytes = original.readAll();
    original.close();

    auto expectKept = [&](const char* what) {
        QSignalSpy errors(&window, &MainWindow::errorShown);
        QVERIFY2(!window.openModel(path), what);
        QCOMPARE(errors.size(), 1);
        const QString message = window.lastError();
        qInfo("%s: %s", what, qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("reloaded.onnx")), qPrintable(message));
        QCOMPARE(window.controller()->baseModel(), base);  // the very same model object
        QCOMPARE(window.controller()->sourcePath(), path);
        QCOMPARE(window.windowTitle(), title);
    };
    QVERIFY(QFile::remove(path));
    expectKept("deleted");
    for (const qsizetype keep : {bytes.size() / 2, qsizetype(16), qsizetype(0)}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(bytes.left(keep));
        f.close();
        expectKept(qPrintable(QStringLiteral("truncated to %1 bytes").arg(keep)));
    }

    // The kept model is fully usable: a slider change derives a new model from it...
    QSignalSpy changed(window.controller(), &ModelController::modelChanged);
    SparsitySettings s = window.controller()->settings();
    s.weightSparsityAll = 0.95;
    window.controller()->setSettings(s);
    QVERIFY(changed.wait(20000));
    QVERIFY(window.controller()->model() != base);
    QCOMPARE(window.controller()->baseModel(), base);
    // ... and a clip is analysed with it.
    const QString wav = test::scratchDir() + QStringLiteral("/reload-tone.wav");
    writeWav16(wav.toStdString(), test::testTone(300.0), 16000);
    QSignalSpy shown(&window, &MainWindow::resultShown);
    QVERIFY(window.inputPanel()->openFile(wav));
    QVERIFY(shown.wait(20000));
}

void TestAppFaults::fpgaFailingMidBenchmarkFallsBackToTheCpu() {
#ifndef SPARSELAB_HAVE_XRT
    QSKIP("built without XRT");
#else
    const QString xclbin = qEnvironmentVariable("SPARSELAB_XCLBIN");
    QVERIFY2(
        !xclbin.isEmpty() && qEnvironmentVariable("XCL_EMULATION_MODE") == "noop" &&
            qEnvironmentVariableIntValue("SPARSELAB_FPGA_FAIL_AFTER_RUNS") > 0,
        "ctest sets XCL_EMULATION_MODE=noop, SPARSELAB_XCLBIN, SPARSELAB_FPGA_FAIL_AFTER_RUNS");
    writeMetadataOnlyXclbin(xclbin.toStdString(), 1);
    const BackendRegistry registry = makeDefaultRegistry();
    QVERIFY2(registry.require("fpga").status().available,
             registry.require("fpga").status().reason.c_str());

    BenchmarkPanel panel(&registry);
    panel.resize(900, 600);
    panel.setModel(test::sparseGscModel(6));
    const int fpga = panel.backendCombo()->findData(QStringLiteral("fpga"), Qt::UserRole);
    QVERIFY(fpga >= 0);
    panel.backendCombo()->setCurrentIndex(fpga);
    panel.secondsSpin()->setValue(0.5);
    QSignalSpy finished(&panel, &BenchmarkPanel::finished);
    QSignalSpy failed(&panel, &BenchmarkPanel::failed);
    panel.start();
    QVERIFY(finished.wait(30000));
    QVERIFY(!panel.rows().empty());
    for (const BenchmarkRow& r : panel.rows()) QVERIFY(r.runs > 0);  // timing went on (CPU)
    QVERIFY(failed.size() >= 1);
    const QString message = failed.first().at(0).toString();
    qInfo("benchmark note: %s", qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("injected device failure")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("CPU")), qPrintable(message));
#endif
}

QTEST_MAIN(TestAppFaults)
#include "test_app_faults.moc"

// A vanishing audio device under the running app (label `faults`, docs/RELIABILITY.md): the real
// MainWindow goes live on a private PulseAudio daemon's null-sink monitor; the daemon is killed
// (the device disappears mid-stream) and started again. The Live panel must say the device is
// gone, the app keeps running (a slider still derives and swaps a new model while live input
// waits), and live windows flow again once the device is back, without pressing anything.
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

#include "../widgets/test_support.h"
#include "main_window.h"
#include "widgets/input_panel.h"
#include "widgets/live_panel.h"
#include "widgets/microphone_source.h"
#include "widgets/model_controller.h"

using namespace sparselab;

class TestLiveDevice : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void deviceVanishesAndComesBack();

  private:
    bool run(const QString& program, const QStringList& args, int timeoutMs = 15000);
    bool startDaemon();
    QTemporaryDir m_dir;
    bool m_daemon = false;
};

bool TestLiveDevice::run(const QString& program, const QStringList& args, int timeoutMs) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) return false;
    if (p.exitCode() != 0) qWarning().noquote() << program << p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool TestLiveDevice::startDaemon() {
    m_daemon =
        run(QStringLiteral("pulseaudio"),
            {"--daemonize=yes", "-n", "--exit-idle-time=-1", "--disallow-exit",
             "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=vsink"});
    return m_daemon && run(QStringLiteral("pactl"), {"set-default-source", "vsink.monitor"});
}

void TestLiveDevice::initTestCase() {
    if (QStandardPaths::findExecutable(QStringLiteral("pulseaudio")).isEmpty() ||
        QStandardPaths::findExecutable(QStringLiteral("pactl")).isEmpty())
        QSKIP("pulseaudio/pactl not installed");
    QVERIFY(m_dir.isValid());
    qputenv("XDG_RUNTIME_DIR", m_dir.path().toLocal8Bit());  // a private daemon, found by no one
    qputenv("HOME", m_dir.path().toLocal8Bit());             // else and finding no other one
    qunsetenv("PULSE_SERVER");
    QCoreApplication::setOrganizationName(QStringLiteral("SparseLab"));
    QCoreApplication::setApplicationName(QStringLiteral("sparselab-faults-live"));
    QSettings().remove(QStringLiteral("live/device"));  // the default input
}

void TestLiveDevice::cleanupTestCase() {
    if (m_daemon) run(QStringLiteral("pulseaudio"), {"--kill"});
}

void TestLiveDevice::deviceVanishesAndComesBack() {
    QVERIFY(startDaemon());
    MainWindow window;
    window.show();
    window.controller()->setBaseModel(test::sparseGscModel(8), QString(), false);
    QTRY_VERIFY(window.controller()->model() != nullptr);
    auto* mic = window.findChild<MicrophoneSource*>();
    QVERIFY(mic);
    int windows = 0;
    connect(mic, &MicrophoneSource::windowReady, this, [&](const LiveWindow&) { ++windows; });
    QStringList statuses;
    connect(mic, &MicrophoneSource::statusChanged, this,
            [&](const LiveStatus& s) { statuses << s.message; });
    LivePanel* live = window.livePanel();
    InputPanel* input = window.inputPanel();

    auto* button = input->findChild<QPushButton*>(QStringLiteral("liveButton"));
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(input->isLive());
    QTRY_VERIFY_WITH_TIMEOUT(live->statusText().contains(QLatin1String("apturing")), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(windows >= 5, 20000);  // the monitor delivers after ~2 s
    qInfo("live: %d windows; status: %s", windows, qPrintable(live->statusText()));

    // The device disappears mid-stream.
    QVERIFY(run(QStringLiteral("pulseaudio"), {"--kill"}));
    m_daemon = false;
    QTRY_VERIFY_WITH_TIMEOUT(
        live->statusText().contains(QLatin1String("lost"), Qt::CaseInsensitive), 20000);
    const QString gone = live->statusText();
    qInfo("device gone: %s", qPrintable(gone));
    QVERIFY(
        window.statusBar()->currentMessage().contains(QLatin1String("lost"), Qt::CaseInsensitive));
    QVERIFY(window.lastError().isEmpty());  // a status, not an error box
    QVERIFY(input->isLive());               // still live: waiting for the device
    QTest::qWait(1500);
    const int duringOutage = windows;
    QTest::qWait(1500);
    QCOMPARE(windows, duringOutage);  // nothing is invented while there is no device

    // The app keeps working meanwhile: a slider moves, a new model is derived and swapped into
    // the waiting live worker.
    QSignalSpy changed(window.controller(), &ModelController::modelChanged);
    SparsitySettings settings = window.controller()->settings();
    settings.activationDensityAll = 0.5;
    window.controller()->setSettings(settings);
    QVERIFY(changed.wait(20000));
    QVERIFY(input->isLive());

    // The device comes back: capture resumes by itself.
    QVERIFY(startDaemon());
    QTRY_VERIFY_WITH_TIMEOUT(live->statusText().contains(QLatin1String("apturing")), 30000);
    const int before = windows;
    QTRY_VERIFY_WITH_TIMEOUT(windows >= before + 5, 20000);
    qInfo("device back: %d new windows; statuses seen: %s", windows - before,
          qPrintable(statuses.join(QStringLiteral(" | ")).left(1200)));

    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY(!input->isLive());
    QTRY_VERIFY_WITH_TIMEOUT(
        live->statusText().contains(QLatin1String("stopped"), Qt::CaseInsensitive), 10000);
}

QTEST_MAIN(TestLiveDevice)
#include "test_live_device.moc"

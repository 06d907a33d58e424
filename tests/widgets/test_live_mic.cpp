// The live-microphone worker through a real audio path: a private PulseAudio daemon with a null
// sink whose monitor is the default source, a clip played into it with paplay, captured by
// PortAudio in MicrophoneWorker's thread. Silence before, a loud level while the word plays.
// Label `mic` (needs pulseaudio + paplay; skipped when they are missing).
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>

#include "core/onnx_model.h"
#include "fpga/fpga_backend.h"
#include "test_support.h"
#include "widgets/microphone_source.h"

using namespace sparselab;

class TestLiveMic : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void capturesAPlayedClip();

  private:
    bool run(const QString& program, const QStringList& args, int timeoutMs = 15000);
    QTemporaryDir m_dir;
    bool m_daemon = false;
};

bool TestLiveMic::run(const QString& program, const QStringList& args, int timeoutMs) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) return false;
    if (p.exitCode() != 0) qWarning().noquote() << program << p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

void TestLiveMic::initTestCase() {
    if (QStandardPaths::findExecutable(QStringLiteral("pulseaudio")).isEmpty() ||
        QStandardPaths::findExecutable(QStringLiteral("paplay")).isEmpty())
        QSKIP("pulseaudio/paplay not installed");
    QVERIFY(m_dir.isValid());
    qputenv("XDG_RUNTIME_DIR", m_dir.path().toLocal8Bit());
    qputenv("HOME", m_dir.path().toLocal8Bit());
    qunsetenv("PULSE_SERVER");
    QVERIFY(run(QStringLiteral("pulseaudio"),
                {"--daemonize=yes", "-n", "--exit-idle-time=-1", "--disallow-exit",
                 "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=vsink"}));
    m_daemon = true;
    QVERIFY(run(QStringLiteral("pactl"), {"set-default-source", "vsink.monitor"}));
}

void TestLiveMic::cleanupTestCase() {
    if (m_daemon) run(QStringLiteral("pulseaudio"), {"--kill"});
}

void TestLiveMic::capturesAPlayedClip() {
    const BackendRegistry registry = makeDefaultRegistry();
    MicrophoneSource source(&registry);
    source.setDevice(QString());  // the default input: the null sink's monitor
    const QString trained =
        QStringLiteral(SPARSELAB_SOURCE_DIR "/resources/models/digits-sparse.onnx");
    source.setModel(QFile::exists(trained)
                        ? std::make_shared<const Model>(loadOnnx(trained.toStdString()))
                        : test::sparseGscModel(2));
    QSignalSpy samples(&source, &AudioSource::samplesReady);
    QSignalSpy detections(&source, &MicrophoneSource::detected);
    QList<LiveWindow> windows;
    connect(&source, &MicrophoneSource::windowReady, this,
            [&](const LiveWindow& w) { windows << w; });
    QString status;
    connect(&source, &MicrophoneSource::statusChanged, this,
            [&](const LiveStatus& s) { status = s.message; });

    QVERIFY(source.start());
    QTRY_VERIFY_WITH_TIMEOUT(status.contains(QLatin1String("apturing")), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(windows.size() >= 5, 15000);  // the monitor delivers after ~2 s
    float silentMax = -200.0f;
    for (const LiveWindow& w : windows) silentMax = std::max(silentMax, w.result.levelDb);
    QVERIFY2(silentMax < -60.0f, qPrintable(QString::number(silentMax)));
    const qsizetype before = windows.size();

    const QString clip = QStringLiteral(SPARSELAB_SOURCE_DIR "/resources/clips/three_0.wav");
    QVERIFY(run(QStringLiteral("paplay"), {clip}));
    QTest::qWait(1500);  // the word's last windows and the detector's averaging
    float loudMax = -200.0f;
    for (qsizetype i = before; i < windows.size(); ++i)
        loudMax = std::max(loudMax, windows[i].result.levelDb);
    QVERIFY2(loudMax > -40.0f, qPrintable(QString::number(loudMax)));
    QVERIFY(windows.last().cpuLoad > 0.0);
    // Detections are not required (the bundled model may be an interim checkpoint), but any
    // detection must be the word that was played.
    double inferenceMs = 0;
    for (const LiveWindow& w : windows) inferenceMs += w.result.inferenceMs;
    qInfo("%lld windows, mean inference %.2f ms, CPU %.2f %% of a core, loudest %.1f dBFS",
          static_cast<long long>(windows.size()), inferenceMs / double(windows.size()),
          windows.last().cpuLoad * 100, double(loudMax));
    for (const QList<QVariant>& d : detections) {
        const Detection det = d.at(0).value<Detection>();
        qInfo("detected '%s' score %.2f, end to end %.0f ms", det.word.c_str(), double(det.score),
              det.latencyMs);
        QCOMPARE(QString::fromStdString(det.word), QStringLiteral("three"));
    }
    source.stop();
    QTRY_VERIFY(status.contains(QLatin1String("stopped")));
}

QTEST_MAIN(TestLiveMic)
#include "test_live_mic.moc"

// The live-microphone wiring with no audio device at all (CI): the Live button (and Ctrl+L)
// says clearly that there is no input device, keeps retrying, and the clip path still
// classifies; the live readout panel shows what the worker sends.
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QtTest>
#include <cmath>

#include "core/audio/audio_file.h"
#include "core/stream/streaming_detector.h"
#include "fpga/fpga_backend.h"
#include "main_window.h"
#include "test_support.h"
#include "widgets/audio_features.h"
#include "widgets/inference_worker.h"
#include "widgets/input_panel.h"
#include "widgets/live_panel.h"
#include "widgets/microphone_source.h"
#include "widgets/model_controller.h"

using namespace sparselab;

class TestLiveInput : public QObject {
    Q_OBJECT
  private slots:
    void livePanelShowsWindowsAndDetections();
    void noDeviceSaysSoAndClipsStillClassify();
};

void TestLiveInput::livePanelShowsWindowsAndDetections() {
    LivePanel panel;
    LiveWindow w;
    w.result.levelDb = -23.4f;
    w.result.inferenceMs = 3.25;
    w.cpuLoad = 0.0213;
    w.meanLatencyMs = 87.0;
    panel.addWindow(w);
    panel.flush();
    auto* level = panel.findChild<QProgressBar*>();
    QVERIFY(level);
    QCOMPARE(level->value(), -23);  // truncated towards zero, dBFS
    const QString figures = panel.findChild<QLabel*>(QStringLiteral("liveFigures"))->text();
    QVERIFY2(figures.contains(QLatin1String("inference 3.2 ms")) ||
                 figures.contains(QLatin1String("inference 3.3 ms")),
             qPrintable(figures));
    QVERIFY2(figures.contains(QLatin1String("end to end 87 ms")), qPrintable(figures));
    QVERIFY2(figures.contains(QLatin1String("CPU 2.1 %")), qPrintable(figures));
    // History: newest first, at most 12 entries.
    for (int i = 0; i < 15; ++i) {
        Detection d;
        d.word = "w";
        d.word += std::to_string(i);
        d.score = 0.9f;
        panel.addDetection(d);
    }
    const QStringList h = panel.history();
    QCOMPARE(h.size(), 12);
    QVERIFY2(h.first().contains(QLatin1String("w14")), qPrintable(h.first()));
    QVERIFY2(h.last().contains(QLatin1String("w3")), qPrintable(h.last()));
    // A stopped stream drops the level to the floor.
    LiveStatus stopped;
    stopped.message = QStringLiteral("Live input stopped.");
    panel.setStatus(stopped);
    QCOMPARE(level->value(), level->minimum());
    QCOMPARE(panel.statusText(), stopped.message);
}

void TestLiveInput::noDeviceSaysSoAndClipsStillClassify() {
    MainWindow window;
    window.show();
    window.controller()->setBaseModel(test::sparseGscModel(5), QString(), false);
    QTRY_VERIFY(window.controller()->model() != nullptr);
    InputPanel* input = window.inputPanel();
    auto* live = input->findChild<QPushButton*>(QStringLiteral("liveButton"));
    QVERIFY(live);
    QVERIFY(live->isEnabled());
    QCOMPARE(live->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_L));

    QTest::mouseClick(live, Qt::LeftButton);
    QVERIFY(input->isLive());
    QVERIFY(live->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(window.livePanel()->statusText().contains(
                                 QLatin1String("no audio input device"), Qt::CaseInsensitive),
                             20000);
    QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("no audio input device"),
                                                          Qt::CaseInsensitive));
    QVERIFY(window.lastError().isEmpty());  // a status, not an error box
    QTest::qWait(600);                      // several hops pass: nothing is analysed from silence
    QVERIFY(input->isLive());

    // A 1 s tone, exactly one window long, through the clip path while live is waiting.
    const QString wav = test::scratchDir() + QStringLiteral("/live-tone.wav");
    writeWav16(wav.toStdString(), test::testTone(330.0), 16000);
    QSignalSpy shown(&window, &MainWindow::resultShown);
    QVERIFY(input->openFile(wav));
    QVERIFY(!input->isLive());  // the clip replaced the live input
    QVERIFY(!live->isChecked());
    QVERIFY(shown.wait(15000));
    const auto result = shown.last().at(0).value<InferenceResult>();
    QCOMPARE(result.source, QStringLiteral("live-tone.wav"));
    // Independent path: the streaming detector (the live pipeline) on the same second.
    const BackendRegistry registry = makeDefaultRegistry();
    StreamingConfig config;
    config.hopMs = 1000;
    StreamingDetector detector(prepareBestCpu(registry, window.controller()->model()), config);
    const std::vector<float> samples = loadAudioSamples(wav, 16000);
    QCOMPARE(samples.size(), size_t(16000));
    const std::vector<WindowResult> windows = detector.push(samples);
    QCOMPARE(windows.size(), size_t(1));
    QCOMPARE(result.probabilities.size(), windows[0].scores.size());
    for (size_t i = 0; i < windows[0].scores.size(); ++i)
        QVERIFY2(std::abs(result.probabilities[i] - windows[0].scores[i]) < 1e-4f,
                 qPrintable(QStringLiteral("class %1: %2 vs %3")
                                .arg(i)
                                .arg(result.probabilities[i])
                                .arg(windows[0].scores[i])));

    // Ctrl+L toggles live again; pressing it again stops it and says so.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
    QTRY_VERIFY(input->isLive());
    QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
    QTRY_VERIFY(!input->isLive());
    QTRY_VERIFY_WITH_TIMEOUT(
        window.livePanel()->statusText().contains(QLatin1String("stopped"), Qt::CaseInsensitive),
        10000);
}

QTEST_MAIN(TestLiveInput)
#include "test_live_input.moc"

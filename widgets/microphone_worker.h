#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <memory>
#include <vector>

#include "core/backend.h"
#include "core/model.h"
#include "core/stream/streaming_detector.h"
#include "widgets/model_controller.h"

class QTimer;

namespace sparselab {

class AudioCapture;
class StreamResampler;

/// What the live microphone is doing, for the status line (value type).
struct LiveStatus {
    enum class State { Stopped, WaitingForDevice, Running, Error };
    State state = State::Stopped;
    QString message;  ///< in words: "no input device …", "capturing from …", "lost …"
    QString device;   ///< device in use or wanted
};

/// One classified live window plus running figures (value type, sent over queued signals).
struct LiveWindow {
    WindowResult result;
    std::vector<std::string> labels;  ///< class names in output order
    double cpuLoad = 0.0;             ///< fraction of one core spent in features + model
    double meanLatencyMs = 0.0;       ///< end-to-end latency averaged over detections so far
};

/// The live-microphone pipeline off the GUI thread: AudioCapture (PortAudio callback -> lock-free
/// ring) -> StreamResampler (device rate -> 16 kHz) -> StreamingDetector on the current model.
/// Lives on its own QThread (every PortAudio call happens there); a 20 ms timer drains the ring.
/// Call its slots through queued connections; everything it emits is a value type.
class MicrophoneWorker : public QObject {
    Q_OBJECT
  public:
    /// `registry` must outlive the worker (the best CPU executor is prepared from it).
    explicit MicrophoneWorker(const BackendRegistry* registry, QObject* parent = nullptr);
    ~MicrophoneWorker() override;

  public slots:
    /// Opens `device` ("" = default input; see CaptureOptions::device) and starts detecting.
    /// Never fails hard: with no device it reports WaitingForDevice and keeps retrying.
    void start(QString device);
    void stop();
    /// Swaps the model (atomically from the worker's view: the next window uses it).
    void setModel(sparselab::ModelPtr model);
    /// Lists the input devices; emits devicesListed.
    void listDevices();

  signals:
    /// 16 kHz mono samples in arrival order (for the waveform and the activation path).
    void samplesReady(const QVector<float>& block);
    void windowReady(const sparselab::LiveWindow& window);
    void detected(const sparselab::Detection& detection);
    void statusChanged(const sparselab::LiveStatus& status);
    /// Device names as CaptureOptions::device accepts them; `error` when PortAudio failed.
    void devicesListed(const QStringList& names, const QString& error);

  private:
    void drain();
    void rebuildDetector();
    void reportCapture();
    void report(LiveStatus::State state, const QString& message);

    const BackendRegistry* m_registry;
    QTimer* m_timer;
    ModelPtr m_model;
    std::unique_ptr<AudioCapture> m_capture;
    std::unique_ptr<StreamResampler> m_resampler;
    std::unique_ptr<StreamingDetector> m_detector;
    int m_generation = -1;
    std::vector<float> m_raw, m_resampled;
    QString m_device;
};

}  // namespace sparselab

Q_DECLARE_METATYPE(sparselab::LiveStatus)
Q_DECLARE_METATYPE(sparselab::LiveWindow)
Q_DECLARE_METATYPE(sparselab::Detection)

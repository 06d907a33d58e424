#pragma once

#include <QSettings>
#include <QThread>

#include "widgets/audio_source.h"
#include "widgets/microphone_worker.h"

namespace sparselab {

/// The live microphone as an AudioSource for InputPanel: owns a MicrophoneWorker on its own
/// QThread and forwards its value-type signals to the GUI thread. The chosen device is
/// remembered in QSettings ("live/device"). GUI thread only.
class MicrophoneSource : public AudioSource {
    Q_OBJECT
  public:
    /// `registry` must outlive the source.
    explicit MicrophoneSource(const BackendRegistry* registry, QObject* parent = nullptr);
    ~MicrophoneSource() override;

    QString displayName() const override;
    /// Starts capture on the chosen device; returns true (with no device the worker reports
    /// "no input device" through statusChanged and keeps retrying).
    bool start() override;
    void stop() override;
    bool isRunning() const { return m_running; }

    /// "" = the default input. Saved in QSettings; applies from the next start().
    void setDevice(const QString& device);
    QString device() const { return m_device; }
    /// Asks the worker for the device list (answer: devicesListed).
    void refreshDevices();
    /// The model the detector runs; swapped without stopping.
    void setModel(sparselab::ModelPtr model);

  signals:
    void windowReady(const sparselab::LiveWindow& window);
    void detected(const sparselab::Detection& detection);
    void statusChanged(const sparselab::LiveStatus& status);
    void devicesListed(const QStringList& names, const QString& error);

  private:
    QThread m_thread;
    MicrophoneWorker* m_worker;
    QString m_device;
    bool m_running = false;
};

}  // namespace sparselab

#pragma once

#include <QWidget>

#include "widgets/microphone_worker.h"

class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QToolButton;

namespace sparselab {

class RepaintCoalescer;

/// The live-microphone readout under the input panel: device picker, status line (no device /
/// lost / recovered), input level meter, the detected word and its history, inference and
/// end-to-end latency and CPU load. Fed by MicrophoneSource's value signals; repaints are
/// coalesced (~40 ms). GUI thread only.
class LivePanel : public QWidget {
    Q_OBJECT
  public:
    explicit LivePanel(QWidget* parent = nullptr);

    /// The status line's text (tests).
    QString statusText() const;
    /// Detected words, newest first (tests).
    QStringList history() const;
    /// Selects `device` in the picker without emitting deviceChosen ("" = default input).
    void setCurrentDevice(const QString& device);

  public slots:
    void setDevices(const QStringList& names, const QString& error);
    void setStatus(const sparselab::LiveStatus& status);
    void addWindow(const sparselab::LiveWindow& window);
    void addDetection(const sparselab::Detection& detection);
    /// Applies a pending coalesced repaint now.
    void flush();

  signals:
    /// The user picked a device ("" = default input).
    void deviceChosen(const QString& device);
    void refreshRequested();

  private:
    void refresh();

    QComboBox* m_devices;
    QToolButton* m_refresh;
    QLabel* m_status;
    QProgressBar* m_level;
    QLabel* m_word;
    QListWidget* m_history;
    QLabel* m_figures;
    RepaintCoalescer* m_coalescer;
    LiveWindow m_last;
    bool m_haveWindow = false;
};

}  // namespace sparselab

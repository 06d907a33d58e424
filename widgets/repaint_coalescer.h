#pragma once

#include <QObject>
#include <QTimer>
#include <functional>

namespace sparselab {

/// Collapses bursts of "data changed" notifications into one refresh at most every `intervalMs`
/// (PlotJuggler's ~40 ms single-shot timer). GUI thread only.
class RepaintCoalescer : public QObject {
    Q_OBJECT
  public:
    /// `refresh` runs on the GUI thread, once per burst.
    RepaintCoalescer(std::function<void()> refresh, QObject* parent, int intervalMs = 40);

    /// Schedules a refresh unless one is already pending.
    void request();
    /// Runs a pending refresh now (tests, screenshots).
    void flush();
    bool isPending() const { return m_timer.isActive(); }

  private:
    std::function<void()> m_refresh;
    QTimer m_timer;
};

}  // namespace sparselab

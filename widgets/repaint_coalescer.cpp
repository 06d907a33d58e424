#include "repaint_coalescer.h"

namespace sparselab {

RepaintCoalescer::RepaintCoalescer(std::function<void()> refresh, QObject* parent, int intervalMs)
    : QObject(parent), m_refresh(std::move(refresh)) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { m_refresh(); });
}

void RepaintCoalescer::request() {
    if (!m_timer.isActive()) m_timer.start();
}

void RepaintCoalescer::flush() {
    if (!m_timer.isActive()) return;
    m_timer.stop();
    m_refresh();
}

}  // namespace sparselab

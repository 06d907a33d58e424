#pragma once

#include <QObject>
#include <QString>
#include <QVector>

namespace sparselab {

/// The seam for live input (the live-microphone module implements it): anything that delivers
/// 16 kHz mono sample blocks on the GUI thread. InputPanel::attachSource() connects one; the
/// panel keeps a sliding 1 s window and analyses it every hop.
class AudioSource : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;
    /// Shown in the input list ("Microphone: default").
    virtual QString displayName() const = 0;
    /// Starts delivering blocks; returns false and emits failed() when it cannot.
    virtual bool start() = 0;
    virtual void stop() = 0;

  signals:
    /// A block of 16 kHz mono samples in [-1, 1], in arrival order.
    void samplesReady(const QVector<float>& block);
    void failed(const QString& message);
};

}  // namespace sparselab

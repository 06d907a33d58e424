#include "microphone_source.h"

namespace sparselab {

namespace {
const QString kDeviceKey = QStringLiteral("live/device");
}

MicrophoneSource::MicrophoneSource(const BackendRegistry* registry, QObject* parent)
    : AudioSource(parent),
      m_worker(new MicrophoneWorker(registry)),
      m_device(QSettings().value(kDeviceKey).toString()) {
    // The settings file is user-editable: a device name no audio API produces (a megabyte of
    // text made the device list's size hint, and so the window, absurdly wide) means the default.
    if (m_device.size() > 256 || m_device.contains(QChar(0))) m_device.clear();
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &MicrophoneWorker::samplesReady, this, &AudioSource::samplesReady);
    connect(m_worker, &MicrophoneWorker::windowReady, this, &MicrophoneSource::windowReady);
    connect(m_worker, &MicrophoneWorker::detected, this, &MicrophoneSource::detected);
    connect(m_worker, &MicrophoneWorker::statusChanged, this, &MicrophoneSource::statusChanged);
    connect(m_worker, &MicrophoneWorker::devicesListed, this, &MicrophoneSource::devicesListed);
    m_thread.setObjectName(QStringLiteral("microphone"));
    m_thread.start();
}

MicrophoneSource::~MicrophoneSource() {
    QMetaObject::invokeMethod(m_worker, "stop", Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

QString MicrophoneSource::displayName() const {
    return tr("Microphone: %1").arg(m_device.isEmpty() ? tr("default") : m_device);
}

bool MicrophoneSource::start() {
    m_running = true;
    QMetaObject::invokeMethod(m_worker, "start", Qt::QueuedConnection, Q_ARG(QString, m_device));
    return true;
}

void MicrophoneSource::stop() {
    m_running = false;
    QMetaObject::invokeMethod(m_worker, "stop", Qt::QueuedConnection);
}

void MicrophoneSource::setDevice(const QString& device) {
    m_device = device;
    QSettings().setValue(kDeviceKey, device);
}

void MicrophoneSource::refreshDevices() {
    QMetaObject::invokeMethod(m_worker, "listDevices", Qt::QueuedConnection);
}

void MicrophoneSource::setModel(ModelPtr model) {
    QMetaObject::invokeMethod(m_worker, "setModel", Qt::QueuedConnection,
                              Q_ARG(sparselab::ModelPtr, std::move(model)));
}

}  // namespace sparselab

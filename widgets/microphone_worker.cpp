#include "microphone_worker.h"

#include <QTimer>

#include "core/capture/audio_capture.h"
#include "core/stream/stream_resampler.h"
#include "widgets/inference_worker.h"

namespace sparselab {

namespace {
constexpr int kDrainMs = 20;
}

MicrophoneWorker::MicrophoneWorker(const BackendRegistry* registry, QObject* parent)
    : QObject(parent), m_registry(registry), m_timer(new QTimer(this)), m_raw(8192) {
    qRegisterMetaType<sparselab::LiveStatus>();
    qRegisterMetaType<sparselab::LiveWindow>();
    qRegisterMetaType<sparselab::Detection>();
    m_timer->setInterval(kDrainMs);
    connect(m_timer, &QTimer::timeout, this, &MicrophoneWorker::drain);
}

MicrophoneWorker::~MicrophoneWorker() {
    if (m_capture) m_capture->stop();
}

void MicrophoneWorker::start(QString device) {
    stop();
    m_device = device;
    rebuildDetector();
    if (!m_detector) return;  // rebuildDetector reported why
    CaptureOptions options;
    options.device = device.toStdString();
    m_capture = std::make_unique<AudioCapture>(options);
    m_capture->start();
    m_generation = -1;
    reportCapture();
    m_timer->start();
}

void MicrophoneWorker::stop() {
    m_timer->stop();
    if (!m_capture) return;
    m_capture->stop();
    m_capture.reset();
    m_resampler.reset();
    report(LiveStatus::State::Stopped, tr("Live input stopped."));
}

void MicrophoneWorker::setModel(ModelPtr model) {
    m_model = std::move(model);
    if (m_capture) rebuildDetector();
}

void MicrophoneWorker::rebuildDetector() {
    m_detector.reset();
    if (!m_model) {
        report(LiveStatus::State::Error, tr("No model loaded: load one to detect words live."));
        return;
    }
    try {
        m_detector = std::make_unique<StreamingDetector>(prepareBestCpu(*m_registry, m_model));
    } catch (const std::exception& e) {
        report(LiveStatus::State::Error,
               tr("The model cannot run live: %1").arg(QString::fromUtf8(e.what())));
    }
    m_resampler.reset();
}

void MicrophoneWorker::listDevices() {
    std::string error;
    QStringList names;
    for (const AudioDeviceInfo& d : listAudioInputs(&error))
        names << QString::fromStdString(d.name);
    emit devicesListed(names, QString::fromStdString(error));
}

void MicrophoneWorker::report(LiveStatus::State state, const QString& message) {
    LiveStatus s;
    s.state = state;
    s.message = message;
    s.device = m_device.isEmpty() ? tr("default input") : m_device;
    emit statusChanged(s);
}

void MicrophoneWorker::reportCapture() {
    const CaptureStatus cs = m_capture->status();
    const auto state = cs.state == CaptureState::Running ? LiveStatus::State::Running
                                                         : LiveStatus::State::WaitingForDevice;
    QString message = QString::fromStdString(cs.message);
    if (state == LiveStatus::State::WaitingForDevice && !message.contains(QLatin1String("device")))
        message = tr("No input device: %1").arg(message);
    if (!message.isEmpty()) message[0] = message[0].toUpper();
    report(state, message);
}

void MicrophoneWorker::drain() {
    if (!m_capture) return;
    if (m_capture->poll()) reportCapture();
    if (m_capture->status().state != CaptureState::Running || !m_detector) return;
    if (m_capture->streamGeneration() != m_generation) {
        m_generation = m_capture->streamGeneration();
        m_resampler.reset();
    }
    AudioRingBuffer& ring = m_capture->ring();
    m_resampled.clear();
    try {
        for (size_t n; (n = ring.read(m_raw.data(), m_raw.size())) > 0;) {
            if (!m_resampler)
                m_resampler = std::make_unique<StreamResampler>(m_capture->sampleRate(),
                                                                m_detector->sampleRate());
            m_resampler->process({m_raw.data(), n}, m_resampled);
        }
        if (m_resampled.empty()) return;
        emit samplesReady(QVector<float>(m_resampled.begin(), m_resampled.end()));
        const auto arrival = m_capture->lastCallbackTime();
        for (WindowResult& r : m_detector->push(m_resampled, arrival)) {
            LiveWindow w;
            w.labels = m_detector->labels().labels();
            w.cpuLoad = m_detector->stats().cpuLoad();
            w.meanLatencyMs = m_detector->stats().meanLatencyMs;
            if (r.detection) emit detected(*r.detection);
            w.result = std::move(r);
            emit windowReady(w);
        }
    } catch (const std::exception& e) {
        m_detector.reset();
        report(LiveStatus::State::Error, tr("Live detection stopped: %1").arg(e.what()));
    }
}

}  // namespace sparselab

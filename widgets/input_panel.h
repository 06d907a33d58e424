#pragma once

#include <QVector>
#include <QWidget>

#include "core/tensor.h"

class QCustomPlot;
class QCPColorMap;
class QListWidget;
class QPushButton;
class QTimer;

namespace sparselab {

class AudioSource;

/// The input side: sample clips, "open audio file", a live source (microphone) when attached,
/// the waveform and the log-mel spectrogram the network sees. Emits audioReady for every clip,
/// and every hop while a live source runs; everything downstream is the same pipeline.
class InputPanel : public QWidget {
    Q_OBJECT
  public:
    explicit InputPanel(QWidget* parent = nullptr);

    /// Lists the *.wav files of `dir` as sample clips.
    void setClipDirectory(const QString& dir);
    /// WAV files currently listed (for the evaluation set).
    QStringList clipFiles() const;
    /// Adds a live source (not owned) to the panel's "Live" button.
    void attachSource(AudioSource* source);
    /// True while the live source runs (the Live button is down).
    bool isLive() const;
    /// Samples of the clip on screen (16 kHz mono).
    const QVector<float>& samples() const { return m_samples; }

  public slots:
    /// Loads an audio file (any format libsndfile reads), shows it and emits audioReady;
    /// emits failed() with a message naming the file when it cannot be read.
    bool openFile(const QString& path);
    /// Shows the features the network received: [nMels, frames], rows low to high bands.
    void setFeatures(const sparselab::Tensor& features);
    /// Live input: appends 16 kHz samples to the sliding 1 s window.
    void appendLiveSamples(const QVector<float>& block);
    /// Starts or stops the attached live source (the Live button, Ctrl+L).
    void toggleLive();

  signals:
    void audioReady(const QVector<float>& samples, const QString& source);
    void failed(const QString& message);
    /// The Live button started (true) or stopped (false) the live source.
    void liveToggled(bool on);

  private:
    void showWaveform();

    QListWidget* m_clips;
    QPushButton* m_openButton;
    QPushButton* m_liveButton;
    QCustomPlot* m_waveform;
    QCustomPlot* m_spectrogram;
    QCPColorMap* m_colorMap;
    QTimer* m_hopTimer;
    AudioSource* m_source = nullptr;
    QVector<float> m_samples;
    bool m_liveFresh = false;  ///< live samples arrived since the last hop
    QString m_dir;
};

}  // namespace sparselab

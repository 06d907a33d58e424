#include "benchmark_panel.h"

#include <qcustomplot.h>
#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/model_stats.h"
#include "widgets/repaint_coalescer.h"
#include "widgets/theme.h"

namespace sparselab {

QString modeName(ExecutionMode mode) {
    const auto s = toString(mode);
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

namespace {
QColor modeColour(ExecutionMode m) {
    switch (m) {
        case ExecutionMode::Dense:
            return QColor(200, 70, 60);
        case ExecutionMode::SparseWeights:
            return QColor(230, 150, 30);
        case ExecutionMode::SparseActivations:
            return QColor(60, 120, 210);
        case ExecutionMode::SparseSparse:
            return QColor(40, 160, 90);
    }
    return Qt::gray;
}
}  // namespace

BenchmarkPanel::BenchmarkPanel(const BackendRegistry* registry, QWidget* parent)
    : QWidget(parent),
      m_registry(registry),
      m_backend(new QComboBox(this)),
      m_threads(new QSpinBox(this)),
      m_batch(new QSpinBox(this)),
      m_seconds(new QDoubleSpinBox(this)),
      m_run(new QPushButton(tr("Run benchmark"), this)),
      m_export(new QPushButton(tr("Export…"), this)),
      m_chart(new QCustomPlot(this)),
      m_table(new QTableWidget(this)),
      m_status(new QLabel(this)),
      m_replot(
          new RepaintCoalescer([this] { m_chart->replot(QCustomPlot::rpQueuedReplot); }, this)),
      m_worker(new BenchmarkWorker(registry)) {
    qRegisterMetaType<sparselab::BenchmarkRequest>();
    qRegisterMetaType<QVector<sparselab::BenchmarkSample>>();
    qRegisterMetaType<QVector<sparselab::BenchmarkSummary>>();
    qRegisterMetaType<sparselab::ExecutionMode>();
    auto* items = new QStandardItemModel(m_backend);
    for (const Backend* b : registry->all()) {
        const BackendStatus st = b->status();
        auto* item = new QStandardItem(
            st.available ? QString::fromStdString(b->name())
                         : tr("%1 (unavailable)").arg(QString::fromStdString(b->name())));
        item->setData(QString::fromStdString(b->name()), Qt::UserRole);
        item->setToolTip(st.available ? QString::fromStdString(b->description())
                                      : QString::fromStdString(st.reason));
        if (!st.available)
            item->setFlags(item->flags() & ~(Qt::ItemIsEnabled | Qt::ItemIsSelectable));
        items->appendRow(item);
    }
    m_backend->setModel(items);
    // Start on the available backend that offers the most modes (cpu-sparse over cpu-dense).
    size_t bestModes = 0;
    for (int i = 0; i < int(registry->all().size()); ++i) {
        const Backend* b = registry->all()[size_t(i)];
        if (b->status().available && b->modes().size() > bestModes) {
            bestModes = b->modes().size();
            m_backend->setCurrentIndex(i);
        }
    }
    m_backend->setToolTip(
        tr("Where the network runs. Greyed-out backends say why in their "
           "tooltip."));
    auto* modes = new QHBoxLayout;
    for (ExecutionMode m : allExecutionModes()) {
        auto* box = new QCheckBox(modeName(m), this);
        m_modeBoxes[m] = box;
        modes->addWidget(box);
    }
    m_threads->setRange(1, std::max(1, QThread::idealThreadCount()));
    m_batch->setRange(1, 256);
    m_seconds->setRange(0.2, 120);
    m_seconds->setValue(3);
    m_seconds->setSuffix(tr(" s"));
    m_threads->setToolTip(tr("Worker threads; a batch is split between them."));
    m_batch->setToolTip(tr("Clips per run. Latency is reported per clip."));
    auto* form = new QFormLayout;
    form->addRow(tr("Backend"), m_backend);
    form->addRow(tr("Modes"), modes);
    auto* knobs = new QHBoxLayout;
    knobs->addWidget(new QLabel(tr("Threads"), this));
    knobs->addWidget(m_threads);
    knobs->addWidget(new QLabel(tr("Batch"), this));
    knobs->addWidget(m_batch);
    knobs->addWidget(new QLabel(tr("Duration"), this));
    knobs->addWidget(m_seconds);
    knobs->addStretch(1);
    knobs->addWidget(m_run);
    knobs->addWidget(m_export);
    form->addRow(knobs);

    m_chart->setMinimumHeight(200);
    m_chart->xAxis->setLabel(tr("time (s)"));
    m_chart->yAxis->setLabel(tr("latency per clip (ms, log scale)"));
    m_chart->yAxis->setScaleType(QCPAxis::stLogarithmic);  // modes differ by 10x and more
    m_chart->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_chart->legend->setVisible(true);
    const QStringList headers{tr("Mode"),
                              tr("Runs"),
                              tr("Median ms/clip"),
                              tr("Clips/s"),
                              tr("Measured speedup"),
                              tr("MAC-limit speedup")};
    m_table->setColumnCount(int(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setMaximumHeight(160);
    m_table->horizontalHeaderItem(5)->setToolTip(tr(
        "Dense MACs / MACs this mode still computes: the speedup a perfect engine would reach."));
    followPalette(m_chart);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_chart, 1);
    layout->addWidget(m_table);
    layout->addWidget(m_status);

    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("benchmark"));
    m_thread.start();
    connect(m_worker, &BenchmarkWorker::samples, this, &BenchmarkPanel::onSamples);
    connect(m_worker, &BenchmarkWorker::finished, this, &BenchmarkPanel::onFinished);
    connect(m_worker, &BenchmarkWorker::failed, this, [this](const QString& message) {
        setRunning(false);
        m_status->setText(tr("Benchmark failed: %1").arg(message));
        emit failed(message);
    });
    connect(m_worker, &BenchmarkWorker::modeSkipped, this,
            [this](ExecutionMode m, const QString& reason) {
                m_status->setText(tr("%1 skipped: %2").arg(modeName(m), reason));
            });
    connect(m_backend, &QComboBox::currentIndexChanged, this, &BenchmarkPanel::onBackendChanged);
    connect(m_run, &QPushButton::clicked, this, [this] { m_running ? stop() : start(); });
    connect(m_export, &QPushButton::clicked, this, &BenchmarkPanel::exportWithDialog);
    onBackendChanged();
}

BenchmarkPanel::~BenchmarkPanel() {
    m_worker->stop();
    m_thread.quit();
    m_thread.wait();
}

void BenchmarkPanel::setModel(const ModelPtr& model) {
    m_model = model;
}

void BenchmarkPanel::onBackendChanged() {
    const Backend* b =
        m_registry->find(m_backend->currentData(Qt::UserRole).toString().toStdString());
    const auto offered = b ? b->modes() : std::vector<ExecutionMode>{};
    for (auto& [mode, box] : m_modeBoxes) {
        const bool ok = std::find(offered.begin(), offered.end(), mode) != offered.end();
        box->setEnabled(ok);
        box->setChecked(ok);
        box->setToolTip(
            ok ? QString()
               : tr("%1 does not implement %2 (yet)")
                     .arg(b ? QString::fromStdString(b->name()) : QString(), modeName(mode)));
    }
}

bool BenchmarkPanel::isModeEnabled(ExecutionMode mode) const {
    return m_modeBoxes.at(mode)->isEnabled();
}

int BenchmarkPanel::pointCount() const {
    int n = 0;
    for (int i = 0; i < m_chart->graphCount(); ++i) n += m_chart->graph(i)->dataCount();
    return n;
}

void BenchmarkPanel::start() {
    if (m_running || !m_model) return;
    BenchmarkRequest r;
    r.model = m_model;
    r.backend = m_backend->currentData(Qt::UserRole).toString().toStdString();
    for (auto& [mode, box] : m_modeBoxes)
        if (box->isEnabled() && box->isChecked()) r.modes.push_back(mode);
    r.threads = m_threads->value();
    r.batch = m_batch->value();
    r.seconds = m_seconds->value();
    m_chart->clearGraphs();
    m_graphOf.clear();
    for (ExecutionMode m : r.modes) {
        QCPGraph* g = m_chart->addGraph();
        g->setName(modeName(m));
        g->setPen(QPen(modeColour(m), 1.5));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 3));
        m_graphOf[m] = m_chart->graphCount() - 1;
    }
    m_rows.clear();
    m_table->setRowCount(0);
    m_status->setText(tr("Running %1 mode(s) on %2 for %3 s…")
                          .arg(r.modes.size())
                          .arg(QString::fromStdString(r.backend))
                          .arg(r.seconds));
    setRunning(true);
    QMetaObject::invokeMethod(m_worker, "run", Qt::QueuedConnection,
                              Q_ARG(sparselab::BenchmarkRequest, r));
}

void BenchmarkPanel::stop() {
    m_worker->stop();
}

void BenchmarkPanel::setRunning(bool running) {
    m_running = running;
    m_run->setText(running ? tr("Stop") : tr("Run benchmark"));
    m_backend->setEnabled(!running);
    emit runningChanged(running);
}

void BenchmarkPanel::onSamples(const QVector<BenchmarkSample>& samples) {
    for (const BenchmarkSample& s : samples)
        if (auto it = m_graphOf.find(s.mode); it != m_graphOf.end())
            m_chart->graph(it->second)->addData(s.atSeconds, s.msPerSample);
    m_chart->rescaleAxes();
    m_replot->request();
}

void BenchmarkPanel::onFinished(const QVector<BenchmarkSummary>& summaries) {
    const ModelStats stats = computeStats(*m_model);
    double denseMs = 0;
    for (const BenchmarkSummary& s : summaries)
        if (s.mode == ExecutionMode::Dense) denseMs = s.medianMsPerSample;
    m_rows.clear();
    for (const BenchmarkSummary& s : summaries) {
        BenchmarkRow r;
        r.mode = s.mode;
        r.runs = s.runs;
        r.medianMsPerSample = s.medianMsPerSample;
        r.samplesPerSecond = s.samplesPerSecond;
        r.measuredSpeedup =
            denseMs > 0 && s.medianMsPerSample > 0 ? denseMs / s.medianMsPerSample : 0;
        r.macLimitSpeedup = macLimitSpeedup(stats, s.mode);
        m_rows.push_back(r);
    }
    fillTable();
    m_replot->flush();
    m_chart->replot();
    setRunning(false);
    QString text = tr("Done: %1 runs in total.").arg(pointCount());
    for (const BenchmarkSummary& s : summaries)
        if (!s.note.isEmpty())
            text += QLatin1Char(' ') + modeName(s.mode) + QStringLiteral(": ") + s.note;
    m_status->setText(text);
    for (const BenchmarkSummary& s : summaries)
        if (!s.note.isEmpty()) emit failed(modeName(s.mode) + QStringLiteral(": ") + s.note);
    emit finished();
}

void BenchmarkPanel::fillTable() {
    m_table->setRowCount(int(m_rows.size()));
    for (int i = 0; i < int(m_rows.size()); ++i) {
        const BenchmarkRow& r = m_rows[size_t(i)];
        const QStringList cells{modeName(r.mode),
                                QString::number(r.runs),
                                QString::number(r.medianMsPerSample, 'f', 3),
                                QString::number(r.samplesPerSecond, 'f', 0),
                                r.measuredSpeedup > 0
                                    ? QString::number(r.measuredSpeedup, 'f', 2) + "x"
                                    : tr("— (dense not run)"),
                                QString::number(r.macLimitSpeedup, 'f', 1) + "x"};
        for (int c = 0; c < int(cells.size()); ++c)
            m_table->setItem(i, c, new QTableWidgetItem(cells[c]));
    }
}

QString BenchmarkPanel::exportTo(const QString& path, const QString& format) {
    BenchmarkInfo info;
    info.model = m_model ? m_model->name : "";
    info.backend = m_backend->currentData(Qt::UserRole).toString().toStdString();
    info.threads = m_threads->value();
    info.batch = m_batch->value();
    if (format == QLatin1String("csv")) return writeExport(path, benchmarkToCsv(info, m_rows));
    if (format == QLatin1String("json")) return writeExport(path, benchmarkToJson(info, m_rows));
    if (format == QLatin1String("png")) {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        // A hidden panel has no useful size yet: render at least 800x450.
        const QPixmap pixmap =
            m_chart->toPixmap(std::max(m_chart->width(), 800), std::max(m_chart->height(), 450));
        if (!pixmap.save(&buffer, "PNG")) return tr("could not render the chart as PNG");
        return writeExport(path, bytes.toStdString());
    }
    return tr("%1: unknown export format '%2' (use .csv, .json or .png)").arg(path, format);
}

void BenchmarkPanel::exportWithDialog() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export benchmark"), QStringLiteral("benchmark.csv"),
        tr("CSV results (*.csv);;JSON results (*.json);;Chart as PNG (*.png)"));
    if (path.isEmpty()) return;
    const QString error = exportTo(path, QFileInfo(path).suffix().toLower());
    m_status->setText(error.isEmpty() ? tr("Exported %1").arg(path) : error);
    if (!error.isEmpty()) emit failed(error);
}

}  // namespace sparselab

#include "model_controller.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include "core/error.h"
#include "core/onnx_model.h"

namespace sparselab {

ModelController::ModelController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<sparselab::ModelPtr>("sparselab::ModelPtr");
}

bool ModelController::loadFile(const QString& path) {
    try {
        auto model = std::make_shared<Model>(loadOnnx(path.toStdString()));
        model->validate();
        setBaseModel(std::move(model), path, true);
        emit fileLoaded(path);
        return true;
    } catch (const std::exception& e) {
        QString message = QString::fromStdString(e.what());
        if (!message.contains(QFileInfo(path).fileName()))
            message = QStringLiteral("%1: %2").arg(path, message);
        emit loadFailed(message);
        return false;
    }
}

void ModelController::setBaseModel(ModelPtr base, const QString& sourcePath, bool trained) {
    ++m_generation;  // any derivation in flight belongs to the previous model
    m_base = std::move(base);
    m_model = m_base;
    m_denseReference = std::make_shared<const Model>(deriveDenseReference(*m_base));
    m_settings = {};
    m_sourcePath = sourcePath;
    m_trained = trained;
    emit baseModelChanged(m_base);
    emit modelChanged(m_model);
}

void ModelController::setSettings(const SparsitySettings& settings) {
    if (!m_base || settings == m_settings) return;
    m_settings = settings;
    startDerivation();
}

void ModelController::startDerivation() {
    const quint64 generation = ++m_generation;
    ++m_pending;
    using Outcome = std::pair<ModelPtr, QString>;  // the model, or an error message
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
        --m_pending;
        watcher->deleteLater();
        if (generation != m_generation) return;  // superseded by a newer request
        const Outcome outcome = watcher->result();
        if (!outcome.first) {
            emit derivationFailed(outcome.second);
            return;
        }
        m_model = outcome.first;
        emit modelChanged(m_model);
    });
    watcher->setFuture(QtConcurrent::run([base = m_base, settings = m_settings]() -> Outcome {
        try {
            return {std::make_shared<const Model>(deriveSparseModel(*base, settings)), {}};
        } catch (const std::exception& e) {
            return {nullptr, QString::fromStdString(e.what())};
        }
    }));
}

}  // namespace sparselab

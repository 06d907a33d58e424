#include "resource_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace sparselab {

QString resourceDir() {
    const QString env = qEnvironmentVariable("SPARSELAB_RESOURCES");
    if (!env.isEmpty()) return env;
    const QString installed =
        QCoreApplication::applicationDirPath() + QStringLiteral("/../share/sparselab/resources");
    if (QFileInfo::exists(installed)) return QDir(installed).absolutePath();
    return QStringLiteral(SPARSELAB_SOURCE_RESOURCES);
}

QStringList bundledModels() {
    const QDir dir(resourceDir() + QStringLiteral("/models"));
    QStringList out;
    for (const QString& f : dir.entryList({QStringLiteral("*.onnx")}, QDir::Files, QDir::Name))
        out << dir.filePath(f);
    const auto def = std::find_if(out.begin(), out.end(), [](const QString& p) {
        return p.endsWith(QLatin1String("/digits-sparse.onnx"));
    });
    if (def != out.end()) std::rotate(out.begin(), def, def + 1);
    return out;
}

QString clipDir() {
    return resourceDir() + QStringLiteral("/clips");
}

}  // namespace sparselab

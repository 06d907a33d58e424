#pragma once

#include <QString>
#include <QStringList>

namespace sparselab {

/// The folder with models/ and clips/: $SPARSELAB_RESOURCES, else <exe>/../share/sparselab/
/// resources (installed), else the source tree's resources/ (a build folder).
QString resourceDir();
/// The bundled *.onnx models, default first (digits-sparse.onnx when present).
QStringList bundledModels();
/// The bundled sample clips folder.
QString clipDir();

}  // namespace sparselab

#pragma once

#include <QString>
#include <QStringList>

namespace sparselab {

/// Command-line options of the app (demos, scripted screenshots, the e2e test).
struct StartupOptions {
    QString model;           ///< ONNX file to open instead of the last/default model
    QString clip;            ///< audio file to analyse once the window is up
    QString screenshot;      ///< write a PNG of the window here (after --quit-after or 1.5 s)
    int quitAfterMs = -1;    ///< quit after this many ms (screenshot first); -1 = run normally
    QString tab;             ///< "explore", "benchmark" or "model"
    bool benchmark = false;  ///< start a benchmark right away
    double weightSparsity = -1, activationDensity = -1;  ///< initial slider values (fractions)
    QString theme;                                       ///< "system", "light" or "dark"
    bool generated = false;  ///< ignore bundled models: use a generated untrained model
    bool live = false;       ///< press Live (microphone) once the window is up
};

/// Parses QCoreApplication::arguments(); prints help/errors and exits on --help or bad input.
StartupOptions parseStartupOptions(const QStringList& arguments);

}  // namespace sparselab

#pragma once

#include <QString>

namespace sparselab {

/// "system" (the platform's palette, light or dark), "light" or "dark" (Fusion palettes).
/// Applies to the whole QApplication; unknown names fall back to "system".
void applyTheme(const QString& name);

}  // namespace sparselab

class QCustomPlot;

namespace sparselab {

/// Colours a QCustomPlot from its palette (background, axes, grid, labels, legend) now and on
/// every later palette change, so plots follow the light/dark theme.
void followPalette(QCustomPlot* plot);

}  // namespace sparselab

#pragma once

#include <QString>

namespace sparselab {

/// "system" (the platform's palette, light or dark), "light" or "dark" (Fusion palettes).
/// Applies to the whole QApplication; unknown names fall back to "system".
void applyTheme(const QString& name);

}  // namespace sparselab

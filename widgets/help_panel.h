#pragma once

#include <QTextBrowser>

namespace sparselab {

/// A short, static guide to the app and to sparse-sparse networks (F1).
class HelpPanel : public QTextBrowser {
    Q_OBJECT
  public:
    explicit HelpPanel(QWidget* parent = nullptr);
};

}  // namespace sparselab

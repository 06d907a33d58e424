#include "theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace sparselab {

void applyTheme(const QString& name) {
    static const QPalette systemPalette = QApplication::palette();
    if (name == QLatin1String("dark")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        p.setColor(QPalette::Window, QColor(45, 45, 48));
        p.setColor(QPalette::WindowText, QColor(230, 230, 230));
        p.setColor(QPalette::Base, QColor(30, 30, 32));
        p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
        p.setColor(QPalette::Text, QColor(230, 230, 230));
        p.setColor(QPalette::Button, QColor(55, 55, 58));
        p.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        p.setColor(QPalette::Highlight, QColor(42, 130, 218));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
        p.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(130, 130, 130));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(130, 130, 130));
        QApplication::setPalette(p);
    } else if (name == QLatin1String("light")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(QApplication::style()->standardPalette());
    } else {
        QApplication::setPalette(systemPalette);
    }
}

}  // namespace sparselab

#include <qcustomplot.h>
#include <QEvent>

namespace sparselab {

namespace {

void stylePlot(QCustomPlot* plot) {
    const QPalette& p = plot->palette();
    const QColor text = p.color(QPalette::Text), base = p.color(QPalette::Base);
    QColor grid = text;
    grid.setAlphaF(0.18f);
    plot->setBackground(base);
    for (QCPAxis* axis : plot->axisRect()->axes()) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    }
    plot->legend->setBrush(base);
    plot->legend->setTextColor(text);
    plot->legend->setBorderPen(QPen(text));
    plot->replot(QCustomPlot::rpQueuedReplot);
}

/// Restyles its plot whenever the plot's palette changes.
class PaletteFollower : public QObject {
  public:
    explicit PaletteFollower(QCustomPlot* plot) : QObject(plot), m_plot(plot) {}
    bool eventFilter(QObject*, QEvent* event) override {
        if (event->type() == QEvent::PaletteChange) stylePlot(m_plot);
        return false;
    }

  private:
    QCustomPlot* m_plot;
};

}  // namespace

void followPalette(QCustomPlot* plot) {
    stylePlot(plot);
    plot->installEventFilter(new PaletteFollower(plot));
}

}  // namespace sparselab

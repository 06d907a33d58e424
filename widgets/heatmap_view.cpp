#include "heatmap_view.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace sparselab {

QColor heatColour(double t) {
    static const QColor stops[] = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                   QColor(94, 201, 98), QColor(253, 231, 37)};
    t = std::clamp(t, 0.0, 1.0) * 4.0;
    const int i = std::min(3, static_cast<int>(t));
    const double f = t - i;
    const QColor &a = stops[i], &b = stops[i + 1];
    return QColor::fromRgbF(float(a.redF() + f * (b.redF() - a.redF())),
                            float(a.greenF() + f * (b.greenF() - a.greenF())),
                            float(a.blueF() + f * (b.blueF() - a.blueF())));
}

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
    setMinimumSize(160, 160);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void HeatmapView::setActivation(const LayerActivation& activation, const QString& caption) {
    m_activation = activation;
    m_caption = caption;
    render();
    update();
}

void HeatmapView::setHeatmapLayout(HeatmapLayout layout) {
    m_layout = layout;
    render();
    update();
}

void HeatmapView::render() {
    const auto& v = m_activation.values;
    if (v.empty()) {
        m_image = QImage();
        return;
    }
    const QColor zero = palette().color(QPalette::Mid).darker(150);
    float maxAbs = 0;
    for (float x : v) maxAbs = std::max(maxAbs, std::fabs(x));
    auto colourOf = [&](float x) {
        if (x == 0.0f) return zero;
        return heatColour(0.25 + 0.75 * std::fabs(x) / std::max(maxAbs, 1e-12f));
    };
    const Shape& s = m_activation.shape;
    if (s.size() == 3 && m_layout == HeatmapLayout::ChannelSum) {
        const int c = int(s[0]), h = int(s[1]), w = int(s[2]);
        std::vector<float> sum(size_t(h) * w, 0.0f);
        for (int ch = 0; ch < c; ++ch)
            for (int i = 0; i < h * w; ++i) sum[size_t(i)] += std::fabs(v[size_t(ch) * h * w + i]);
        const float mx = std::max(1e-12f, *std::max_element(sum.begin(), sum.end()));
        m_image = QImage(w, h, QImage::Format_RGB32);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const float t = sum[size_t(y) * w + x];
                m_image.setPixelColor(x, y, t == 0 ? zero : heatColour(0.25 + 0.75 * t / mx));
            }
        return;
    }
    // Channel grid for [C,H,W] (1-pixel gaps), unit grid for anything else.
    const int c = s.size() == 3 ? int(s[0]) : 1;
    const int h = s.size() == 3 ? int(s[1]) : 1, w = s.size() == 3 ? int(s[2]) : 1;
    const int tiles = s.size() == 3 ? c : int(v.size());
    const int cols = std::max(1, int(std::ceil(std::sqrt(double(tiles)))));
    const int rows = (tiles + cols - 1) / cols;
    const int gap = s.size() == 3 ? 1 : 0;
    m_image = QImage(cols * (w + gap), rows * (h + gap), QImage::Format_RGB32);
    m_image.fill(palette().color(QPalette::Window));
    for (int t = 0; t < tiles; ++t) {
        const int ox = (t % cols) * (w + gap), oy = (t / cols) * (h + gap);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                m_image.setPixelColor(ox + x, oy + y, colourOf(v[size_t(t) * h * w + y * w + x]));
    }
}

void HeatmapView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const int captionHeight = fontMetrics().height() + 4;
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(4, 0, width() - 8, captionHeight), Qt::AlignLeft | Qt::AlignVCenter,
               m_caption);
    if (m_image.isNull()) {
        p.drawText(rect(), Qt::AlignCenter, tr("no activations yet"));
        return;
    }
    const QRect area(0, captionHeight, width(), height() - captionHeight);
    const QSize scaled = m_image.size().scaled(area.size(), Qt::KeepAspectRatio);
    const QRect target(area.x() + (area.width() - scaled.width()) / 2,
                       area.y() + (area.height() - scaled.height()) / 2, scaled.width(),
                       scaled.height());
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // crisp cells at any DPI
    p.drawImage(target, m_image);
}

}  // namespace sparselab

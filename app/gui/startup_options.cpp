#include "startup_options.h"

#include <QCommandLineParser>
#include <cstdio>
#include <cstdlib>

namespace sparselab {

StartupOptions parseStartupOptions(const QStringList& arguments) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "SparseLab: explore and benchmark sparse-sparse keyword-spotting networks."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption model({"m", "model"}, "Open this ONNX model.", "file");
    const QCommandLineOption clip({"c", "clip"}, "Analyse this audio file on start.", "file");
    const QCommandLineOption shot("screenshot", "Save a PNG of the main window.", "png");
    const QCommandLineOption quit("quit-after", "Quit after this many milliseconds.", "ms");
    const QCommandLineOption tab("tab", "Start on this tab: explore, benchmark or model.", "tab");
    const QCommandLineOption bench("benchmark", "Start a benchmark right away.");
    const QCommandLineOption ws("weight-sparsity", "Initial weight sparsity in percent.", "pct");
    const QCommandLineOption ad("activation-density", "Initial winner density in percent.", "pct");
    const QCommandLineOption theme("theme", "system, light or dark.", "name");
    const QCommandLineOption gen("generated", "Use a generated (untrained) model.");
    const QCommandLineOption live("live", "Start listening to the microphone right away.");
    p.addOptions({model, clip, shot, quit, tab, bench, ws, ad, theme, gen, live});
    p.process(arguments);

    auto fail = [](const QString& message) {
        std::fprintf(stderr, "sparselab: error: %s\n", qPrintable(message));
        std::exit(2);
    };
    StartupOptions o;
    o.model = p.value(model);
    o.clip = p.value(clip);
    o.screenshot = p.value(shot);
    o.tab = p.value(tab);
    o.benchmark = p.isSet(bench);
    o.theme = p.value(theme);
    o.generated = p.isSet(gen);
    o.live = p.isSet(live);
    bool ok = true;
    if (p.isSet(quit) && ((o.quitAfterMs = p.value(quit).toInt(&ok)), !ok || o.quitAfterMs < 0))
        fail(QStringLiteral("--quit-after wants a number of milliseconds, got '%1'")
                 .arg(p.value(quit)));
    if (!o.tab.isEmpty() && !QStringList{"explore", "benchmark", "model"}.contains(o.tab))
        fail(QStringLiteral("--tab wants explore, benchmark or model, got '%1'").arg(o.tab));
    auto percent = [&](const QCommandLineOption& opt, double& out) {
        if (!p.isSet(opt)) return;
        const double v = p.value(opt).toDouble(&ok);
        if (!ok || v < 0 || v > 100)
            fail(QStringLiteral("--%1 wants a percentage 0-100, got '%2'")
                     .arg(opt.names().first(), p.value(opt)));
        out = v / 100.0;
    };
    percent(ws, o.weightSparsity);
    percent(ad, o.activationDensity);
    return o;
}

}  // namespace sparselab

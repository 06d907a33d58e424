// sparselab-cli: the headless front end. Each subcommand lives in its own cmd_*.cpp.
#include <iostream>

#include "commands.h"
#include "core/error.h"
#include "fpga/fpga_backend.h"

int main(int argc, char** argv) {
    using namespace sparselab;
    cli::CliContext ctx{makeDefaultRegistry()};
    CLI::App app{
        "SparseLab command line: inspect, run and benchmark sparse GSC keyword-spotting models"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "sparselab-cli 0.1.0");
    cli::registerInfoCommand(app, ctx);
    cli::registerInferCommand(app, ctx);
    cli::registerDevicesCommand(app, ctx);
    cli::registerMakeModelCommand(app, ctx);
    cli::registerFeaturesCommand(app, ctx);
    cli::registerEvalCommand(app, ctx);
    cli::registerBenchCommand(app, ctx);
    cli::registerPruneCommand(app, ctx);
    cli::registerTrainCommand(app, ctx);
    cli::registerListenCommand(app, ctx);
    cli::registerFpgaCommand(app, ctx);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const Error& e) {
        std::cerr << "sparselab-cli: error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "sparselab-cli: internal error: " << e.what() << '\n';
        return 2;
    }
    return 0;
}

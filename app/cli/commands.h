#pragma once

#include "cli_support.h"

/// Each subcommand registers itself on the root CLI::App; main() calls these in order.
namespace sparselab::cli {

void registerInfoCommand(CLI::App& app, CliContext& ctx);
void registerInferCommand(CLI::App& app, CliContext& ctx);
void registerDevicesCommand(CLI::App& app, CliContext& ctx);
void registerMakeModelCommand(CLI::App& app, CliContext& ctx);
void registerFeaturesCommand(CLI::App& app, CliContext& ctx);
void registerEvalCommand(CLI::App& app, CliContext& ctx);
void registerBenchCommand(CLI::App& app, CliContext& ctx);
void registerPruneCommand(CLI::App& app, CliContext& ctx);
void registerTrainCommand(CLI::App& app, CliContext& ctx);
void registerListenCommand(CLI::App& app, CliContext& ctx);
void registerFpgaCommand(CLI::App& app, CliContext& ctx);

}  // namespace sparselab::cli

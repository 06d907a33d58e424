// sparselab-cli devices: the compute backends and whether each can be used now.
#include <cstdio>

#include "commands.h"

namespace sparselab::cli {

void registerDevicesCommand(CLI::App& app, CliContext& ctx) {
    auto* cmd = app.add_subcommand(
        "devices", "List compute backends (and audio inputs) and whether they are usable");
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *json, "Machine-readable output on stdout");
    cmd->callback([json, &ctx] {
        Json backends = Json::array();
        for (const Backend* b : ctx.registry.all()) {
            const BackendStatus s = b->status();
            std::vector<std::string> modes;
            for (ExecutionMode m : b->modes()) modes.emplace_back(toString(m));
            backends.push_back({{"name", b->name()},
                                {"description", b->description()},
                                {"available", s.available},
                                {"reason", s.reason},
                                {"modes", modes}});
            if (!*json) {
                std::string modeList;
                for (const auto& m : modes) modeList += (modeList.empty() ? "" : ", ") + m;
                std::printf("%-11s %-3s %s%s%s\n", b->name().c_str(), s.available ? "yes" : "no",
                            b->description().c_str(),
                            s.available ? (" [" + modeList + "]").c_str() : "",
                            s.available ? "" : (" — unavailable: " + s.reason).c_str());
            }
        }
        if (*json) printJson(Json{{"backends", backends}});
    });
}

}  // namespace sparselab::cli

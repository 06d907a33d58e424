// sparselab-cli devices: the compute backends and whether each can be used now.
#include <cstdio>

#include "commands.h"
#include "core/capture/audio_capture.h"

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
        // Audio inputs (issue 7): what `listen --device` accepts, by index or name.
        std::string audioError;
        const std::vector<AudioDeviceInfo> inputs = listAudioInputs(&audioError);
        Json audio = Json::array();
        if (!*json) std::printf("\naudio inputs:\n");
        for (const AudioDeviceInfo& d : inputs) {
            audio.push_back({{"index", d.index},
                             {"name", d.name},
                             {"host_api", d.hostApi},
                             {"channels", d.maxInputChannels},
                             {"default_rate", d.defaultSampleRate},
                             {"default", d.isDefault}});
            if (!*json)
                std::printf("  %2d%s %-28s %-6s %d ch, %.0f Hz\n", d.index, d.isDefault ? "*" : " ",
                            d.name.c_str(), d.hostApi.c_str(), d.maxInputChannels,
                            d.defaultSampleRate);
        }
        if (!*json && inputs.empty())
            std::printf("  none%s\n", audioError.empty() ? " (no microphone or sound server)"
                                                         : (" (" + audioError + ")").c_str());
        if (*json) printJson(Json{{"backends", backends}, {"audio_inputs", audio}});
    });
}

}  // namespace sparselab::cli

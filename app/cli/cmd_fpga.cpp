// sparselab-cli fpga: the FPGA backend's tools (issue 9).
//   fpga estimate     cycles and words/s from the kernel's loop structure (an ESTIMATE)
//   fpga check        int8 vs float agreement, and the HLS kernel (C-simulation) vs the int8
//                     reference, bit for bit
//   fpga run          run on a card through XRT with host timers
//   fpga noop-xclbin  write the metadata-only xclbin used with XCL_EMULATION_MODE=noop
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "core/error.h"
#include "core/quant/int8_reference.h"
#include "fpga/fpga_backend.h"
#include "fpga/hls/gsc_kernel.h"
#include "fpga/kernel_program.h"
#include "fpga/performance_model.h"
#ifdef SPARSELAB_HAVE_XRT
#include "fpga/xclbin_writer.h"
#endif

namespace sparselab::cli {

namespace {

/// Calibration (or check) inputs: feature files when given, synthetic log-mel-like ones otherwise.
Tensor inputsFor(const Model& m, const std::vector<std::string>& files, int synthetic,
                 uint32_t seed) {
    if (files.empty()) return quant::syntheticCalibrationInputs(m, synthetic, seed);
    Shape s{int64_t(files.size())};
    s.insert(s.end(), m.inputShape.begin(), m.inputShape.end());
    Tensor t(s);
    const int64_t per = numel(m.inputShape);
    for (size_t i = 0; i < files.size(); ++i) {
        const Tensor one = readFeatures(files[i], m);
        std::copy(one.data(), one.data() + per, t.data() + int64_t(i) * per);
    }
    return t;
}

Json estimateJson(const PerformanceEstimate& e) {
    Json layers = Json::array();
    for (const auto& l : e.layers)
        layers.push_back({{"name", l.name},
                          {"operation", l.operation},
                          {"active_inputs", l.activeInputs},
                          {"cycles", l.cycles},
                          {"formula", l.formula}});
    return {{"kernel", std::string(toString(e.variant))},
            {"cycles_per_inference", e.cyclesPerInference},
            {"latency_us", e.latencyMicroseconds},
            {"words_per_second", e.wordsPerSecond},
            {"layers", layers}};
}

void registerEstimate(CLI::App& parent) {
    auto* cmd = parent.add_subcommand(
        "estimate",
        "ESTIMATE cycles per inference and words/s of the dense and sparse-sparse "
        "kernels from their loop trip counts (not a measurement)");
    struct Args {
        std::string model;
        PerformanceParams p;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("model", a->model, "ONNX model")->required();
    cmd->add_option("--clock", a->p.clockMHz, "Kernel clock in MHz")->capture_default_str();
    cmd->add_option("--cus", a->p.computeUnits, "Compute units running in parallel")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    cmd->add_option("--lanes", a->p.lanes, "int8 MACs per cycle per CU (SPARSELAB_HLS_LANES)")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--scan", a->p.scanWidth, "Activations scanned per cycle (SPARSELAB_HLS_SCAN)")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_flag("--json", a->json, "Machine-readable output");
    cmd->callback([a] {
        const ModelPtr model = loadModel(a->model);
        const auto qm = quant::quantizeModel(*model, quant::syntheticCalibrationInputs(*model, 8));
        std::vector<PerformanceEstimate> est;
        for (KernelVariant v : {KernelVariant::Dense, KernelVariant::SparseSparse})
            est.push_back(estimatePerformance(compileKernelProgram(qm, v), a->p));
        if (a->json) {
            Json pub = Json::array();
            for (const auto& p : numentaPublishedThroughput())
                pub.push_back({{"platform", p.platform},
                               {"network", p.network},
                               {"words_per_second", p.wordsPerSecond}});
            printJson({{"estimate", true},
                       {"clock_mhz", a->p.clockMHz},
                       {"compute_units", a->p.computeUnits},
                       {"lanes", a->p.lanes},
                       {"dense", estimateJson(est[0])},
                       {"sparse_sparse", estimateJson(est[1])},
                       {"numenta_published", pub}});
            return;
        }
        std::printf(
            "ESTIMATE (performance model, not a measurement): %s at %.0f MHz, %d CU(s), "
            "%d lanes\n",
            model->name.c_str(), a->p.clockMHz, a->p.computeUnits, a->p.lanes);
        for (const auto& e : est) {
            std::printf("\n%s kernel: %lld cycles/inference, %.1f us, estimated %.0f words/s\n",
                        std::string(toString(e.variant)).c_str(),
                        static_cast<long long>(e.cyclesPerInference), e.latencyMicroseconds,
                        e.wordsPerSecond);
            for (const auto& l : e.layers)
                std::printf("  %-18s %-16s %10lld  %s\n", l.name.c_str(), l.operation.c_str(),
                            static_cast<long long>(l.cycles), l.formula.c_str());
        }
        std::printf("\nestimated sparse-sparse / dense: %.1fx\n",
                    est[1].wordsPerSecond / est[0].wordsPerSecond);
        std::printf("Numenta's published measurements (words/s):\n");
        for (const auto& p : numentaPublishedThroughput())
            std::printf("  %-32s %-15s %10.0f\n", p.platform.c_str(), p.network.c_str(),
                        p.wordsPerSecond);
    });
}

void registerCheck(CLI::App& parent) {
    auto* cmd = parent.add_subcommand(
        "check",
        "Quantise to int8, compare with float, and run the HLS kernel's C-simulation "
        "against the int8 reference bit for bit");
    struct Args {
        std::string model;
        std::vector<std::string> calibration, inputs;
        int samples = 8;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("model", a->model, "ONNX model")->required();
    cmd->add_option("--calibration", a->calibration,
                    "Feature files (raw float32) to calibrate on; default: synthetic inputs");
    cmd->add_option("--inputs", a->inputs, "Feature files to check on; default: synthetic inputs");
    cmd->add_option("--samples", a->samples, "Synthetic inputs to check on")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->add_flag("--json", a->json, "Machine-readable output");
    cmd->callback([a] {
        const ModelPtr model = loadModel(a->model);
        const auto qm = quant::quantizeModel(*model, inputsFor(*model, a->calibration, 8, 7));
        const Tensor inputs = inputsFor(*model, a->inputs, a->samples, 12345);
        const quant::Int8Agreement agree = quant::measureAgreement(qm, inputs);
        const int64_t per = numel(model->inputShape), n = inputs.size() / per;
        std::vector<int8_t> q;
        std::vector<int32_t> reference;
        for (int64_t b = 0; b < n; ++b) {
            auto s =
                quant::quantizeInput(qm, inputs.values().subspan(size_t(b * per), size_t(per)));
            auto l = quant::runInt8Logits(qm, s);
            q.insert(q.end(), s.begin(), s.end());
            reference.insert(reference.end(), l.begin(), l.end());
        }
        Json kernels = Json::array();
        bool allExact = true;
        for (KernelVariant v : {KernelVariant::Dense, KernelVariant::SparseSparse}) {
            const KernelProgram kp = compileKernelProgram(qm, v);
            std::vector<int32_t> logits(reference.size(), 0);
            sparselab_gsc(kp.program.data(), kp.weights.data(), q.data(), logits.data(), int(n));
            int64_t mismatches = 0;
            for (size_t i = 0; i < logits.size(); ++i) mismatches += logits[i] != reference[i];
            allExact = allExact && mismatches == 0;
            kernels.push_back({{"kernel", std::string(toString(v))},
                               {"logits", logits.size()},
                               {"mismatches", mismatches}});
        }
        if (a->json) {
            printJson({{"samples", agree.samples},
                       {"same_label", agree.sameLabel},
                       {"max_logit_error", agree.maxLogitError},
                       {"logit_range", agree.logitRange},
                       {"float_labels", agree.floatLabels},
                       {"int8_labels", agree.int8Labels},
                       {"csim", kernels},
                       {"bit_exact", allExact}});
        } else {
            std::printf(
                "int8 vs float on %lld %s input(s): same label %lld, max logit error "
                "%.4f (float logits span +-%.4f)\n",
                static_cast<long long>(agree.samples), a->inputs.empty() ? "synthetic" : "given",
                static_cast<long long>(agree.sameLabel), agree.maxLogitError, agree.logitRange);
            for (const auto& k : kernels)
                std::printf("HLS C-simulation, %s kernel: %s (%lld of %lld logits differ)\n",
                            k["kernel"].get<std::string>().c_str(),
                            k["mismatches"].get<int64_t>() == 0 ? "bit-exact" : "MISMATCH",
                            static_cast<long long>(k["mismatches"].get<int64_t>()),
                            static_cast<long long>(k["logits"].get<int64_t>()));
        }
        if (!allExact) throw Error("HLS kernel C-simulation differs from the int8 reference");
    });
}

void registerRun(CLI::App& parent) {
    auto* cmd = parent.add_subcommand(
        "run", "Run a model on an FPGA card through XRT and time it with host timers");
    struct Args {
        std::string model, xclbin, mode = "sparse-sparse";
        std::vector<std::string> calibration;
        unsigned device = 0;
        int cus = 0, batch = 64, repeat = 10;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("model", a->model, "ONNX model")->required();
    cmd->add_option("--xclbin", a->xclbin,
                    "xclbin built by fpga/hls/Makefile (default: "
                    "$SPARSELAB_XCLBIN)");
    cmd->add_option("--mode", a->mode, "dense or sparse-sparse")->capture_default_str();
    cmd->add_option("--device", a->device, "XRT device index")->capture_default_str();
    cmd->add_option("--cus", a->cus, "Compute units to use (0 = all in the xclbin)")
        ->capture_default_str();
    cmd->add_option("--batch", a->batch, "Inputs per run call")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--repeat", a->repeat, "Run calls to time")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--calibration", a->calibration, "Feature files to calibrate int8 scales on");
    cmd->add_flag("--json", a->json, "Machine-readable output");
    cmd->callback([a] {
        const ModelPtr model = loadModel(a->model);
        FpgaSettings s;
        s.xclbin = a->xclbin;
        s.deviceIndex = a->device;
        s.computeUnits = a->cus;
        if (!a->calibration.empty()) s.calibration = inputsFor(*model, a->calibration, 0, 0);
        BackendRegistry registry = BackendRegistry::withCpuBackends();
        addFpgaBackend(registry, s);
        const auto mode = parseExecutionMode(a->mode);
        if (!mode) throw Error("unknown mode '" + a->mode + "' (use dense or sparse-sparse)");
        auto exec = registry.require("fpga").prepare(model, {*mode, 1});
        auto& fpga = dynamic_cast<FpgaExecutor&>(*exec);
        const Tensor inputs = quant::syntheticCalibrationInputs(*model, a->batch, 99);
        for (int r = 0; r < a->repeat; ++r) exec->run(inputs);
        const FpgaRunStats st = fpga.stats();
        if (a->json) {
            printJson({{"device", fpga.deviceDescription()},
                       {"mode", a->mode},
                       {"inferences", st.inferences},
                       {"kernel_runs", st.kernelRuns},
                       {"compute_units", st.computeUnits},
                       {"latency_ms", st.latencyMilliseconds()},
                       {"inferences_per_second", st.inferencesPerSecond()},
                       {"device_seconds", st.deviceSeconds},
                       {"failed_over", st.failedOver},
                       {"message", st.message}});
            return;
        }
        std::printf(
            "%s\n%lld inferences in %lld kernel runs on %d CU(s): %.3f ms per inference, "
            "%.0f inferences/s (measured, host timers; device part %.3f s)\n",
            fpga.deviceDescription().c_str(), static_cast<long long>(st.inferences),
            static_cast<long long>(st.kernelRuns), st.computeUnits, st.latencyMilliseconds(),
            st.inferencesPerSecond(), st.deviceSeconds);
        if (st.failedOver) std::printf("note: %s\n", st.message.c_str());
        if (const char* emu = std::getenv("XCL_EMULATION_MODE"))
            std::printf(
                "note: XCL_EMULATION_MODE=%s: no fabric ran; these times are host and "
                "runtime overhead, not FPGA performance\n",
                emu);
    });
}

void registerNoopXclbin(CLI::App& parent) {
    auto* cmd = parent.add_subcommand(
        "noop-xclbin", "Write a metadata-only xclbin (no bitstream) for XCL_EMULATION_MODE=noop");
    auto out = std::make_shared<std::string>();
    auto cus = std::make_shared<int>(1);
    cmd->add_option("--out,-o", *out, "Output .xclbin")->required();
    cmd->add_option("--cus", *cus, "Compute units")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    cmd->callback([out, cus] {
#ifdef SPARSELAB_HAVE_XRT
        writeMetadataOnlyXclbin(*out, *cus);
        std::printf("wrote %s: sparselab_gsc with %d CU(s), no bitstream (noop emulation only)\n",
                    out->c_str(), *cus);
#else
        throw Error("FPGA: not built (configure with -DSPARSELAB_WITH_FPGA=ON)");
#endif
    });
}

}  // namespace

void registerFpgaCommand(CLI::App& app, CliContext&) {
    auto* fpga = app.add_subcommand("fpga",
                                    "FPGA backend tools: estimate, check, run, "
                                    "noop-xclbin (see docs/FPGA.md)");
    fpga->require_subcommand(1);
    registerEstimate(*fpga);
    registerCheck(*fpga);
    registerRun(*fpga);
    registerNoopXclbin(*fpga);
}

}  // namespace sparselab::cli

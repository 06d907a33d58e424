#include "performance_model.h"

#include <algorithm>

#include "core/error.h"
#include "fpga/hls/gsc_kernel.h"

namespace sparselab {

namespace hls = sparselab_hls;

namespace {

int64_t ceilDiv(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

std::string str(int64_t v) {
    return std::to_string(v);
}

}  // namespace

PerformanceEstimate estimatePerformance(const KernelProgram& program,
                                        const PerformanceParams& params) {
    if (params.clockMHz <= 0 || params.computeUnits < 1 || params.lanes < 1 ||
        params.scanWidth < 1 || params.pipelineDepth < 0)
        throw Error(
            "performance model: clock, compute units, lanes and scan width must be "
            "positive");
    PerformanceEstimate e;
    e.variant = program.variant;
    e.params = params;
    const int64_t L = params.lanes, S = params.scanWidth, D = params.pipelineDepth;

    // Loading the sample: S int8 values per cycle.
    e.layers.push_back({"input", "load", program.inputSize, ceilDiv(program.inputSize, S) + D,
                        "ceil(" + str(program.inputSize) + "/" + str(S) + ") + " + str(D)});
    int64_t active = program.inputSize;  // non-zero activations entering the next layer
    for (const KernelLayerInfo& l : program.layers) {
        LayerEstimate le;
        le.name = l.name;
        le.activeInputs = active;
        const int64_t out = l.outputUnits, in = l.inputUnits;
        switch (l.opcode) {
            case hls::kOpConvDense:
            case hls::kOpLinearDense: {
                // Per output: the pipelined MAC loop, L lanes wide, refilled for every output.
                le.operation = l.opcode == hls::kOpConvDense ? "conv-dense" : "linear-dense";
                le.cycles = out * (ceilDiv(l.patch, L) + D);
                le.formula =
                    str(out) + " x (ceil(" + str(l.patch) + "/" + str(L) + ") + " + str(D) + ")";
                active = out;
                break;
            }
            case hls::kOpConvPacked:
            case hls::kOpLinearPacked: {
                // Bias init and requantise L per cycle, a scan S per cycle, then per non-zero
                // input the taps loop (II 1) routing `slots` products L at a time.
                le.operation = l.opcode == hls::kOpConvPacked ? "conv-packed" : "linear-packed";
                const int64_t perInput = l.kernelTaps * ceilDiv(l.slots, L) + D;
                le.cycles = 2 * (ceilDiv(out, L) + D) + ceilDiv(in, S) + D + active * perInput;
                le.formula = "2 x (ceil(" + str(out) + "/" + str(L) + ") + " + str(D) +
                             ") + ceil(" + str(in) + "/" + str(S) + ") + " + str(D) + " + " +
                             str(active) + " x (" + str(l.kernelTaps) + " x ceil(" + str(l.slots) +
                             "/" + str(L) + ") + " + str(D) + ")";
                active = out;
                break;
            }
            case hls::kOpMaxPool:
                le.operation = "maxpool";
                le.cycles = out + D;
                le.formula = str(out) + " + " + str(D);
                active = std::min(active, out);
                break;
            case hls::kOpKWinnersGlobal:
                // Histogram pass, threshold walk over 256 bins, selection pass.
                le.operation = "kwinners-global";
                le.cycles = 2 * (in + D) + hls::kHistogramBins + D;
                le.formula = "2 x (" + str(in) + " + " + str(D) + ") + " +
                             str(hls::kHistogramBins) + " + " + str(D);
                active = int64_t(l.k) * l.selections;
                break;
            case hls::kOpKWinnersLocal: {
                // One position per cycle through the sorting network; its depth drains once.
                le.operation = "kwinners-local";
                int log2n = 0;
                while ((1 << log2n) < hls::kMaxLocalChannels) ++log2n;
                const int64_t stages = int64_t(log2n) * (log2n + 1) / 2;
                le.cycles = l.selections + stages + D;
                le.formula = str(l.selections) + " + " + str(stages) + " + " + str(D);
                active = int64_t(l.k) * l.selections;
                break;
            }
            case hls::kOpRelu:
                le.operation = "relu";
                le.cycles = ceilDiv(in, L) + D;
                le.formula = "ceil(" + str(in) + "/" + str(L) + ") + " + str(D);
                break;
            default:
                throw Error("performance model: unknown kernel opcode " + str(l.opcode));
        }
        e.layers.push_back(std::move(le));
    }
    for (const auto& l : e.layers) e.cyclesPerInference += l.cycles;
    e.latencyMicroseconds = double(e.cyclesPerInference) / params.clockMHz;
    e.wordsPerSecond =
        params.clockMHz * 1e6 / double(e.cyclesPerInference) * double(params.computeUnits);
    return e;
}

std::vector<PublishedThroughput> numentaPublishedThroughput() {
    return {{"Xilinx Alveo U250", "dense", 3049.0},
            {"Xilinx Alveo U250", "sparse weights", 35714.0},
            {"Xilinx Alveo U250", "sparse-sparse", 102564.0},
            {"Xilinx Alveo U250 (whole chip)", "dense", 12195.0},
            {"Xilinx Alveo U250 (whole chip)", "sparse-sparse", 1369863.0},
            {"Xilinx Zynq UltraScale+ ZU3EG", "sparse-sparse", 45455.0}};
}

}  // namespace sparselab

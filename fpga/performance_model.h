#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel_program.h"

namespace sparselab {

/// Parameters of the performance model: a compute unit's clock and parallelism (defaults are the
/// kernel's build-time SPARSELAB_HLS_LANES / SPARSELAB_HLS_SCAN) and how many units run at once.
struct PerformanceParams {
    double clockMHz = 300.0;
    int computeUnits = 1;
    int lanes = 64;         ///< int8 MACs per cycle (unrolled reduction / routing lanes)
    int scanWidth = 64;     ///< activations examined per cycle when loading or scanning
    int pipelineDepth = 6;  ///< fill/drain cycles each time a pipelined loop starts
};

/// Estimated cycles of one kernel instruction (one sample), with the counts that produced them.
struct LayerEstimate {
    std::string name;
    std::string operation;     ///< "conv-dense", "kwinners-global", ...
    int64_t activeInputs = 0;  ///< non-zero inputs assumed (packed ops)
    int64_t cycles = 0;
    std::string formula;  ///< the trip counts, e.g. "6400 x (ceil(1600/64) + 6)"
};

/// An ESTIMATE (never a measurement) of one compute unit's cycles per inference from the
/// kernel's loop trip counts and initiation intervals (II = 1 everywhere), and the resulting
/// throughput. Active inputs of a packed layer: k after global k-winners (k x positions after
/// local), capped by max-pool's output size; all units otherwise.
struct PerformanceEstimate {
    KernelVariant variant = KernelVariant::Dense;
    PerformanceParams params;
    std::vector<LayerEstimate> layers;  ///< input load first
    int64_t cyclesPerInference = 0;
    double latencyMicroseconds = 0.0;  ///< one inference on one compute unit
    double wordsPerSecond = 0.0;       ///< all compute units, one inference each in flight
};

PerformanceEstimate estimatePerformance(const KernelProgram& program,
                                        const PerformanceParams& params);

/// Numenta's published FPGA throughput ("Two Sparsities Are Better Than One", NUMENTA_GSC.md).
struct PublishedThroughput {
    std::string platform, network;
    double wordsPerSecond;
};
std::vector<PublishedThroughput> numentaPublishedThroughput();

}  // namespace sparselab

// The performance model against cycle counts worked out by hand for tiny layers.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/quant/quantized_model.h"
#include "fpga/hls/gsc_kernel.h"
#include "fpga/performance_model.h"

using namespace sparselab;

namespace {

/// A hand-built program description: conv 2->3 channels, 3x3 kernel on 2x5x5, then global
/// k-winners (k = 4) over 3x3x3, then linear 27 -> 5 (packed variant: 2 slots).
KernelProgram tinyProgram(KernelVariant variant) {
    KernelProgram kp;
    kp.variant = variant;
    kp.inputSize = 50;
    kp.logitCount = 5;
    const bool packed = variant == KernelVariant::SparseSparse;
    KernelLayerInfo conv;
    conv.name = "conv";
    conv.opcode = packed ? sparselab_hls::kOpConvPacked : sparselab_hls::kOpConvDense;
    conv.inputUnits = 50;
    conv.outputUnits = 27;
    conv.patch = 18;
    conv.kernelTaps = 9;
    conv.slots = 2;
    KernelLayerInfo kw;
    kw.name = "kw";
    kw.opcode = sparselab_hls::kOpKWinnersGlobal;
    kw.inputUnits = kw.outputUnits = 27;
    kw.k = 4;
    KernelLayerInfo lin;
    lin.name = "linear";
    lin.opcode = packed ? sparselab_hls::kOpLinearPacked : sparselab_hls::kOpLinearDense;
    lin.inputUnits = 27;
    lin.outputUnits = 5;
    lin.patch = 27;
    lin.slots = 2;
    kp.layers = {conv, kw, lin};
    return kp;
}

PerformanceParams params() {
    PerformanceParams p;
    p.clockMHz = 100.0;
    p.computeUnits = 2;
    p.lanes = 4;
    p.scanWidth = 8;
    p.pipelineDepth = 3;
    return p;
}

}  // namespace

TEST(PerformanceModel, DenseTinyNetworkByHand) {
    const PerformanceEstimate e = estimatePerformance(tinyProgram(KernelVariant::Dense), params());
    ASSERT_EQ(e.layers.size(), 4u);
    EXPECT_EQ(e.layers[0].cycles, 7 + 3);         // load: ceil(50/8) + 3
    EXPECT_EQ(e.layers[1].cycles, 27 * (5 + 3));  // conv: 27 outputs x (ceil(18/4) + 3) = 216
    EXPECT_EQ(e.layers[2].cycles, 2 * (27 + 3) + 256 + 3);  // histogram, threshold, select = 319
    EXPECT_EQ(e.layers[3].cycles, 5 * (7 + 3));             // linear: 5 x (ceil(27/4) + 3) = 50
    EXPECT_EQ(e.cyclesPerInference, 10 + 216 + 319 + 50);
    EXPECT_DOUBLE_EQ(e.latencyMicroseconds, 595.0 / 100.0);
    EXPECT_DOUBLE_EQ(e.wordsPerSecond, 100e6 / 595.0 * 2);
}

TEST(PerformanceModel, SparseSparseTinyNetworkByHand) {
    const PerformanceEstimate e =
        estimatePerformance(tinyProgram(KernelVariant::SparseSparse), params());
    ASSERT_EQ(e.layers.size(), 4u);
    // conv packed, all 50 inputs active: 2 x (ceil(27/4) + 3) + ceil(50/8) + 3
    //   + 50 x (9 x ceil(2/4) + 3) = 20 + 10 + 600 = 630
    EXPECT_EQ(e.layers[1].activeInputs, 50);
    EXPECT_EQ(e.layers[1].cycles, 630);
    // linear packed after k-winners: 4 active inputs:
    //   2 x (ceil(5/4) + 3) + ceil(27/8) + 3 + 4 x (1 x 1 + 3) = 10 + 7 + 16 = 33
    EXPECT_EQ(e.layers[3].activeInputs, 4);
    EXPECT_EQ(e.layers[3].cycles, 33);
    EXPECT_EQ(e.cyclesPerInference, 10 + 630 + 319 + 33);
}

TEST(PerformanceModel, RejectsNonsenseParameters) {
    PerformanceParams p = params();
    p.clockMHz = 0;
    EXPECT_THROW(estimatePerformance(tinyProgram(KernelVariant::Dense), p), Error);
}

TEST(PerformanceModel, PublishedNumbersAreNumentas) {
    const auto pub = numentaPublishedThroughput();
    ASSERT_FALSE(pub.empty());
    EXPECT_DOUBLE_EQ(pub.front().wordsPerSecond, 3049.0);
}

// SparseLab GSC kernel for Xilinx FPGAs: the program format the host writes and the top-level
// function v++ synthesises. Synthesizable C++ that also compiles with plain g++ (C-simulation):
// only fixed-width integers and fixed-size arrays, no Vitis headers.
#pragma once

#include <stdint.h>

// ---- Build-time parameters (v++ -D...; the performance model reads the same defaults) ----------
#ifndef SPARSELAB_HLS_LANES
#define SPARSELAB_HLS_LANES 64  // int8 MACs per cycle of a compute unit
#endif
#ifndef SPARSELAB_HLS_SCAN
#define SPARSELAB_HLS_SCAN 64  // activations scanned per cycle when looking for non-zeros
#endif

namespace sparselab_hls {

// ---- Capacity of one compute unit's on-chip buffers -------------------------------------------
const int kMaxActivations = 65536;  // int8 activations per layer (64x28x28 = 50176 for GSC)
const int kMaxLayers = 32;
const int kMaxLocalChannels = 64;  // local k-winners sorting network width (power of two)
const int kHistogramBins = 256;    // global k-winners: one bin per int8 key

// ---- Program format ---------------------------------------------------------------------------
// The program is an int32 array: a header, one descriptor per layer, then data (biases, packed
// weights, boost factors) addressed by word offsets. Dense weights live in a separate int8 array.
const int32_t kProgramMagic = 0x53504c42;  // "SPLB"
const int32_t kProgramVersion = 1;
enum HeaderWord {
    kHdrMagic = 0,
    kHdrVersion,
    kHdrLayerCount,
    kHdrInputSize,   // int8 values per sample
    kHdrLogitCount,  // int32 logits per sample
    kHdrWords = 8
};

enum Opcode {
    kOpConvDense = 1,  // every weight x every input
    kOpConvPacked,     // complementary-sparsity packed weights x non-zero inputs
    kOpLinearDense,
    kOpLinearPacked,
    kOpMaxPool,
    kOpKWinnersGlobal,  // 8-bit histogram selection
    kOpKWinnersLocal,   // sorting network over channels at each position
    kOpRelu,
};

// Descriptor words (kDescWords per layer). Shapes are C,H,W (vectors: C units, H = W = 1).
enum DescWord {
    kDOp = 0,
    kDInC,
    kDInH,
    kDInW,
    kDOutC,
    kDOutH,
    kDOutW,
    kDKernelH,
    kDKernelW,
    kDStrideH,
    kDStrideW,
    kDPadTop,
    kDPadLeft,
    // Conv/Linear: weights (dense: int8 offset into weights; packed: word offset into program),
    // biases (word offset), requantisation, flags, packed slots per position.
    kDWeights,
    kDBias,
    kDMultiplier,
    kDShift,
    kDFlags,
    kDSlots,
    // KWinners: k, boost offset (words, -1: none), flags.
    kDK = kDWeights,
    kDBoost = kDBias,
    kDescWords = 20
};
const int32_t kFlagLogits = 1;  // Conv/Linear: write int32 accumulators to the output
const int32_t kFlagRelu = 2;    // KWinners: winners pass max(x, 0)

// A packed weight: bits 0..7 the int8 weight, bits 8..31 the output kernel (channel/unit) id.
inline int32_t packEntry(int8_t weight, int32_t kernel) {
    return (kernel << 8) | (int32_t)(uint8_t)weight;
}
inline int8_t entryWeight(int32_t e) {
    return (int8_t)(e & 0xff);
}
inline int32_t entryKernel(int32_t e) {
    return e >> 8;
}

}  // namespace sparselab_hls

// Runs the program on `batch` samples: input [batch][inputSize] int8, logits [batch][logitCount].
// Returns through the logits buffer; a malformed program writes nothing.
extern "C" void sparselab_gsc(const int32_t* program, const int8_t* weights, const int8_t* input,
                              int32_t* logits, int batch);

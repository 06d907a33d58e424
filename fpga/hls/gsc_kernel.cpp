// Top-level function of the SparseLab GSC kernel (one compute unit). The host writes the program
// (descriptors, biases, packed weights) and the dense weights into device memory once, then
// streams batches of int8 inputs; the kernel writes int32 logits.
#include "gsc_kernel.h"

#include "gsc_layers.h"

using namespace sparselab_hls;

namespace {

// On-chip activation buffers (ping-pong) and the scatter accumulators.
int8_t g_act[2][kMaxActivations];
int32_t g_acc[kMaxActivations];

Shape3 shapeAt(const int32_t* d, int first) {
    Shape3 s = {d[first], d[first + 1], d[first + 2]};
    return s;
}

bool fits(Shape3 s) {
    return s.c > 0 && s.h > 0 && s.w > 0 && (int64_t)s.c * s.h * s.w <= kMaxActivations;
}

}  // namespace

extern "C" void sparselab_gsc(const int32_t* program, const int8_t* weights, const int8_t* input,
                              int32_t* logits, int batch) {
#pragma HLS interface m_axi port = program offset = slave bundle = gmem0
#pragma HLS interface m_axi port = weights offset = slave bundle = gmem1
#pragma HLS interface m_axi port = input offset = slave bundle = gmem2
#pragma HLS interface m_axi port = logits offset = slave bundle = gmem2
#pragma HLS interface s_axilite port = program
#pragma HLS interface s_axilite port = weights
#pragma HLS interface s_axilite port = input
#pragma HLS interface s_axilite port = logits
#pragma HLS interface s_axilite port = batch
#pragma HLS interface s_axilite port = return
    if (program[kHdrMagic] != kProgramMagic || program[kHdrVersion] != kProgramVersion) return;
    const int layers = program[kHdrLayerCount];
    const int inputSize = program[kHdrInputSize], logitCount = program[kHdrLogitCount];
    if (layers < 1 || layers > kMaxLayers || inputSize < 1 || inputSize > kMaxActivations) return;

samples:
    for (int b = 0; b < batch; ++b) {
        int cur = 0;
    load:
        for (int i = 0; i < inputSize; ++i) {
#pragma HLS pipeline II = 1
#pragma HLS unroll factor = SPARSELAB_HLS_SCAN
            g_act[0][i] = input[(int64_t)b * inputSize + i];
        }
        int32_t* out = logits + (int64_t)b * logitCount;
    layer_loop:
        for (int l = 0; l < layers; ++l) {
            const int32_t* d = program + kHdrWords + l * kDescWords;
            const Shape3 is = shapeAt(d, kDInC), os = shapeAt(d, kDOutC);
            if (!fits(is) || !fits(os)) return;
            int8_t* src = g_act[cur];
            int8_t* dst = g_act[1 - cur];
            switch (d[kDOp]) {
                case kOpConvDense:
                    convDense(src, is, dst, out, os, d, weights, program);
                    break;
                case kOpConvPacked:
                    convPacked(src, is, dst, out, os, d, program, g_acc);
                    break;
                case kOpLinearDense:
                    linearDense(src, is, dst, out, os, d, weights, program);
                    break;
                case kOpLinearPacked:
                    linearPacked(src, is, dst, out, os, d, program, g_acc);
                    break;
                case kOpMaxPool:
                    maxPool(src, is, dst, os, d);
                    break;
                case kOpKWinnersGlobal:
                    kWinnersGlobal(src, is, dst, d, program);
                    break;
                case kOpKWinnersLocal:
                    if (is.c > kMaxLocalChannels) return;
                    kWinnersLocal(src, is, dst, d, program);
                    break;
                case kOpRelu:
                    relu(src, is.c * is.h * is.w);
                    continue;  // in place
                default:
                    return;
            }
            cur = 1 - cur;
        }
    }
}

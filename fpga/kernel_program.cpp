#include "kernel_program.h"

#include <algorithm>

#include "core/error.h"
#include "fpga/hls/gsc_kernel.h"

namespace sparselab {

namespace hls = sparselab_hls;

std::string_view toString(KernelVariant variant) {
    return variant == KernelVariant::Dense ? "dense" : "sparse-sparse";
}

PackedWeights packComplementary(std::span<const int8_t> weights, int kernels, int positions) {
    PackedWeights p;
    p.kernels = kernels;
    p.positions = positions;
    // Slot of each non-zero = its rank among the non-zeros at its position (kernel order).
    std::vector<int> count(static_cast<size_t>(positions), 0);
    for (int k = 0; k < kernels; ++k)
        for (int pos = 0; pos < positions; ++pos)
            if (weights[size_t(k) * size_t(positions) + size_t(pos)] != 0) {
                ++count[size_t(pos)];
                ++p.nonzeros;
            }
    p.slots = std::max(1, *std::max_element(count.begin(), count.end()));
    p.entries.assign(size_t(positions) * size_t(p.slots), 0);
    std::fill(count.begin(), count.end(), 0);
    for (int k = 0; k < kernels; ++k)
        for (int pos = 0; pos < positions; ++pos) {
            const int8_t w = weights[size_t(k) * size_t(positions) + size_t(pos)];
            if (w == 0) continue;
            const int slot = count[size_t(pos)]++;
            p.entries[size_t(pos) * size_t(p.slots) + size_t(slot)] = hls::packEntry(w, k);
        }
    return p;
}

namespace {

int32_t checkedSize(int64_t units, const std::string& layer) {
    if (units < 1 || units > hls::kMaxActivations)
        throw Error("FPGA kernel: layer '" + layer + "' has " + std::to_string(units) +
                    " activations; a compute unit holds at most " +
                    std::to_string(hls::kMaxActivations));
    return static_cast<int32_t>(units);
}

void setShape(int32_t* d, int first, const Shape& s) {
    d[first] = static_cast<int32_t>(s[0]);
    d[first + 1] = s.size() == 3 ? static_cast<int32_t>(s[1]) : 1;
    d[first + 2] = s.size() == 3 ? static_cast<int32_t>(s[2]) : 1;
    if (s.size() != 3) d[first] = static_cast<int32_t>(numel(s));
}

}  // namespace

KernelProgram compileKernelProgram(const quant::QuantizedModel& qm, KernelVariant variant) {
    KernelProgram kp;
    kp.variant = variant;
    kp.inputSize = checkedSize(numel(qm.source->inputShape), "input");
    kp.logitCount = qm.logitCount();

    std::vector<const quant::QuantLayer*> emitted;
    for (const auto& l : qm.layers)
        if (!l.layer.is<FlattenParams>()) emitted.push_back(&l);
    if (int(emitted.size()) > hls::kMaxLayers)
        throw Error("FPGA kernel: model '" + qm.source->name + "' has more than " +
                    std::to_string(hls::kMaxLayers) + " layers");

    const size_t descBase = hls::kHdrWords;
    kp.program.assign(descBase + emitted.size() * hls::kDescWords, 0);
    kp.program[hls::kHdrMagic] = hls::kProgramMagic;
    kp.program[hls::kHdrVersion] = hls::kProgramVersion;
    kp.program[hls::kHdrLayerCount] = static_cast<int32_t>(emitted.size());
    kp.program[hls::kHdrInputSize] = static_cast<int32_t>(kp.inputSize);
    kp.program[hls::kHdrLogitCount] = static_cast<int32_t>(kp.logitCount);

    auto append = [&kp](std::span<const int32_t> words) {
        const auto offset = static_cast<int32_t>(kp.program.size());
        kp.program.insert(kp.program.end(), words.begin(), words.end());
        return offset;
    };
    for (size_t li = 0; li < emitted.size(); ++li) {
        const quant::QuantLayer& q = *emitted[li];
        const std::string& name = q.layer.name;
        checkedSize(numel(q.inputShape), name);
        checkedSize(numel(q.outputShape), name);
        int32_t d[hls::kDescWords] = {};
        setShape(d, hls::kDInC, q.inputShape);
        setShape(d, hls::kDOutC, q.outputShape);
        d[hls::kDStrideH] = d[hls::kDStrideW] = 1;
        KernelLayerInfo info;
        info.name = name;
        info.inputUnits = numel(q.inputShape);
        info.outputUnits = numel(q.outputShape);
        const bool packed = variant == KernelVariant::SparseSparse;
        if (q.layer.is<Conv2dParams>() || q.layer.is<LinearParams>()) {
            const bool conv = q.layer.is<Conv2dParams>();
            const int kernels = static_cast<int>(conv ? q.outputShape[0] : info.outputUnits);
            const int patch = static_cast<int>(q.weight.size() / size_t(kernels));
            if (conv) {
                const auto& p = q.layer.as<Conv2dParams>();
                d[hls::kDKernelH] = p.kernelH();
                d[hls::kDKernelW] = p.kernelW();
                d[hls::kDStrideH] = p.strideH;
                d[hls::kDStrideW] = p.strideW;
                d[hls::kDPadTop] = p.padTop;
                d[hls::kDPadLeft] = p.padLeft;
                info.kernelTaps = p.kernelH() * p.kernelW();
            }
            info.patch = patch;
            info.macsDense = conv ? info.outputUnits * patch : int64_t(kernels) * patch;
            d[hls::kDBias] = append(q.bias);
            d[hls::kDMultiplier] = q.requant.multiplier;
            d[hls::kDShift] = q.requant.shift;
            d[hls::kDFlags] = q.producesLogits ? hls::kFlagLogits : 0;
            if (packed) {
                const PackedWeights pw = packComplementary(q.weight, kernels, patch);
                d[hls::kDOp] = conv ? hls::kOpConvPacked : hls::kOpLinearPacked;
                d[hls::kDWeights] = append(pw.entries);
                d[hls::kDSlots] = pw.slots;
                info.slots = pw.slots;
                info.nonzeros = pw.nonzeros;
            } else {
                d[hls::kDOp] = conv ? hls::kOpConvDense : hls::kOpLinearDense;
                d[hls::kDWeights] = static_cast<int32_t>(kp.weights.size());
                kp.weights.insert(kp.weights.end(), q.weight.begin(), q.weight.end());
                info.nonzeros = std::count_if(q.weight.begin(), q.weight.end(),
                                              [](int8_t w) { return w != 0; });
            }
        } else if (q.layer.is<MaxPool2dParams>()) {
            const auto& p = q.layer.as<MaxPool2dParams>();
            d[hls::kDOp] = hls::kOpMaxPool;
            d[hls::kDKernelH] = p.kernelH;
            d[hls::kDKernelW] = p.kernelW;
            d[hls::kDStrideH] = p.strideH;
            d[hls::kDStrideW] = p.strideW;
            d[hls::kDPadTop] = p.padTop;
            d[hls::kDPadLeft] = p.padLeft;
        } else if (q.layer.is<KWinnersParams>()) {
            const auto& p = q.layer.as<KWinnersParams>();
            const bool local = p.local && q.inputShape.size() == 3;
            if (local && q.inputShape[0] > hls::kMaxLocalChannels)
                throw Error("FPGA kernel: layer '" + name + "' selects among " +
                            std::to_string(q.inputShape[0]) + " channels; the sorting network " +
                            "handles at most " + std::to_string(hls::kMaxLocalChannels));
            d[hls::kDOp] = local ? hls::kOpKWinnersLocal : hls::kOpKWinnersGlobal;
            d[hls::kDK] = q.k;
            d[hls::kDBoost] = q.boostQ.empty() ? -1 : append(q.boostQ);
            d[hls::kDFlags] = p.relu ? hls::kFlagRelu : 0;
            info.k = q.k;
            info.selections = local ? static_cast<int>(q.inputShape[1] * q.inputShape[2]) : 1;
        } else if (q.layer.is<ReLUParams>()) {
            d[hls::kDOp] = hls::kOpRelu;
        } else {
            throw Error("FPGA kernel: layer '" + name + "' (" +
                        std::string(toString(q.layer.kind())) + ") has no kernel implementation");
        }
        info.opcode = d[hls::kDOp];
        std::copy(d, d + hls::kDescWords,
                  kp.program.begin() + long(descBase + li * hls::kDescWords));
        kp.layers.push_back(std::move(info));
    }
    if (kp.weights.size() < 64) kp.weights.resize(64, 0);
    return kp;
}

}  // namespace sparselab

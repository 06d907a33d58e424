#include "sparse_formats.h"

#include <algorithm>

#include "core/error.h"
#include "sparse_kernels.h"

namespace sparselab {

const char* toString(SparseLayout layout) {
    switch (layout) {
        case SparseLayout::Auto:
            return "auto";
        case SparseLayout::Unstructured:
            return "unstructured";
        case SparseLayout::Blocked:
            return "blocked";
    }
    return "unknown";
}

namespace {

int roundUp(int v, int m) {
    return (v + m - 1) / m * m;
}

bool chooseBlocked(SparseLayout layout, int64_t nonzeros, int64_t blocks, double autoFill) {
    if (layout == SparseLayout::Blocked) return true;
    if (layout == SparseLayout::Unstructured) return false;
    return blocks > 0 && double(nonzeros) / double(blocks) >= autoFill;
}

/// Largest scatter table built (pairs); beyond it the kernels check bounds per entry.
constexpr int64_t kMaxScatterTable = int64_t(1) << 23;

/// Precomputes, for every input position, where the entries of its channel that land inside
/// the output go in the NHWC accumulator (for the layout in use), so that the stride-1 scatter
/// kernels need no bounds checks and do no wasted updates.
void buildScatterTable(ConvPlan& c) {
    if (c.strideH != 1 || c.strideW != 1) return;
    const auto& start = c.blocked ? c.chanBlockStart : c.chanStart;
    const auto& tap = c.blocked ? c.chanBlockTap : c.chanTap;
    const auto& delta = c.blocked ? c.chanBlockDelta : c.chanDelta;
    const int unit = c.blocked ? kSparseBlock : 1;
    int most = 0;
    for (int ch = 0; ch < c.cin; ++ch)
        most = std::max(most, start[size_t(ch) + 1] - start[size_t(ch)]);
    const int width = (most + 7) / 8 * 8;
    const int64_t hw = int64_t(c.h) * c.w, accUnits = int64_t(c.ho) * c.wo * c.coutPad / unit;
    if (width == 0 || most > 0xFFFF || accUnits > 0xFFFF || start.back() > 0xFFFF ||
        c.cin * hw * most > kMaxScatterTable)
        return;
    c.scatterWidth = width;
    c.scatterStride = most;
    c.scatterPairs.assign(size_t(c.cin * hw * most + width), 0u);
    c.scatterCount.assign(size_t(c.cin * hw), 0);
    for (int ch = 0; ch < c.cin; ++ch)
        for (int y = 0; y < c.h; ++y)
            for (int x = 0; x < c.w; ++x) {
                const int64_t n = ch * hw + y * c.w + x;
                uint32_t* row = c.scatterPairs.data() + n * most;
                const int yp = y + c.padTop, xp = x + c.padLeft;
                const int32_t at = (yp * c.wo + xp) * c.coutPad;
                int count = 0;
                for (int32_t e = start[size_t(ch)]; e < start[size_t(ch) + 1]; ++e) {
                    const int i = tap[size_t(e)] >> 16, j = tap[size_t(e)] & 0xFFFF;
                    if (unsigned(yp - i) >= unsigned(c.ho) || unsigned(xp - j) >= unsigned(c.wo))
                        continue;
                    row[count++] = uint32_t((at + delta[size_t(e)]) / unit) | uint32_t(e) << 16;
                }
                c.scatterCount[size_t(n)] = uint16_t(count);
            }
}

}  // namespace

LinearPlan packLinear(const LinearParams& p, SparseLayout layout, double autoBlockFill) {
    LinearPlan plan;
    plan.in = p.inFeatures();
    plan.out = p.outFeatures();
    plan.outPad = roundUp(plan.out, kSparseBlock);
    plan.bias.assign(static_cast<size_t>(plan.outPad), 0.0f);
    std::copy(p.bias.begin(), p.bias.end(), plan.bias.begin());
    const float* w = p.weight.data();
    const int in = plan.in, out = plan.out, nb = plan.outPad / kSparseBlock;

    plan.denseT.assign(static_cast<size_t>(in) * plan.outPad, 0.0f);
    plan.colStart.reserve(static_cast<size_t>(in) + 1);
    plan.blockStart.reserve(static_cast<size_t>(in) + 1);
    plan.colStart.push_back(0);
    plan.blockStart.push_back(0);
    for (int j = 0; j < in; ++j) {
        for (int o = 0; o < out; ++o) {
            const float v = w[int64_t(o) * in + j];
            plan.denseT[size_t(j) * plan.outPad + o] = v;
            if (v != 0.0f) {
                plan.rowIndex.push_back(o);
                plan.colValue.push_back(v);
            }
        }
        plan.colStart.push_back(static_cast<int32_t>(plan.rowIndex.size()));
        for (int b = 0; b < nb; ++b) {
            const float* col = plan.denseT.data() + size_t(j) * plan.outPad + b * kSparseBlock;
            bool any = false;
            for (int l = 0; l < kSparseBlock; ++l) any |= col[l] != 0.0f;
            if (!any) continue;
            plan.blockOffset.push_back(b * kSparseBlock);
            plan.blockWeights.insert(plan.blockWeights.end(), col, col + kSparseBlock);
        }
        plan.blockStart.push_back(static_cast<int32_t>(plan.blockOffset.size()));
    }
    plan.nonzeros = static_cast<int64_t>(plan.rowIndex.size());
    plan.blocks = static_cast<int64_t>(plan.blockOffset.size());
    plan.blocked = chooseBlocked(layout, plan.nonzeros, plan.blocks, autoBlockFill);
    plan.blocksPerInput = in > 0 ? plan.blockStart[1] : -1;
    for (int j = 1; j < in && plan.blocksPerInput >= 0; ++j)
        if (plan.blockStart[size_t(j) + 1] - plan.blockStart[size_t(j)] != plan.blocksPerInput)
            plan.blocksPerInput = -1;
    return plan;
}

ConvPlan packConv(const Conv2dParams& p, const Shape& in, SparseLayout layout,
                  double autoBlockFill) {
    if (in.size() != 3) throw Error("packConv: Conv2d needs a CxHxW input");
    ConvPlan c;
    c.cin = p.inChannels();
    c.cout = p.outChannels();
    c.coutPad = roundUp(c.cout, kSparseBlock);
    c.kh = p.kernelH();
    c.kw = p.kernelW();
    c.strideH = p.strideH;
    c.strideW = p.strideW;
    c.padTop = p.padTop;
    c.padLeft = p.padLeft;
    c.h = static_cast<int>(in[1]);
    c.w = static_cast<int>(in[2]);
    c.ho = (c.h + p.padTop + p.padBottom - c.kh) / c.strideH + 1;
    c.wo = (c.w + p.padLeft + p.padRight - c.kw) / c.strideW + 1;
    c.woPad = roundUp(c.wo, kSparseBlock);
    // The dense-input kernel reads woPad * stride + kw columns per row, from a zero-padded copy.
    c.hp = std::max(c.h + p.padTop + p.padBottom, (c.ho - 1) * c.strideH + c.kh);
    c.wp = std::max(c.w + p.padLeft + p.padRight, (c.woPad - 1) * c.strideW + c.kw);
    // Shifted copies (see ConvPlan::shifts) for stride-1 columns, unless they would pass 4 MB.
    constexpr int64_t kMaxShiftedFloats = int64_t(1) << 20;
    const bool shifted =
        c.strideW == 1 && int64_t(c.cin) * c.kw * c.hp * c.woPad <= kMaxShiftedFloats;
    c.shifts = shifted ? c.kw : 1;
    c.inRow = shifted ? c.woPad : c.wp;
    c.pinFloats = int64_t(c.cin) * c.shifts * c.hp * c.inRow + kSparseBlock;
    c.bias.assign(static_cast<size_t>(c.coutPad), 0.0f);
    std::copy(p.bias.begin(), p.bias.end(), c.bias.begin());

    const float* w = p.weight.data();
    const int taps = c.kh * c.kw;
    auto weightAt = [&](int o, int ch, int i, int j) {
        return w[((int64_t(o) * c.cin + ch) * c.kh + i) * c.kw + j];
    };
    c.tapStart.push_back(0);
    for (int o = 0; o < c.cout; ++o) {
        for (int ch = 0; ch < c.cin; ++ch)
            for (int i = 0; i < c.kh; ++i)
                for (int j = 0; j < c.kw; ++j) {
                    const float v = weightAt(o, ch, i, j);
                    if (v == 0.0f) continue;
                    c.tapOffset.push_back(shifted ? ((ch * c.shifts + j) * c.hp + i) * c.inRow
                                                  : (ch * c.hp + i) * c.wp + j);
                    c.tapWeight.push_back(v);
                }
        c.tapStart.push_back(static_cast<int32_t>(c.tapOffset.size()));
    }
    const int groups = c.cin * taps, nb = c.coutPad / kSparseBlock;
    c.denseT.assign(static_cast<size_t>(groups) * c.coutPad, 0.0f);
    c.groupStart.push_back(0);
    c.blockStart.push_back(0);
    for (int g = 0; g < groups; ++g) {
        const int ch = g / taps, i = (g % taps) / c.kw, j = g % c.kw;
        float* row = c.denseT.data() + size_t(g) * c.coutPad;
        for (int o = 0; o < c.cout; ++o) {
            row[o] = weightAt(o, ch, i, j);
            if (row[o] != 0.0f) {
                c.groupOut.push_back(o);
                c.groupWeight.push_back(row[o]);
            }
        }
        c.groupStart.push_back(static_cast<int32_t>(c.groupOut.size()));
        for (int b = 0; b < nb; ++b) {
            const float* blk = row + b * kSparseBlock;
            bool any = false;
            for (int l = 0; l < kSparseBlock; ++l) any |= blk[l] != 0.0f;
            if (!any) continue;
            c.blockOffset.push_back(b * kSparseBlock);
            c.blockWeights.insert(c.blockWeights.end(), blk, blk + kSparseBlock);
        }
        c.blockStart.push_back(static_cast<int32_t>(c.blockOffset.size()));
    }
    // Per-channel lists for the stride-1 scatter kernels.
    c.chanStart.push_back(0);
    c.chanBlockStart.push_back(0);
    for (int ch = 0; ch < c.cin; ++ch) {
        for (int t = 0; t < taps; ++t) {
            const int g = ch * taps + t, i = t / c.kw, j = t % c.kw;
            const int32_t tapBase = -(i * c.wo + j) * c.coutPad;
            for (int e = c.groupStart[size_t(g)]; e < c.groupStart[size_t(g) + 1]; ++e) {
                c.chanTap.push_back(i << 16 | j);
                c.chanDelta.push_back(tapBase + c.groupOut[size_t(e)]);
                c.chanWeight.push_back(c.groupWeight[size_t(e)]);
            }
            for (int b = c.blockStart[size_t(g)]; b < c.blockStart[size_t(g) + 1]; ++b) {
                c.chanBlockTap.push_back(i << 16 | j);
                c.chanBlockDelta.push_back(tapBase + c.blockOffset[size_t(b)]);
                const float* wb = c.blockWeights.data() + size_t(b) * kSparseBlock;
                c.chanBlockWeights.insert(c.chanBlockWeights.end(), wb, wb + kSparseBlock);
            }
        }
        c.chanStart.push_back(static_cast<int32_t>(c.chanTap.size()));
        c.chanBlockStart.push_back(static_cast<int32_t>(c.chanBlockTap.size()));
    }
    if (c.cin >= 2048 || c.hp >= 1024 || c.wp >= 1024)
        throw Error("packConv: input " + shapeToString(in) + " is too large for cpu-sparse");
    c.decode.resize(size_t(c.cin) * c.h * c.w);
    for (int ch = 0; ch < c.cin; ++ch)
        for (int y = 0; y < c.h; ++y)
            for (int x = 0; x < c.w; ++x)
                c.decode[(size_t(ch) * c.h + y) * c.w + x] =
                    ch << 20 | (y + c.padTop) << 10 | (x + c.padLeft);
    c.nonzeros = static_cast<int64_t>(c.groupOut.size());
    c.blocks = static_cast<int64_t>(c.blockOffset.size());
    c.blocked = chooseBlocked(layout, c.nonzeros, c.blocks, autoBlockFill);
    buildScatterTable(c);
    return c;
}

}  // namespace sparselab

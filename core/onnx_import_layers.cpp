// ONNX import: one layer per node of the activation chain.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "onnx_importer.h"

namespace sparselab::onnx_detail {

namespace {

/// [in, out] -> [out, in] (ONNX MatMul / Gemm(transB=0) weights to PyTorch's layout).
Tensor transposed(const Tensor& b) {
    Tensor t({b.dim(1), b.dim(0)});
    for (int64_t i = 0; i < b.dim(0); ++i)
        for (int64_t o = 0; o < b.dim(1); ++o) t[o * b.dim(0) + i] = b[i * b.dim(1) + o];
    return t;
}

/// Reads a 2-D window's strides, pads and dilations (1 only) into `p` (Conv2dParams or
/// MaxPool2dParams); throws through `fail` for anything else.
template <typename Params, typename Fail>
void readWindow(const onnx::NodeProto& node, Params& p, const char* what, Fail fail) {
    for (int64_t d : intsAttr(node, "dilations", {1, 1}))
        if (d != 1) fail(std::string("dilated ") + what + " is not supported");
    if (const auto* a = findAttr(node, "auto_pad"); a && a->s() != "NOTSET" && a->s() != "VALID")
        fail("auto_pad " + a->s() + " is not supported");
    const auto strides = intsAttr(node, "strides", {1, 1});
    const auto pads = intsAttr(node, "pads", {0, 0, 0, 0});
    if (strides.size() != 2 || pads.size() != 4)
        fail(std::string("only 2-D ") + what + " is supported");
    for (int64_t v : strides)
        if (v < 1 || v > 1024) fail("has an invalid stride " + std::to_string(v));
    for (int64_t v : pads)
        if (v < 0 || v > 1024) fail("has invalid pads");
    p.strideH = static_cast<int>(strides[0]);
    p.strideW = static_cast<int>(strides[1]);
    p.padTop = static_cast<int>(pads[0]);
    p.padLeft = static_cast<int>(pads[1]);
    p.padBottom = static_cast<int>(pads[2]);
    p.padRight = static_cast<int>(pads[3]);
}

}  // namespace

// ---- the activation chain
// ------------------------------------------------------------------------

void Importer::requireActivation(const onnx::NodeProto& node, int input) {
    if (input >= node.input_size()) failAt(node, "has too few inputs");
    if (node.input(input) != m_activation) {
        if (m_consts.count(node.input(input)))
            failAt(node, "its data input '" + node.input(input) + "' is a constant");
        failAt(node, "reads '" + node.input(input) + "', but the network's current value is '" +
                         m_activation + "' (only sequential graphs are supported)");
    }
}

void Importer::produce(const onnx::NodeProto& node, Layer layer) {
    layer.name = nodeName(node);
    try {
        m_shape = layer.outputShape(m_shape);
    } catch (const Error& e) {
        fail(e.what());  // names the layer and the shapes; add the file
    }
    m_model.layers.push_back(std::move(layer));
    m_activation = node.output(0);
}

void Importer::produceIdentity(const onnx::NodeProto& node) {
    m_activation = node.output(0);
}

void Importer::importConv(const onnx::NodeProto& node) {
    requireActivation(node);
    if (intAttr(node, "group", 1) != 1) failAt(node, "grouped convolution is not supported");
    Conv2dParams p;
    p.weight = floatTensor(node, 1, "weight", 4);
    readWindow(node, p, "convolution", [&](const std::string& m) { failAt(node, m); });
    p.bias = maybeConstant(node, 2)
                 ? floatVector(node, 2, "bias", p.outChannels())
                 : std::vector<float>(static_cast<size_t>(p.outChannels()), 0.0f);
    produce(node, Layer{{}, std::move(p)});
}

void Importer::importBatchNorm(const onnx::NodeProto& node) {
    requireActivation(node);
    if (intAttr(node, "training_mode", 0) != 0)
        failAt(node, "training_mode=1 is not supported at inference");
    if (m_shape.empty()) failAt(node, "has no channel dimension");
    const int64_t c = m_shape[0];
    BatchNormParams p;
    p.scale = floatVector(node, 1, "scale", c);
    p.bias = floatVector(node, 2, "bias", c);
    p.mean = floatVector(node, 3, "mean", c);
    p.var = floatVector(node, 4, "variance", c);
    p.epsilon = floatAttr(node, "epsilon", 1e-5f);
    produce(node, Layer{{}, std::move(p)});
}

void Importer::importMaxPool(const onnx::NodeProto& node) {
    requireActivation(node);
    if (node.output_size() > 1 && !node.output(1).empty())
        failAt(node, "the Indices output is not supported");
    const auto kernel = intsAttr(node, "kernel_shape", {});
    if (kernel.size() != 2) failAt(node, "only 2-D pooling is supported");
    for (int64_t v : kernel)
        if (v < 1 || v > 1024) failAt(node, "has an invalid kernel size");
    MaxPool2dParams p;
    p.kernelH = static_cast<int>(kernel[0]);
    p.kernelW = static_cast<int>(kernel[1]);
    readWindow(node, p, "pooling", [&](const std::string& m) { failAt(node, m); });
    if (intAttr(node, "ceil_mode", 0) != 0 && m_shape.size() == 3) {
        // Ceil mode only matters when the window does not tile the input exactly.
        for (int axis = 0; axis < 2; ++axis) {
            const int64_t span = m_shape[static_cast<size_t>(axis + 1)] +
                                 (axis ? p.padLeft + p.padRight : p.padTop + p.padBottom) -
                                 kernel[static_cast<size_t>(axis)];
            if (span % (axis ? p.strideW : p.strideH) != 0)
                failAt(node, "ceil_mode=1 is not supported");
        }
    }
    produce(node, Layer{{}, p});
}

void Importer::importGemm(const onnx::NodeProto& node) {
    requireActivation(node);
    if (intAttr(node, "transA", 0) != 0) failAt(node, "transA=1 is not supported");
    if (m_shape.size() != 1)
        failAt(node, "expects a flattened input, got " + shapeToString(m_shape));
    const float alpha = floatAttr(node, "alpha", 1.0f), beta = floatAttr(node, "beta", 1.0f);
    Tensor b = floatTensor(node, 1, "weight", 2);
    LinearParams p;
    p.weight = intAttr(node, "transB", 0) != 0 ? std::move(b) : transposed(b);
    if (alpha != 1.0f)
        for (float& w : p.weight.values()) w *= alpha;
    p.bias.assign(static_cast<size_t>(p.outFeatures()), 0.0f);
    if (const Const* c = maybeConstant(node, 2)) {
        if (c->isInt) failAt(node, "bias must be float");
        if (c->count() == p.outFeatures()) {
            for (size_t i = 0; i < p.bias.size(); ++i) p.bias[i] = beta * c->f[i];
        } else if (c->count() == 1) {
            std::fill(p.bias.begin(), p.bias.end(), beta * c->f[0]);
        } else {
            failAt(node, "bias has " + std::to_string(c->count()) + " values, expected " +
                             std::to_string(p.outFeatures()));
        }
    } else if (node.input_size() > 2 && !node.input(2).empty()) {
        failAt(node, "bias '" + node.input(2) + "' is not an initializer (missing initializer)");
    }
    produce(node, Layer{{}, std::move(p)});
}

void Importer::importMatMul(const onnx::NodeProto& node) {
    requireActivation(node);
    if (m_shape.size() != 1)
        failAt(node, "expects a flattened input, got " + shapeToString(m_shape));
    LinearParams p;
    p.weight = transposed(floatTensor(node, 1, "weight", 2));  // MatMul weight is [in, out]
    p.bias.assign(static_cast<size_t>(p.outFeatures()), 0.0f);
    produce(node, Layer{{}, std::move(p)});
    m_lastIsMatMul = true;
}

void Importer::importAdd(const onnx::NodeProto& node) {
    // Only the bias of a preceding MatMul: Add(activation, const) or Add(const, activation).
    const int data = node.input_size() == 2 && node.input(1) == m_activation ? 1 : 0;
    requireActivation(node, data);
    const Const& c = constant(node, 1 - data, "addend");
    if (!m_lastIsMatMul || c.isInt) failAt(node, "Add is supported only as the bias of a MatMul");
    auto& p = m_model.layers.back().as<LinearParams>();
    if (c.count() != p.outFeatures())
        failAt(node, "bias has " + std::to_string(c.count()) + " values, expected " +
                         std::to_string(p.outFeatures()));
    for (size_t i = 0; i < p.bias.size(); ++i) p.bias[i] += c.f[i];
    produceIdentity(node);
}

void Importer::importReshape(const onnx::NodeProto& node) {
    requireActivation(node);
    const Const& target = constant(node, 1, "shape");
    if (!target.isInt) failAt(node, "shape must be integers");
    // Resolve the target into a per-sample shape: the first entry must be the batch.
    if (target.i.empty()) failAt(node, "reshapes to a scalar");
    const int64_t first = target.i[0];
    const bool batchFirst =
        first == kBatch || first == 0 || first == -1 || (m_fixedBatch && first == *m_fixedBatch);
    if (!batchFirst) failAt(node, "does not keep the batch dimension first");
    Shape rest;
    int64_t known = 1, unknownAt = -1;
    for (size_t i = 1; i < target.i.size(); ++i) {
        int64_t v = target.i[i];
        if (v == 0) {
            if (i - 1 >= m_shape.size()) failAt(node, "copies a dimension the input does not have");
            v = m_shape[i - 1];
        }
        if (v == -1) {
            if (unknownAt >= 0) failAt(node, "has more than one -1");
            unknownAt = static_cast<int64_t>(rest.size());
            rest.push_back(-1);
            continue;
        }
        if (v < 1 || v == kBatch) failAt(node, "has an invalid target dimension");
        known *= v;
        rest.push_back(v);
    }
    const int64_t total = numel(m_shape);
    if (first == -1 && unknownAt < 0) {  // -1 in front: batch inferred, rest fixed
        if (numel(rest) != total) failAt(node, "target does not match the input size");
    } else if (unknownAt >= 0) {
        if (known == 0 || total % known != 0) failAt(node, "target does not divide the input size");
        rest[static_cast<size_t>(unknownAt)] = total / known;
    }
    if (numel(rest) != total)
        failAt(node, "cannot reshape " + shapeToString(m_shape) + " to " + shapeToString(rest));
    if (rest == m_shape) return produceIdentity(node);
    if (rest.size() != 1)
        failAt(node, "only flattening reshapes are supported (to " + shapeToString(rest) + ")");
    produce(node, Layer{{}, FlattenParams{1}});
}

void Importer::importKWinners(const onnx::NodeProto& node) {
    requireActivation(node);
    KWinnersParams p;
    p.local = intAttr(node, "local", 0) != 0;
    const int64_t units = KWinnersParams::selectionSize(m_shape, p.local);
    if (const auto* k = findAttr(node, "k")) {
        p.k = static_cast<int>(std::clamp<int64_t>(k->i(), 0, units));
        if (k->i() < 1 || k->i() > units)
            failAt(node,
                   "k = " + std::to_string(k->i()) + " is outside 1.." + std::to_string(units));
    } else if (const auto* pct = findAttr(node, "percent_on")) {
        if (!(pct->f() > 0.0f && pct->f() <= 1.0f)) failAt(node, "percent_on must be in (0, 1]");
        p.k = static_cast<int>(std::lround(double(units) * pct->f()));
        p.k = std::max(p.k, 1);
    } else {
        failAt(node, "needs attribute k or percent_on");
    }
    p.kInferenceFactor = floatAttr(node, "k_inference_factor", 1.0f);
    p.boostStrength = floatAttr(node, "boost_strength", 0.0f);
    p.boostStrengthFactor = floatAttr(node, "boost_strength_factor", 1.0f);
    p.dutyCyclePeriod =
        static_cast<int>(std::clamp<int64_t>(intAttr(node, "duty_cycle_period", 1000), 1, 1 << 30));
    p.relu = intAttr(node, "relu", 0) != 0;
    if (!(p.kInferenceFactor > 0.0f) || !std::isfinite(p.kInferenceFactor))
        failAt(node, "k_inference_factor must be > 0");
    if (maybeConstant(node, 1)) {
        const int64_t want = m_shape.size() == 3 ? m_shape[0] : numel(m_shape);
        p.dutyCycles = floatVector(node, 1, "duty_cycles", want);
    } else if (node.input_size() > 1 && !node.input(1).empty()) {
        failAt(node,
               "duty_cycles '" + node.input(1) + "' is not an initializer (missing initializer)");
    }
    produce(node, Layer{{}, std::move(p)});
}

void Importer::importNode(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (node.output_size() < 1) failAt(node, "has no output");
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
        if (node.domain() == kSparseLabDomain && op == "KWinners") return importKWinners(node);
        failAt(node, "unsupported op " + node.domain() + "::" + op);
    }
    m_lastIsMatMul = m_lastIsMatMul && op == "Add";
    const bool onActivation = node.input_size() > 0 && node.input(0) == m_activation;
    if (op == "Conv") return importConv(node);
    if (op == "BatchNormalization") return importBatchNorm(node);
    if (op == "MaxPool") return importMaxPool(node);
    if (op == "Relu") return requireActivation(node), produce(node, Layer{{}, ReLUParams{}});
    if (op == "Gemm") return importGemm(node);
    if (op == "MatMul") return importMatMul(node);
    if (op == "Add") return importAdd(node);
    if (op == "Reshape") return importReshape(node);
    if (op == "Flatten") {
        requireActivation(node);
        const int64_t axis = intAttr(node, "axis", 1);
        if (axis != 1 && axis != -static_cast<int64_t>(m_shape.size()))
            failAt(node, "only Flatten(axis=1) is supported");
        if (m_shape.size() == 1) return produceIdentity(node);
        return produce(node, Layer{{}, FlattenParams{1}});
    }
    if (op == "Softmax" || op == "LogSoftmax") {
        requireActivation(node);
        const int64_t axis = intAttr(node, "axis", m_opset >= 13 ? -1 : 1);
        if (m_shape.size() != 1 || (axis != 1 && axis != -1))
            failAt(node, "only softmax over classes is supported");
        if (op == "Softmax") return produce(node, Layer{{}, SoftmaxParams{}});
        return produce(node, Layer{{}, LogSoftmaxParams{}});
    }
    if (op == "Identity" || op == "Dropout") {
        if (onActivation) return produceIdentity(node);
        return importConstantOp(node);
    }
    if (op == "Constant" || op == "Shape" || op == "Gather" || op == "Unsqueeze" ||
        op == "Squeeze" || op == "Concat" || op == "Cast")
        return importConstantOp(node);
    failAt(node, "unsupported op " + op);
}

}  // namespace sparselab::onnx_detail

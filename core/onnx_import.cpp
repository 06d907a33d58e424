// ONNX -> Model. The graph is walked in node order; exactly one activation flows through it
// (GSC networks are sequential), everything else is a constant: initializers, Constant nodes
// and the small integer subgraphs PyTorch emits for dynamic-batch reshapes.

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>

#include "atomic_file.h"
#include "error.h"
#include "onnx_model.h"

namespace sparselab {

namespace {

/// Stands for "the batch size" inside integer shape constants.
constexpr int64_t kBatch = std::numeric_limits<int64_t>::min() + 7;

struct Const {
    Shape dims;
    bool isInt = false;
    std::vector<float> f;
    std::vector<int64_t> i;
    int64_t count() const {
        return isInt ? static_cast<int64_t>(i.size()) : static_cast<int64_t>(f.size());
    }
};

class Importer {
  public:
    Importer(std::string source, const OnnxLimits& limits)
        : m_source(std::move(source)), m_limits(limits) {}

    Model run(const onnx::ModelProto& proto);

  private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(m_source + ": " + what); }
    [[noreturn]] void failAt(const onnx::NodeProto& node, const std::string& what) const {
        fail("node '" + nodeName(node) + "' (" + node.op_type() + "): " + what);
    }
    static std::string nodeName(const onnx::NodeProto& node) {
        return node.name().empty() ? (node.output_size() ? node.output(0) : std::string("?"))
                                   : node.name();
    }

    Shape checkedDims(const google::protobuf::RepeatedField<int64_t>& dims,
                      const std::string& what);
    Const tensorToConst(const onnx::TensorProto& t, const std::string& what);
    void addSparseInitializer(const onnx::SparseTensorProto& s);
    const Const& constant(const onnx::NodeProto& node, int input, const char* role);
    const Const* maybeConstant(const onnx::NodeProto& node, int input);
    void requireActivation(const onnx::NodeProto& node, int input = 0);
    void produce(const onnx::NodeProto& node, Layer layer);
    void produceIdentity(const onnx::NodeProto& node);
    Tensor floatTensor(const onnx::NodeProto& node, int input, const char* role, size_t rank);
    std::vector<float> floatVector(const onnx::NodeProto& node, int input, const char* role,
                                   int64_t count);

    void importNode(const onnx::NodeProto& node);
    void importConstantOp(const onnx::NodeProto& node);
    void importConv(const onnx::NodeProto& node);
    void importBatchNorm(const onnx::NodeProto& node);
    void importMaxPool(const onnx::NodeProto& node);
    void importGemm(const onnx::NodeProto& node);
    void importMatMul(const onnx::NodeProto& node);
    void importAdd(const onnx::NodeProto& node);
    void importReshape(const onnx::NodeProto& node);
    void importKWinners(const onnx::NodeProto& node);
    void readMetadata(const onnx::ModelProto& proto);

    std::string m_source;
    OnnxLimits m_limits;
    int64_t m_totalElements = 0;
    int64_t m_opset = 13;
    std::map<std::string, Const> m_consts;
    std::string m_activation;  ///< name of the value the next layer consumes
    Shape m_shape;             ///< its per-sample shape
    std::optional<int64_t> m_fixedBatch;
    Model m_model;
    bool m_lastIsMatMul = false;
};

// ---- attributes --------------------------------------------------------------------------------

const onnx::AttributeProto* findAttr(const onnx::NodeProto& node, const char* name) {
    for (const auto& a : node.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}

int64_t intAttr(const onnx::NodeProto& node, const char* name, int64_t fallback) {
    const auto* a = findAttr(node, name);
    return a ? a->i() : fallback;
}

float floatAttr(const onnx::NodeProto& node, const char* name, float fallback) {
    const auto* a = findAttr(node, name);
    return a ? a->f() : fallback;
}

std::vector<int64_t> intsAttr(const onnx::NodeProto& node, const char* name,
                              std::vector<int64_t> fallback) {
    const auto* a = findAttr(node, name);
    if (!a) return fallback;
    return {a->ints().begin(), a->ints().end()};
}

// ---- constants
// -----------------------------------------------------------------------------------

Shape Importer::checkedDims(const google::protobuf::RepeatedField<int64_t>& dims,
                            const std::string& what) {
    if (dims.size() > m_limits.maxRank)
        fail(what + " has " + std::to_string(dims.size()) + " dimensions");
    Shape shape;
    int64_t count = 1;
    for (int64_t d : dims) {
        if (d < 0 || d > m_limits.maxTensorElements)
            fail(what + " has an absurd dimension " + std::to_string(d));
        count *= d;  // cannot overflow: each factor <= 2^26 and we stop once over the limit
        if (count > m_limits.maxTensorElements)
            fail(what + " claims more than " + std::to_string(m_limits.maxTensorElements) +
                 " elements");
        shape.push_back(d);
    }
    return shape;
}

Const Importer::tensorToConst(const onnx::TensorProto& t, const std::string& what) {
    Const c;
    c.dims = checkedDims(t.dims(), what);
    const int64_t n = numel(c.dims);
    if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
        fail(what + " keeps its data in an external file, which SparseLab does not read");
    m_totalElements += n;
    if (m_totalElements > m_limits.maxTotalElements)
        fail("initializers claim more than " + std::to_string(m_limits.maxTotalElements) +
             " elements in all");
    const std::string& raw = t.raw_data();
    auto needRaw = [&](size_t bytesPer) {
        if (raw.size() != static_cast<size_t>(n) * bytesPer)
            fail(what + " holds " + std::to_string(raw.size()) + " bytes of data, its shape " +
                 shapeToString(c.dims) + " needs " +
                 std::to_string(static_cast<size_t>(n) * bytesPer) + " (truncated or corrupt)");
    };
    switch (t.data_type()) {
        case onnx::TensorProto::FLOAT:
            if (!raw.empty() || t.float_data_size() == 0) {
                needRaw(4);
                c.f.resize(static_cast<size_t>(n));
                if (n)
                    std::memcpy(c.f.data(), raw.data(),
                                raw.size());  // x86-64 is little-endian, as ONNX
            } else {
                if (t.float_data_size() != n)
                    fail(what + " has " + std::to_string(t.float_data_size()) +
                         " values, its shape needs " + std::to_string(n));
                c.f.assign(t.float_data().begin(), t.float_data().end());
            }
            break;
        case onnx::TensorProto::DOUBLE: {
            if (!raw.empty() || t.double_data_size() == 0) {
                needRaw(8);
                std::vector<double> d(static_cast<size_t>(n));
                if (n) std::memcpy(d.data(), raw.data(), raw.size());
                c.f.assign(d.begin(), d.end());
            } else {
                if (t.double_data_size() != n) fail(what + " has the wrong number of values");
                c.f.assign(t.double_data().begin(), t.double_data().end());
            }
            break;
        }
        case onnx::TensorProto::INT64:
            c.isInt = true;
            if (!raw.empty() || t.int64_data_size() == 0) {
                needRaw(8);
                c.i.resize(static_cast<size_t>(n));
                if (n) std::memcpy(c.i.data(), raw.data(), raw.size());
            } else {
                if (t.int64_data_size() != n) fail(what + " has the wrong number of values");
                c.i.assign(t.int64_data().begin(), t.int64_data().end());
            }
            break;
        case onnx::TensorProto::INT32:
            c.isInt = true;
            if (!raw.empty() || t.int32_data_size() == 0) {
                needRaw(4);
                std::vector<int32_t> d(static_cast<size_t>(n));
                if (n) std::memcpy(d.data(), raw.data(), raw.size());
                c.i.assign(d.begin(), d.end());
            } else {
                if (t.int32_data_size() != n) fail(what + " has the wrong number of values");
                c.i.assign(t.int32_data().begin(), t.int32_data().end());
            }
            break;
        default:
            fail(what + " has element type " + std::to_string(t.data_type()) +
                 ", SparseLab reads float, double, int32 and int64");
    }
    return c;
}

void Importer::addSparseInitializer(const onnx::SparseTensorProto& s) {
    const std::string name = s.values().name();
    const std::string what = "sparse initializer '" + name + "'";
    Const dense;
    dense.dims = checkedDims(s.dims(), what);
    const int64_t n = numel(dense.dims);
    Const values = tensorToConst(s.values(), what + " values");
    Const indices = tensorToConst(s.indices(), what + " indices");
    if (values.isInt || !indices.isInt) fail(what + " must have float values and integer indices");
    const int64_t nnz = values.count();
    if (values.dims.size() != 1) fail(what + " values must be 1-D");
    m_totalElements += n;
    if (m_totalElements > m_limits.maxTotalElements) fail(what + " is too large");
    dense.f.assign(static_cast<size_t>(n), 0.0f);
    const auto rank = static_cast<int64_t>(dense.dims.size());
    const bool linear = indices.dims.size() == 1;
    if (!(linear && indices.count() == nnz) &&
        !(indices.dims.size() == 2 && indices.dims[0] == nnz && indices.dims[1] == rank))
        fail(what + " indices have shape " + shapeToString(indices.dims) + ", expected [" +
             std::to_string(nnz) + "] or [" + std::to_string(nnz) + "," + std::to_string(rank) +
             "]");
    for (int64_t e = 0; e < nnz; ++e) {
        int64_t flat = 0;
        if (linear) {
            flat = indices.i[static_cast<size_t>(e)];
        } else {
            for (int64_t d = 0; d < rank; ++d) {
                const int64_t idx = indices.i[static_cast<size_t>(e * rank + d)];
                if (idx < 0 || idx >= dense.dims[static_cast<size_t>(d)]) {
                    flat = -1;
                    break;
                }
                flat = flat * dense.dims[static_cast<size_t>(d)] + idx;
            }
        }
        if (flat < 0 || flat >= n)
            fail(what + " has an index outside its shape " + shapeToString(dense.dims));
        dense.f[static_cast<size_t>(flat)] = values.f[static_cast<size_t>(e)];
    }
    m_consts[name] = std::move(dense);
}

const Const* Importer::maybeConstant(const onnx::NodeProto& node, int input) {
    if (input >= node.input_size() || node.input(input).empty()) return nullptr;
    auto it = m_consts.find(node.input(input));
    return it == m_consts.end() ? nullptr : &it->second;
}

const Const& Importer::constant(const onnx::NodeProto& node, int input, const char* role) {
    if (input >= node.input_size() || node.input(input).empty())
        failAt(node, std::string("has no ") + role + " input");
    const Const* c = maybeConstant(node, input);
    if (!c)
        failAt(node, std::string(role) + " '" + node.input(input) +
                         "' is not an initializer or constant (missing initializer)");
    return *c;
}

Tensor Importer::floatTensor(const onnx::NodeProto& node, int input, const char* role,
                             size_t rank) {
    const Const& c = constant(node, input, role);
    if (c.isInt) failAt(node, std::string(role) + " must be a float tensor");
    if (c.dims.size() != rank)
        failAt(node, std::string(role) + " has shape " + shapeToString(c.dims) +
                         ", expected rank " + std::to_string(rank));
    return Tensor(c.dims, c.f);
}

std::vector<float> Importer::floatVector(const onnx::NodeProto& node, int input, const char* role,
                                         int64_t count) {
    const Const& c = constant(node, input, role);
    if (c.isInt) failAt(node, std::string(role) + " must be a float tensor");
    if (c.count() != count)
        failAt(node, std::string(role) + " has " + std::to_string(c.count()) +
                         " values, expected " + std::to_string(count));
    return c.f;
}

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
    for (int64_t d : intsAttr(node, "dilations", {1, 1}))
        if (d != 1) failAt(node, "dilated convolution is not supported");
    if (const auto* a = findAttr(node, "auto_pad"); a && a->s() != "NOTSET" && a->s() != "VALID")
        failAt(node, "auto_pad " + a->s() + " is not supported");
    Conv2dParams p;
    p.weight = floatTensor(node, 1, "weight", 4);
    const auto strides = intsAttr(node, "strides", {1, 1});
    const auto pads = intsAttr(node, "pads", {0, 0, 0, 0});
    if (strides.size() != 2 || pads.size() != 4) failAt(node, "only 2-D convolution is supported");
    p.strideH = static_cast<int>(strides[0]);
    p.strideW = static_cast<int>(strides[1]);
    p.padTop = static_cast<int>(pads[0]);
    p.padLeft = static_cast<int>(pads[1]);
    p.padBottom = static_cast<int>(pads[2]);
    p.padRight = static_cast<int>(pads[3]);
    if (p.strideH < 1 || p.strideW < 1 || *std::min_element(pads.begin(), pads.end()) < 0 ||
        *std::max_element(pads.begin(), pads.end()) > 1024 || strides[0] > 1024 ||
        strides[1] > 1024)
        failAt(node, "has invalid strides or pads");
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
    for (int64_t d : intsAttr(node, "dilations", {1, 1}))
        if (d != 1) failAt(node, "dilated pooling is not supported");
    const auto kernel = intsAttr(node, "kernel_shape", {});
    if (kernel.size() != 2) failAt(node, "only 2-D pooling is supported");
    const auto strides = intsAttr(node, "strides", {1, 1});
    const auto pads = intsAttr(node, "pads", {0, 0, 0, 0});
    if (strides.size() != 2 || pads.size() != 4) failAt(node, "only 2-D pooling is supported");
    for (int64_t v : kernel)
        if (v < 1 || v > 1024) failAt(node, "has an invalid kernel size");
    for (int64_t v : strides)
        if (v < 1 || v > 1024) failAt(node, "has an invalid stride");
    for (int64_t v : pads)
        if (v < 0 || v > 1024) failAt(node, "has invalid pads");
    MaxPool2dParams p;
    p.kernelH = static_cast<int>(kernel[0]);
    p.kernelW = static_cast<int>(kernel[1]);
    p.strideH = static_cast<int>(strides[0]);
    p.strideW = static_cast<int>(strides[1]);
    p.padTop = static_cast<int>(pads[0]);
    p.padLeft = static_cast<int>(pads[1]);
    p.padBottom = static_cast<int>(pads[2]);
    p.padRight = static_cast<int>(pads[3]);
    if (intAttr(node, "ceil_mode", 0) != 0 && m_shape.size() == 3) {
        // Ceil mode only matters when the window does not tile the input exactly.
        for (int axis = 0; axis < 2; ++axis) {
            const int64_t span =
                m_shape[static_cast<size_t>(axis + 1)] + pads[static_cast<size_t>(axis)] +
                pads[static_cast<size_t>(axis + 2)] - kernel[static_cast<size_t>(axis)];
            if (span % strides[static_cast<size_t>(axis)] != 0)
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
    if (intAttr(node, "transB", 0) != 0) {
        p.weight = std::move(b);
    } else {  // B is [in, out]: store as [out, in]
        p.weight = Tensor({b.dim(1), b.dim(0)});
        for (int64_t i = 0; i < b.dim(0); ++i)
            for (int64_t o = 0; o < b.dim(1); ++o) p.weight[o * b.dim(0) + i] = b[i * b.dim(1) + o];
    }
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
    Tensor b = floatTensor(node, 1, "weight", 2);
    LinearParams p;
    p.weight = Tensor({b.dim(1), b.dim(0)});
    for (int64_t i = 0; i < b.dim(0); ++i)
        for (int64_t o = 0; o < b.dim(1); ++o) p.weight[o * b.dim(0) + i] = b[i * b.dim(1) + o];
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

void Importer::importConstantOp(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    auto out = [&](Const c) { m_consts[node.output(0)] = std::move(c); };
    if (op == "Constant") {
        const auto* v = findAttr(node, "value");
        if (!v || !v->has_t()) failAt(node, "only tensor constants are supported");
        return out(tensorToConst(v->t(), "constant '" + node.output(0) + "'"));
    }
    if (op == "Shape") {
        requireActivation(node);
        Const c;
        c.isInt = true;
        c.i.push_back(kBatch);
        c.i.insert(c.i.end(), m_shape.begin(), m_shape.end());
        c.dims = {static_cast<int64_t>(c.i.size())};
        return out(std::move(c));
    }
    const Const& a = constant(node, 0, "data");
    if (!a.isInt) failAt(node, "only integer shape arithmetic is supported on constants");
    if (op == "Gather") {
        const Const& idx = constant(node, 1, "indices");
        if (!idx.isInt || a.dims.size() != 1 || intAttr(node, "axis", 0) != 0)
            failAt(node, "unsupported Gather");
        Const c;
        c.isInt = true;
        c.dims = idx.dims;
        for (int64_t i : idx.i) {
            const int64_t j = i < 0 ? i + a.count() : i;
            if (j < 0 || j >= a.count()) failAt(node, "index out of range");
            c.i.push_back(a.i[static_cast<size_t>(j)]);
        }
        return out(std::move(c));
    }
    if (op == "Unsqueeze" || op == "Squeeze" || op == "Cast" || op == "Identity") {
        Const c = a;
        if (op == "Cast" &&
            intAttr(node, "to", onnx::TensorProto::INT64) != onnx::TensorProto::INT64 &&
            intAttr(node, "to", 0) != onnx::TensorProto::INT32)
            failAt(node, "only integer casts of shape values are supported");
        c.dims =
            op == "Unsqueeze" ? Shape{c.count()} : (c.count() == 1 ? Shape{} : Shape{c.count()});
        return out(std::move(c));
    }
    if (op == "Concat") {
        Const c;
        c.isInt = true;
        for (int i = 0; i < node.input_size(); ++i) {
            const Const& part = constant(node, i, "part");
            if (!part.isInt) failAt(node, "only integer concatenation is supported");
            c.i.insert(c.i.end(), part.i.begin(), part.i.end());
        }
        c.dims = {static_cast<int64_t>(c.i.size())};
        return out(std::move(c));
    }
    failAt(node, "unsupported op on constants");
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

void Importer::readMetadata(const onnx::ModelProto& proto) {
    auto toInt = [&](const std::string& key, const std::string& v, int lo, int hi) {
        int x = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec != std::errc() || ptr != v.data() + v.size() || x < lo || x > hi)
            fail("metadata " + key + " = '" + v + "' is not a whole number in " +
                 std::to_string(lo) + ".." + std::to_string(hi));
        return x;
    };
    ModelMetadata& m = m_model.metadata;
    for (const auto& kv : proto.metadata_props()) {
        const std::string& k = kv.key();
        const std::string& v = kv.value();
        if (k == onnx_keys::kName) {
            m_model.name = v;
        } else if (k == onnx_keys::kLabels) {
            m.labels.clear();
            std::stringstream ss(v);
            for (std::string item; std::getline(ss, item, ',');) m.labels.push_back(item);
            m.hasLabels = true;
        } else if (k == onnx_keys::kSampleRate) {
            m.features.sampleRate = toInt(k, v, 1000, 384000), m.hasFeatureParams = true;
        } else if (k == onnx_keys::kNMels) {
            m.features.nMels = toInt(k, v, 1, 512), m.hasFeatureParams = true;
        } else if (k == onnx_keys::kNFft) {
            m.features.nFft = toInt(k, v, 16, 65536), m.hasFeatureParams = true;
        } else if (k == onnx_keys::kHopLength) {
            m.features.hopLength = toInt(k, v, 1, 65536), m.hasFeatureParams = true;
        } else if (k == onnx_keys::kFrames) {
            m.features.frames = toInt(k, v, 1, 4096), m.hasFeatureParams = true;
        } else if (k == onnx_keys::kTopDb) {
            m.features.topDb = static_cast<float>(toInt(k, v, 1, 200)), m.hasFeatureParams = true;
        } else {
            m.extra[k] = v;
        }
    }
}

Model Importer::run(const onnx::ModelProto& proto) {
    if (!proto.has_graph()) fail("not an ONNX model (no graph; truncated or not an ONNX file)");
    for (const auto& op : proto.opset_import())
        if (op.domain().empty() || op.domain() == "ai.onnx") m_opset = op.version();
    const onnx::GraphProto& g = proto.graph();
    if (g.node_size() > m_limits.maxNodes)
        fail("graph has " + std::to_string(g.node_size()) + " nodes");
    for (const auto& t : g.initializer())
        m_consts[t.name()] = tensorToConst(t, "initializer '" + t.name() + "'");
    for (const auto& s : g.sparse_initializer()) addSparseInitializer(s);

    // The one graph input that is not an initializer is the network's input.
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& vi : g.input()) {
        if (m_consts.count(vi.name())) continue;
        if (input)
            fail("graph has more than one data input ('" + input->name() + "', '" + vi.name() +
                 "')");
        input = &vi;
    }
    if (!input) fail("graph has no data input");
    if (!input->type().has_tensor_type() || !input->type().tensor_type().has_shape())
        fail("input '" + input->name() + "' has no tensor shape");
    const auto& dims = input->type().tensor_type().shape().dim();
    if (dims.size() < 2 || dims.size() > 4)
        fail("input '" + input->name() + "' must be [N, C, H, W] or [N, F]");
    for (int i = 0; i < dims.size(); ++i) {
        const auto& d = dims.Get(i);
        if (i == 0) {
            if (d.has_dim_value()) m_fixedBatch = d.dim_value();
            continue;
        }
        if (!d.has_dim_value() || d.dim_value() < 1 || d.dim_value() > (1 << 20))
            fail("input '" + input->name() + "' dimension " + std::to_string(i) +
                 " must be a fixed size");
        m_shape.push_back(d.dim_value());
    }
    if (numel(m_shape) > m_limits.maxTensorElements) fail("input is absurdly large");
    m_model.inputShape = m_shape;
    m_activation = input->name();

    for (const auto& node : g.node()) importNode(node);

    if (g.output_size() < 1) fail("graph has no output");
    if (g.output(0).name() != m_activation)
        fail("graph output '" + g.output(0).name() + "' is not the end of the layer chain ('" +
             m_activation + "')");
    readMetadata(proto);
    foldBatchNorms(m_model);
    try {
        m_model.validate();
    } catch (const Error& e) {
        fail(e.what());
    }
    return std::move(m_model);
}

}  // namespace

Model loadOnnxFromBytes(std::string_view bytes, const std::string& source,
                        const OnnxLimits& limits) {
    if (bytes.empty()) throw Error(source + ": empty file");
    if (bytes.size() > limits.maxFileBytes) throw Error(source + ": file is too large");
    onnx::ModelProto proto;
    if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        throw Error(
            source +
            ": not a valid ONNX model (protobuf decoding failed: truncated or corrupt file)");
    Importer importer(source, limits);
    Model model = importer.run(proto);
    if (model.name.empty()) {
        std::string stem = std::filesystem::path(source).stem().string();
        model.name = stem.empty() ? source : stem;
    }
    if (!model.metadata.hasLabels) {
        const auto digits = digitsLabels();
        if (static_cast<size_t>(model.numClasses()) == digits.size()) {
            model.metadata.labels = digits;
        } else {
            for (int64_t i = 0; i < model.numClasses(); ++i)
                model.metadata.labels.push_back("class" + std::to_string(i));
        }
    }
    return model;
}

Model loadOnnx(const std::filesystem::path& path, const OnnxLimits& limits) {
    const std::string bytes = readFileLimited(path, limits.maxFileBytes);
    return loadOnnxFromBytes(bytes, path.string(), limits);
}

}  // namespace sparselab

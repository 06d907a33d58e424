// ONNX import: attributes, initializers, sparse initializers and constant shape arithmetic.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "onnx_importer.h"

namespace sparselab::onnx_detail {

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

}  // namespace sparselab::onnx_detail

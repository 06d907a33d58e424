#pragma once

// Internal to core/onnx_import*.cpp: the importer that walks an ONNX graph into a Model.
// The graph is walked in node order; exactly one activation flows through it (GSC networks
// are sequential), everything else is a constant: initializers, Constant nodes and the small
// integer subgraphs PyTorch emits for dynamic-batch reshapes.

#include <onnx/onnx_pb.h>

#include <limits>
#include <map>
#include <optional>
#include <string>

#include "error.h"
#include "onnx_model.h"

namespace sparselab::onnx_detail {

/// Stands for "the batch size" inside integer shape constants.
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

/// Attribute lookups; absent attributes give the fallback.
const onnx::AttributeProto* findAttr(const onnx::NodeProto& node, const char* name);
int64_t intAttr(const onnx::NodeProto& node, const char* name, int64_t fallback);
float floatAttr(const onnx::NodeProto& node, const char* name, float fallback);
std::vector<int64_t> intsAttr(const onnx::NodeProto& node, const char* name,
                              std::vector<int64_t> fallback);

}  // namespace sparselab::onnx_detail

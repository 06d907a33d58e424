// Model -> SparseLab ONNX (opset 13 + ai.sparselab 1).

#include <onnx/onnx_pb.h>

#include <optional>
#include <set>
#include <sstream>

#include "atomic_file.h"
#include "error.h"
#include "onnx_model.h"

namespace sparselab {

namespace {

class Exporter {
  public:
    explicit Exporter(onnx::GraphProto* graph) : m_graph(graph) {}

    /// Adds a float tensor; at least half zeros -> sparse_initializer with linear indices.
    std::string addTensor(const std::string& name, const Shape& dims,
                          std::span<const float> values) {
        int64_t nnz = 0;
        for (float v : values) nnz += v != 0.0f;
        if (values.size() >= 64 && nnz * 2 <= static_cast<int64_t>(values.size())) {
            auto* s = m_graph->add_sparse_initializer();
            for (int64_t d : dims) s->add_dims(d);
            auto* v = s->mutable_values();
            v->set_name(name);
            v->set_data_type(onnx::TensorProto::FLOAT);
            v->add_dims(nnz);
            auto* idx = s->mutable_indices();
            idx->set_name(name + ".indices");
            idx->set_data_type(onnx::TensorProto::INT64);
            idx->add_dims(nnz);
            std::string rawValues, rawIdx;
            rawValues.reserve(static_cast<size_t>(nnz) * 4);
            rawIdx.reserve(static_cast<size_t>(nnz) * 8);
            for (size_t i = 0; i < values.size(); ++i) {
                if (values[i] == 0.0f) continue;
                const auto index = static_cast<int64_t>(i);
                rawValues.append(reinterpret_cast<const char*>(&values[i]), 4);
                rawIdx.append(reinterpret_cast<const char*>(&index), 8);
            }
            v->set_raw_data(rawValues);
            idx->set_raw_data(rawIdx);
            return name;
        }
        auto* t = m_graph->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : dims) t->add_dims(d);
        t->set_raw_data(
            std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
        return name;
    }

    onnx::NodeProto* addNode(const Layer& layer, const char* op, std::vector<std::string> inputs) {
        auto* n = m_graph->add_node();
        n->set_name(layer.name);
        n->set_op_type(op);
        for (auto& i : inputs) n->add_input(i);
        m_current = layer.name + ".out";
        n->add_output(m_current);
        return n;
    }

    std::string m_current;

  private:
    onnx::GraphProto* m_graph;
};

void setInts(onnx::NodeProto* n, const char* name, std::initializer_list<int64_t> values) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
}

void setInt(onnx::NodeProto* n, const char* name, int64_t value) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}

void setFloat(onnx::NodeProto* n, const char* name, float value) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
}

void setShape(onnx::ValueInfoProto* vi, const Shape& perSample) {
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tt->mutable_shape();
    shape->add_dim()->set_dim_param("N");
    for (int64_t d : perSample) shape->add_dim()->set_dim_value(d);
}

void addMeta(onnx::ModelProto& proto, const std::string& key, const std::string& value) {
    auto* kv = proto.add_metadata_props();
    kv->set_key(key);
    kv->set_value(value);
}

}  // namespace

std::string saveOnnxToBytes(const Model& model) {
    model.validate();
    onnx::ModelProto proto;
    proto.set_ir_version(8);
    proto.set_producer_name("SparseLab");
    proto.set_producer_version("0.1");
    auto* opset = proto.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto* custom = proto.add_opset_import();
    custom->set_domain(kSparseLabDomain);
    custom->set_version(1);

    auto* g = proto.mutable_graph();
    g->set_name(model.name.empty() ? "sparselab" : model.name);
    auto* in = g->add_input();
    in->set_name("input");
    setShape(in, model.inputShape);

    Exporter ex(g);
    ex.m_current = "input";
    // Tensor and output names derive from layer names, so they must be unique: an imported file
    // may repeat a node name (found by fuzzing: two "conv1" nodes exported one "conv1.weight").
    std::set<std::string> usedNames;
    for (const Layer& original : model.layers) {
        std::string unique = original.name.empty() ? std::string("layer") : original.name;
        for (int suffix = 2; usedNames.count(unique); ++suffix)
            unique = original.name + "_" + std::to_string(suffix);
        usedNames.insert(unique);
        std::optional<Layer> renamed;  // copied only when the name has to change
        if (unique != original.name) {
            renamed = original;
            renamed->name = unique;
        }
        const Layer& layer = renamed ? *renamed : original;
        const std::string x = ex.m_current;
        switch (layer.kind()) {
            case LayerKind::Conv2d: {
                const auto& p = layer.as<Conv2dParams>();
                auto w = ex.addTensor(layer.name + ".weight", p.weight.shape(), p.weight.values());
                auto b = ex.addTensor(layer.name + ".bias", {p.outChannels()}, p.bias);
                auto* n = ex.addNode(layer, "Conv", {x, w, b});
                setInts(n, "kernel_shape", {p.kernelH(), p.kernelW()});
                setInts(n, "strides", {p.strideH, p.strideW});
                setInts(n, "pads", {p.padTop, p.padLeft, p.padBottom, p.padRight});
                break;
            }
            case LayerKind::Linear: {
                const auto& p = layer.as<LinearParams>();
                auto w = ex.addTensor(layer.name + ".weight", p.weight.shape(), p.weight.values());
                auto b = ex.addTensor(layer.name + ".bias", {p.outFeatures()}, p.bias);
                setInt(ex.addNode(layer, "Gemm", {x, w, b}), "transB", 1);
                break;
            }
            case LayerKind::BatchNorm: {
                const auto& p = layer.as<BatchNormParams>();
                const int64_t c = static_cast<int64_t>(p.scale.size());
                auto s = ex.addTensor(layer.name + ".scale", {c}, p.scale);
                auto b = ex.addTensor(layer.name + ".bias", {c}, p.bias);
                auto m = ex.addTensor(layer.name + ".mean", {c}, p.mean);
                auto v = ex.addTensor(layer.name + ".var", {c}, p.var);
                setFloat(ex.addNode(layer, "BatchNormalization", {x, s, b, m, v}), "epsilon",
                         p.epsilon);
                break;
            }
            case LayerKind::MaxPool2d: {
                const auto& p = layer.as<MaxPool2dParams>();
                auto* n = ex.addNode(layer, "MaxPool", {x});
                setInts(n, "kernel_shape", {p.kernelH, p.kernelW});
                setInts(n, "strides", {p.strideH, p.strideW});
                setInts(n, "pads", {p.padTop, p.padLeft, p.padBottom, p.padRight});
                break;
            }
            case LayerKind::KWinners: {
                const auto& p = layer.as<KWinnersParams>();
                std::vector<std::string> inputs{x};
                if (!p.dutyCycles.empty())
                    inputs.push_back(ex.addTensor(layer.name + ".duty_cycles",
                                                  {static_cast<int64_t>(p.dutyCycles.size())},
                                                  p.dutyCycles));
                auto* n = ex.addNode(layer, "KWinners", inputs);
                n->set_domain(kSparseLabDomain);
                setInt(n, "k", p.k);
                setFloat(n, "k_inference_factor", p.kInferenceFactor);
                setInt(n, "local", p.local ? 1 : 0);
                setFloat(n, "boost_strength", p.boostStrength);
                setFloat(n, "boost_strength_factor", p.boostStrengthFactor);
                setInt(n, "duty_cycle_period", p.dutyCyclePeriod);
                setInt(n, "relu", p.relu ? 1 : 0);
                break;
            }
            case LayerKind::ReLU:
                ex.addNode(layer, "Relu", {x});
                break;
            case LayerKind::Flatten:
                setInt(ex.addNode(layer, "Flatten", {x}), "axis", 1);
                break;
            case LayerKind::Softmax:
                setInt(ex.addNode(layer, "Softmax", {x}), "axis", 1);
                break;
            case LayerKind::LogSoftmax:
                setInt(ex.addNode(layer, "LogSoftmax", {x}), "axis", 1);
                break;
        }
    }
    auto* out = g->add_output();
    out->set_name(ex.m_current);
    setShape(out, model.outputShape());

    if (!model.name.empty()) addMeta(proto, onnx_keys::kName, model.name);
    const ModelMetadata& m = model.metadata;
    if (!m.labels.empty()) {
        std::string joined;
        for (size_t i = 0; i < m.labels.size(); ++i) joined += (i ? "," : "") + m.labels[i];
        addMeta(proto, onnx_keys::kLabels, joined);
    }
    if (m.hasFeatureParams) {
        addMeta(proto, onnx_keys::kSampleRate, std::to_string(m.features.sampleRate));
        addMeta(proto, onnx_keys::kNMels, std::to_string(m.features.nMels));
        addMeta(proto, onnx_keys::kNFft, std::to_string(m.features.nFft));
        addMeta(proto, onnx_keys::kHopLength, std::to_string(m.features.hopLength));
        addMeta(proto, onnx_keys::kFrames, std::to_string(m.features.frames));
        addMeta(proto, onnx_keys::kTopDb, std::to_string(static_cast<int>(m.features.topDb)));
    }
    for (const auto& [k, v] : m.extra) addMeta(proto, k, v);

    std::string bytes;
    if (!proto.SerializeToString(&bytes))
        throw Error("model '" + model.name + "' could not be serialised");
    return bytes;
}

void saveOnnx(const Model& model, const std::filesystem::path& path) {
    writeFileAtomically(path, saveOnnxToBytes(model));
}

}  // namespace sparselab

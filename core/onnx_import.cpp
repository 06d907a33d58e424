// ONNX -> Model: metadata, the graph input and output, and the public entry points.
#include <charconv>
#include <sstream>

#include "atomic_file.h"
#include "onnx_importer.h"

namespace sparselab {

namespace onnx_detail {

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

}  // namespace onnx_detail

using onnx_detail::Importer;

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

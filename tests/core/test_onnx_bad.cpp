// Every kind of bad model file is rejected with an error that names the file and the problem.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/gsc_presets.h"
#include "core/onnx_model.h"

using namespace sparselab;

namespace {

onnx::ModelProto validProto() {
    onnx::ModelProto p;
    const std::string bytes = saveOnnxToBytes(buildGscModel(GscConfig::preset("sparse"), 5));
    EXPECT_TRUE(p.ParseFromString(bytes));
    return p;
}

std::string errorOf(const std::string& bytes) {
    try {
        loadOnnxFromBytes(bytes, "bad.onnx");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::string errorOf(const onnx::ModelProto& p) {
    return errorOf(p.SerializeAsString());
}

onnx::TensorProto* findInitializer(onnx::ModelProto& p, const std::string& name) {
    for (auto& t : *p.mutable_graph()->mutable_initializer())
        if (t.name() == name) return &t;
    return nullptr;
}

#define EXPECT_ERROR_MENTIONS(text, ...)                                                          \
    do {                                                                                          \
        const std::string msg_ = (text);                                                          \
        ASSERT_FALSE(msg_.empty()) << "no error raised";                                          \
        EXPECT_NE(msg_.find("bad.onnx"), std::string::npos) << msg_;                              \
        for (const char* w_ : {__VA_ARGS__}) EXPECT_NE(msg_.find(w_), std::string::npos) << msg_; \
    } while (0)

}  // namespace

TEST(BadModel, EmptyAndGarbage) {
    EXPECT_ERROR_MENTIONS(errorOf(std::string()), "empty");
    EXPECT_ERROR_MENTIONS(errorOf(std::string("this is not a model, just text\n")), "ONNX");
}

TEST(BadModel, TruncatedAnywhere) {
    const std::string bytes = validProto().SerializeAsString();
    for (double frac : {0.01, 0.1, 0.33, 0.5, 0.77, 0.95, 0.999}) {
        const std::string cut = bytes.substr(0, static_cast<size_t>(double(bytes.size()) * frac));
        EXPECT_FALSE(errorOf(cut).empty()) << "truncated at " << frac;
    }
}

TEST(BadModel, UnsupportedOpNamesOpAndNode) {
    auto p = validProto();
    auto* node = p.mutable_graph()->mutable_node(0);
    node->set_op_type("LSTM");
    EXPECT_ERROR_MENTIONS(errorOf(p), "LSTM", node->name().c_str());
}

TEST(BadModel, MissingInitializer) {
    auto p = validProto();
    p.mutable_graph()->mutable_node(0)->set_input(1, "nowhere.weight");
    EXPECT_ERROR_MENTIONS(errorOf(p), "nowhere.weight", "missing initializer");
}

TEST(BadModel, ShapeMismatch) {
    auto p = validProto();
    // conv2 expects 64 input channels; give it a 32-channel weight.
    onnx::TensorProto* w = findInitializer(p, "conv2.weight");
    onnx::SparseTensorProto* sw = nullptr;
    for (auto& s : *p.mutable_graph()->mutable_sparse_initializer())
        if (s.values().name() == "conv2.weight") sw = &s;
    ASSERT_TRUE(w || sw);
    onnx::TensorProto t;
    t.set_name("conv2.weight");
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {64, 32, 5, 5}) t.add_dims(d);
    t.set_raw_data(std::string(64 * 32 * 25 * 4, '\0'));
    if (sw) {
        sw->mutable_values()->set_name("conv2.unused");
        *p.mutable_graph()->add_initializer() = t;
    } else {
        *w = t;
    }
    EXPECT_ERROR_MENTIONS(errorOf(p), "conv2", "channels");
}

TEST(BadModel, AbsurdDimensionsRejectedBeforeAllocation) {
    auto p = validProto();
    onnx::TensorProto* b = findInitializer(p, "conv1.bias");
    ASSERT_NE(b, nullptr);
    b->clear_dims();
    b->add_dims(1000000000);
    b->add_dims(1000000000);  // 10^18 elements
    const auto start = std::chrono::steady_clock::now();
    EXPECT_ERROR_MENTIONS(errorOf(p), "conv1.bias");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST(BadModel, DataShorterThanShapeClaims) {
    auto p = validProto();
    onnx::TensorProto* b = findInitializer(p, "conv1.bias");
    ASSERT_NE(b, nullptr);
    b->set_raw_data(b->raw_data().substr(0, 10));
    EXPECT_ERROR_MENTIONS(errorOf(p), "conv1.bias", "truncated");
}

TEST(BadModel, NaNWeights) {
    auto p = validProto();
    onnx::TensorProto* b = findInitializer(p, "output.bias");
    ASSERT_NE(b, nullptr);
    std::string raw = b->raw_data();
    const float nan = std::nanf("");
    std::memcpy(raw.data() + 4, &nan, 4);
    b->set_raw_data(raw);
    EXPECT_ERROR_MENTIONS(errorOf(p), "output", "NaN");
}

TEST(BadModel, SparseIndexOutOfRange) {
    auto p = validProto();
    ASSERT_GT(p.graph().sparse_initializer_size(), 0);
    auto* idx = p.mutable_graph()->mutable_sparse_initializer(0)->mutable_indices();
    std::string raw = idx->raw_data();
    const int64_t huge = int64_t(1) << 40;
    std::memcpy(raw.data(), &huge, 8);
    idx->set_raw_data(raw);
    EXPECT_ERROR_MENTIONS(errorOf(p), "index outside");
}

TEST(BadModel, NonSequentialGraph) {
    auto p = validProto();
    // Make the third node read the graph input instead of its predecessor's output.
    p.mutable_graph()->mutable_node(2)->set_input(0, "input");
    EXPECT_ERROR_MENTIONS(errorOf(p), "sequential");
}

TEST(BadModel, KWinnersWithoutK) {
    auto p = validProto();
    for (auto& n : *p.mutable_graph()->mutable_node()) {
        if (n.op_type() != "KWinners") continue;
        auto* attrs = n.mutable_attribute();
        for (int i = attrs->size() - 1; i >= 0; --i)
            if (attrs->Get(i).name() == "k") attrs->DeleteSubrange(i, 1);
        break;
    }
    EXPECT_ERROR_MENTIONS(errorOf(p), "KWinners", "k or percent_on");
}

TEST(BadModel, WrongLabelCount) {
    auto p = validProto();
    for (auto& kv : *p.mutable_metadata_props())
        if (kv.key() == onnx_keys::kLabels) kv.set_value("yes,no");
    EXPECT_ERROR_MENTIONS(errorOf(p), "labels");
}

TEST(BadModel, FilesThatAreNotThere) {
    namespace fs = std::filesystem;
    try {
        loadOnnx("/nonexistent/model.onnx");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/model.onnx"), std::string::npos);
    }
    EXPECT_THROW(loadOnnx(fs::temp_directory_path()), Error);
}

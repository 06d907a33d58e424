#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "model.h"

namespace sparselab {

/// Limits checked before anything is allocated from a model file's claims.
struct OnnxLimits {
    std::uintmax_t maxFileBytes = 512ull << 20;  ///< whole file
    int64_t maxTensorElements = 64ll << 20;      ///< one initializer
    int64_t maxTotalElements = 128ll << 20;      ///< all initializers together
    int maxRank = 8;
    int maxNodes = 10000;
};

/// ONNX metadata_props keys SparseLab reads and writes.
namespace onnx_keys {
inline constexpr const char* kName = "sparselab.name";
inline constexpr const char* kLabels = "sparselab.labels";  ///< comma-separated, output order
inline constexpr const char* kSampleRate = "sparselab.sample_rate";
inline constexpr const char* kNMels = "sparselab.n_mels";
inline constexpr const char* kNFft = "sparselab.n_fft";
inline constexpr const char* kHopLength = "sparselab.hop_length";
inline constexpr const char* kFrames = "sparselab.frames";
inline constexpr const char* kTopDb = "sparselab.top_db";
}  // namespace onnx_keys

/// The custom op domain of SparseLab's k-winners node ("KWinners").
inline constexpr const char* kSparseLabDomain = "ai.sparselab";

/// Loads a GSC-family network from an ONNX file: PyTorch exports (Conv, BatchNormalization,
/// MaxPool, Relu, Gemm / MatMul+Add, Flatten / Reshape incl. dynamic-batch shape subgraphs,
/// Softmax / LogSoftmax, Dropout / Identity) and SparseLab's own files (ai.sparselab KWinners,
/// sparse initializers, metadata). BatchNorm directly after Conv2d or Linear is folded in.
/// Throws Error naming the file and the problem (unsupported op at a node, shape mismatch,
/// missing initializer, truncated file, absurd dimensions, NaN weights).
Model loadOnnx(const std::filesystem::path& path, const OnnxLimits& limits = {});

/// Same, from bytes in memory; `source` names them in error messages.
Model loadOnnxFromBytes(std::string_view bytes, const std::string& source,
                        const OnnxLimits& limits = {});

/// Serialises a model to SparseLab's ONNX (opset 13 + ai.sparselab 1). Weight tensors that are
/// at least half zeros are stored as sparse_initializers. loadOnnx of the result gives back the
/// same layers, weights and metadata.
std::string saveOnnxToBytes(const Model& model);

/// Writes saveOnnxToBytes(model) to `path` atomically; throws Error on failure.
void saveOnnx(const Model& model, const std::filesystem::path& path);

}  // namespace sparselab

#pragma once

#include <filesystem>

#include "train_layer.h"

namespace sparselab::train {

/// Writes a StateMap (named float arrays) to `path` atomically in SparseLab's little checkpoint
/// format: a magic line, then per entry its name length, name, element count and floats, then
/// an end marker. Throws Error naming the file on failure.
void saveCheckpoint(const StateMap& state, const std::filesystem::path& path);

/// Reads a file written by saveCheckpoint. Throws Error naming the file when it is missing,
/// truncated, oversized or not a checkpoint.
StateMap loadCheckpoint(const std::filesystem::path& path);

}  // namespace sparselab::train

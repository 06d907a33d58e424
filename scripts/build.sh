#!/usr/bin/env bash
# Configures and builds SparseLab into ${SPARSELAB_BUILD_DIR:-build} (Release, Ninja).
# Extra arguments go to CMake, e.g. scripts/build.sh -DSPARSELAB_WITH_FPGA=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SPARSELAB_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"

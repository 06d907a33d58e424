#!/usr/bin/env bash
# Configures and builds SparseLab into ${SPARSELAB_BUILD_DIR:-build} (Release, Ninja).
# Extra arguments go to CMake, e.g. scripts/build.sh -DSPARSELAB_WITH_FPGA=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SPARSELAB_BUILD_DIR:-build}
# ccache (if installed) shares objects between build folders and clones: hash paths relative to
# the checkout so a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=1
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"

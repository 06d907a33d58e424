#!/usr/bin/env bash
# ThreadSanitizer run (docs/RELIABILITY.md): builds the headless targets with -fsanitize=thread
# (SPARSELAB_TSAN=ON, gcc) into build-tsan and runs every test that uses several threads: the
# threaded executor and feature extraction, parallel training, concurrent atomic writes, model
# swaps under inference, and the streaming pipeline (ring buffer, worker) once it exists.
#   scripts/tsan.sh             build + run the threaded tests
#   TSAN_REGEX='...' scripts/tsan.sh   run a different selection of test names
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SPARSELAB_TSAN_BUILD_DIR:-build-tsan}
start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPARSELAB_TSAN=ON \
  -DSPARSELAB_BUILD_APP=OFF -DSPARSELAB_BUILD_BENCHMARKS=OFF -DSPARSELAB_WITH_FPGA=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
regex=${TSAN_REGEX:-'[Tt]hread|[Cc]oncurren|[Pp]arallel|[Ss]tream|[Rr]ing[Bb]uffer|[Ww]orker|[Ss]wap|[Ll]isten|[Bb]atch|[Tt]raining'}
# halt_on_error: the first race fails the test; second_deadlock_stack helps lock-order reports.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=4}
echo "== ctest (TSan): tests matching /$regex/"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure --timeout 900 --no-tests=error \
  -R "$regex" -LE 'fuzz|soak|e2e|mic'
echo "== TSan run passed in $(( $(date +%s) - start )) s"

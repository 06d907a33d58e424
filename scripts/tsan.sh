#!/usr/bin/env bash
# ThreadSanitizer run (docs/RELIABILITY.md): builds the headless targets AND the Qt widgets/app
# with -fsanitize=thread (SPARSELAB_TSAN=ON, gcc) into build-tsan and runs every test that uses
# several threads: the threaded executors and feature extraction, parallel training, concurrent
# atomic writes, model swaps under inference, the streaming pipeline (ring buffer, streaming
# detector, PortAudio capture) and the app's MicrophoneWorker on its QThread (live panel, model
# swaps while the sliders move, a vanishing audio device).
#   scripts/tsan.sh                      build + run the threaded tests
#   TSAN_REGEX='...' scripts/tsan.sh     run a different selection of test names
#   TSAN_NO_BUILD=1 scripts/tsan.sh      run only (build-tsan already built)
# Qt 6, PortAudio and PulseAudio are not built with TSan; tests/faults/tsan_suppressions.txt
# lists the third-party frames whose (uninstrumented) synchronisation TSan cannot see.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SPARSELAB_TSAN_BUILD_DIR:-build-tsan}
start=$(date +%s)
if [ "${TSAN_NO_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPARSELAB_TSAN=ON \
    -DSPARSELAB_BUILD_APP=ON -DSPARSELAB_BUILD_BENCHMARKS=OFF -DSPARSELAB_WITH_FPGA=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)"
fi
regex=${TSAN_REGEX:-'[Tt]hread|[Cc]oncurren|[Pp]arallel|[Ss]tream|[Rr]ing[Bb]uffer|[Ww]orker|[Ss]wap|[Ll]isten|[Bb]atch|[Tt]raining|AudioCapture|[Ll]ive|faults\.app|ModelSwap'}
# halt_on_error: the first race fails the test; second_deadlock_stack helps lock-order reports.
supp=$PWD/tests/faults/tsan_suppressions.txt
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$supp}
echo "== ctest (TSan): tests matching /$regex/"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure --timeout 900 --no-tests=error \
  -R "$regex" -LE 'fuzz|soak|e2e'
echo "== TSan run passed in $(( $(date +%s) - start )) s"

#!/usr/bin/env bash
# ThreadSanitizer run (docs/RELIABILITY.md): builds the headless targets with -fsanitize=thread
# (SPARSELAB_TSAN=ON, gcc) into build-tsan and runs every test that uses several threads: the
# threaded dense and sparse executors and feature extraction, parallel training (incl. resume),
# concurrent atomic writes, model swaps under inference (the app's sliders), and the streaming
# pipeline: ring buffer under two threads, streaming detector, PortAudio capture, and
# `sparselab-cli listen` on a file, on a live PulseAudio stream and across a device that
# vanishes and comes back (the same AudioCapture -> StreamResampler -> StreamingDetector chain
# the app's MicrophoneWorker drives).
#   scripts/tsan.sh                      build + run the threaded tests
#   TSAN_REGEX='...' scripts/tsan.sh     run a different selection of test names
#   TSAN_NO_BUILD=1 scripts/tsan.sh      run only (build-tsan already built)
# The Qt widget tests are not run: Debian's Qt is not built with TSan, and every queued
# signal/slot argument hand-over (synchronised by a futex-based QMutex inside libQt6Core) is
# reported as a race (docs/RELIABILITY.md, "Sanitizers"). tests/faults/tsan_suppressions.txt
# lists the third-party code (libstdc++, PulseAudio) whose synchronisation TSan cannot see.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SPARSELAB_TSAN_BUILD_DIR:-build-tsan}
start=$(date +%s)
if [ "${TSAN_NO_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPARSELAB_TSAN=ON \
    -DSPARSELAB_BUILD_APP=OFF -DSPARSELAB_BUILD_BENCHMARKS=OFF -DSPARSELAB_WITH_FPGA=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)"
fi
regex=${TSAN_REGEX:-'[Tt]hread|[Cc]oncurren|[Pp]arallel|[Ss]tream|[Rr]ing[Bb]uffer|[Ww]orker|[Ss]wap|[Ll]isten|[Bb]atch|[Tt]raining|AudioCapture|TrainTiny'}
# halt_on_error: the first race fails the test; second_deadlock_stack helps lock-order reports;
# die_after_fork=0: test helpers start PulseAudio/sox from threaded processes (fork + exec).
supp=$PWD/tests/faults/tsan_suppressions.txt
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:die_after_fork=0:second_deadlock_stack=1:history_size=4:suppressions=$supp}
echo "== ctest (TSan): tests matching /$regex/"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure --timeout 900 --no-tests=error \
  -R "$regex" -LE 'fuzz|soak|e2e|widgets'
echo "== TSan run passed in $(( $(date +%s) - start )) s"

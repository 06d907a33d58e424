#!/usr/bin/env bash
# libFuzzer campaign (docs/RELIABILITY.md): builds the harnesses of tests/fuzz with clang-14
# (-fsanitize=fuzzer,address,undefined) into build-fuzz and runs each one for a bounded time.
#   scripts/fuzz.sh            30 s per harness (what CI runs)
#   scripts/fuzz.sh 3600       an hour per harness (two harnesses at a time on 2 cores)
#   FUZZ_ONLY=onnx scripts/fuzz.sh 600   one harness (onnx, audio, gsc_list, checkpoint)
# The growing corpus stays in build-fuzz/tests/fuzz/work/<harness>/corpus between runs; findings
# (crash-*, leak-*, oom-*, timeout-*) land in .../artifacts/. Reproduce one with
#   build-fuzz/tests/fuzz/sparselab_fuzz_<harness> <file>
# then copy it to tests/fuzz/regressions/<harness>/ and fix the bug: ctest -L replay replays it
# in every normal and sanitizer build from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
build=${SPARSELAB_FUZZ_BUILD_DIR:-build-fuzz}
start=$(date +%s)
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSPARSELAB_FUZZ=ON -DSPARSELAB_FUZZ_SECONDS="$seconds" -DSPARSELAB_BUILD_APP=OFF \
  -DSPARSELAB_BUILD_BENCHMARKS=OFF -DSPARSELAB_WITH_FPGA=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target sparselab_fuzzers
built=$(date +%s)
echo "== fuzz build: $(( built - start )) s"
status=0
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure -L fuzz -R "fuzz\.${FUZZ_ONLY:-}" \
  --no-tests=error || status=$?
for d in "$build"/tests/fuzz/work/*/; do
  h=$(basename "$d")
  echo "   $h: $(find "$d/corpus" -type f | wc -l) corpus inputs, $(find "$d/artifacts" -type f | wc -l) findings"
  find "$d/artifacts" -type f -printf '      finding: %p\n'
done
echo "== fuzzing: $(( $(date +%s) - built )) s"
exit $status

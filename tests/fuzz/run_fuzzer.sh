#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time (used by ctest -L fuzz and scripts/fuzz.sh).
#   run_fuzzer.sh <harness> <seconds> <work folder> <seed/regression folders...>
# New interesting inputs accumulate in <work>/corpus (kept between runs); a crash, leak, timeout
# or out-of-memory input is saved in <work>/artifacts/ and the run fails. Turn a finding into a
# regression test by copying it to tests/fuzz/regressions/<harness>/ and fixing the bug.
set -euo pipefail
exe=$1 seconds=$2 work=$3
shift 3
mkdir -p "$work/corpus" "$work/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# SPARSELAB_FUZZ_SEED fixes libFuzzer's random seed (scripts/test.sh sets it so CI runs repeat
# the same mutation sequence); unset, every run explores differently.
seed_arg=()
[ -n "${SPARSELAB_FUZZ_SEED:-}" ] && seed_arg=(-seed="$SPARSELAB_FUZZ_SEED")
exec "$exe" "${seed_arg[@]}" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$@"

#!/usr/bin/env bash
# FPGA that fails mid-run (label `faults`, docs/RELIABILITY.md): XRT's noop emulation runs the
# whole host path with a metadata-only xclbin; SPARSELAB_FPGA_FAIL_AFTER_RUNS (test-only seam in
# fpga/fpga_backend.cpp) makes the device throw after N kernel runs. `fpga run` and `bench` must
# finish (exit 0) on the CPU int8 fallback and say so; a bad seam value is a clear error.
#   fpga_faults.sh CLI SCRATCH
set -uo pipefail
cli=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
export XCL_EMULATION_MODE=noop
unset SPARSELAB_FPGA_FAIL_AFTER_RUNS
fail=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
"$cli" fpga noop-xclbin --out "$dir/k.xclbin" --cus 2 >/dev/null || { echo "FAIL noop-xclbin"; exit 1; }
"$cli" make-model --arch sparse --seed 4 -o "$dir/m.onnx" >/dev/null || exit 1

# Healthy device: no failover.
"$cli" fpga run "$dir/m.onnx" --xclbin "$dir/k.xclbin" --batch 4 --repeat 2 --json \
  >"$dir/ok.json" 2>"$dir/ok.err"
check "healthy run exits 0" test $? -eq 0
check "healthy run did not fail over" grep -q '"failed_over": false' "$dir/ok.json"

# The device fails after 3 kernel runs, inside the second of 3 run calls (2 CUs, batch 4: 2 runs
# per call).
SPARSELAB_FPGA_FAIL_AFTER_RUNS=3 "$cli" fpga run "$dir/m.onnx" --xclbin "$dir/k.xclbin" \
  --batch 4 --repeat 3 --json >"$dir/fail.json" 2>"$dir/fail.err"
check "failing run still exits 0" test $? -eq 0
check "JSON says failed_over" grep -q '"failed_over": true' "$dir/fail.json"
check "JSON counts every inference" grep -q '"inferences": 12' "$dir/fail.json"
check "JSON: 2 kernel runs completed, the 3rd start failed" grep -q '"kernel_runs": 2' "$dir/fail.json"
check "message names the failure and the CPU" \
  grep -q 'FPGA device failed (injected device failure after 3 kernel runs); continuing on the CPU' "$dir/fail.json"
check "stderr says so once" test "$(grep -c 'continuing on the CPU' "$dir/fail.err")" -eq 1

# The benchmark (CLI) keeps timing on the CPU fallback and says so on stderr.
SPARSELAB_FPGA_FAIL_AFTER_RUNS=1 SPARSELAB_XCLBIN="$dir/k.xclbin" "$cli" bench \
  --model "$dir/m.onnx" --backend fpga --seconds 0.2 --min-runs 3 --json \
  >"$dir/bench.json" 2>"$dir/bench.err"
check "bench exits 0" test $? -eq 0
check "bench stderr names the failover" grep -q 'FPGA device failed.*continuing on the CPU' "$dir/bench.err"
check "bench still reports fpga rows" grep -q '"backend": "fpga"' "$dir/bench.json"

# A malformed seam value is named and ignored (never fatal, never a silent default).
SPARSELAB_FPGA_FAIL_AFTER_RUNS=soon "$cli" fpga run "$dir/m.onnx" --xclbin "$dir/k.xclbin" \
  --json >"$dir/bad.json" 2>"$dir/bad.err"
check "bad seam value: run exits 0" test $? -eq 0
check "bad seam value is named" grep -q "ignoring SPARSELAB_FPGA_FAIL_AFTER_RUNS='soon'" "$dir/bad.err"
check "bad seam value: no failover" grep -q '"failed_over": false' "$dir/bad.json"
if [ $fail -ne 0 ]; then
  for f in "$dir"/*.json "$dir"/*.err; do echo "--- $f"; head -c 2000 "$f"; done
fi
exit $fail

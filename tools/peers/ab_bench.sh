#!/usr/bin/env bash
# Before/after comparison of two sparselab-cli builds on the same model: alternates their
# `bench --backend cpu-sparse --mode sparse-sparse` runs (so that both see the same machine
# load) and prints the median and p10 per sample of each run.
#
# usage: tools/peers/ab_bench.sh OLD_CLI NEW_CLI [--model M] [--batch N] [--threads N]
#                                [--reps N] [--seconds S]
# Defaults: the structured super-sparse model (prune --arch super-sparse --structured, built
# with NEW_CLI), batch 1, 1 thread, 3 alternations of 2 s each.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,10p' "$0"; exit 2; }
old="$1" new="$2"; shift 2
model="" batch=1 threads=1 reps=3 seconds=2
while [[ $# -gt 0 ]]; do
    case "$1" in
        --model) model="$2"; shift 2 ;;
        --batch) batch="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --reps) reps="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        *) echo "ab_bench.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ -z "$model" ]]; then
    model="$work/super-sparse-structured.onnx"
    "$new" prune --arch super-sparse --structured -o "$model" >&2
fi
echo "batch $batch, threads $threads, $seconds s per run; µs per sample"
for ((r = 1; r <= reps; ++r)); do
    for which in old new; do
        cli=$old
        [[ $which == new ]] && cli=$new
        "$cli" bench --model "$model" --backend cpu-sparse --mode sparse-sparse --batch "$batch" \
            --threads "$threads" --seconds "$seconds" --no-linear-part --json > "$work/r.json"
        /usr/bin/python3 - "$work/r.json" "$which" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
b = r["batch"]
print("%-3s median %7.2f  p10 %7.2f  cpu %7.2f" % (sys.argv[2], r["median_us"] / b,
      r["p10_us"] / b, r["median_cpu_us"] / b))
PY
    done
done

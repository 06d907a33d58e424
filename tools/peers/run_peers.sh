#!/usr/bin/env bash
# SparseLab vs peers on the same network, in one invocation: sparselab-cli bench --json (every
# backend and mode), ONNX Runtime (npm onnxruntime-node, CPU) and PyTorch (Debian python3-torch,
# traced + frozen, OpenBLAS) running the network dense, then one table with ratios.
#
# usage: tools/peers/run_peers.sh [--cli PATH] [--model SPARSELAB.onnx] [--seconds S]
#                                 [--config BATCHxTHREADS ...] [--rounds N]
# Defaults: the cli in build/, a structured super-sparse random model (prune --arch
# super-sparse --structured), configs 1x1 and 64x2, 2 s per timing.
# --rounds N (N > 1): after each table, N more alternating runs of SparseLab sparse-sparse and
# ONNX Runtime, each round's ratio and the median ratio (robust to the machine's speed
# drifting between the runs of the table).
# ONNX Runtime is installed on first use with `npm install --ignore-scripts onnxruntime-node`
# into ~/.cache/sparselab-peers (outside git; the CPU binaries ship inside the package).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cli="" model="" seconds=2 configs=() rounds=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cli) cli="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --config) configs+=("$2"); shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "run_peers.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ ${#configs[@]} -eq 0 ]] && configs=(1x1 64x2)
if [[ -z "$cli" ]]; then
    for c in "$root"/build/app/sparselab-cli "$root"/build-*/app/sparselab-cli; do
        [[ -x "$c" ]] && { cli="$c"; break; }
    done
fi
[[ -x "$cli" ]] || { echo "run_peers.sh: no sparselab-cli found; build first or pass --cli" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ -z "$model" ]]; then
    model="$work/super-sparse-structured.onnx"
    "$cli" prune --arch super-sparse --structured -o "$model" >&2
fi
/usr/bin/python3 "$here/gsc_torch.py" "$model" "$work/dense-plain.onnx" >&2

peers="${SPARSELAB_PEERS_DIR:-$HOME/.cache/sparselab-peers}"
if [[ ! -d "$peers/node_modules/onnxruntime-node" ]]; then
    echo "installing onnxruntime-node into $peers ..." >&2
    mkdir -p "$peers"
    (cd "$peers" && [[ -f package.json ]] || (cd "$peers" && npm init -y >/dev/null))
    (cd "$peers" && npm install --ignore-scripts onnxruntime-node >&2)
fi

for cfg in "${configs[@]}"; do
    batch="${cfg%x*}" threads="${cfg#*x}"
    echo "== batch $batch, threads $threads ==" >&2
    "$cli" bench --model "$model" --batch "$batch" --threads "$threads" --seconds "$seconds" \
        --json > "$work/sl.json"
    NODE_PATH="$peers/node_modules" node "$here/ort_bench.js" "$work/dense-plain.onnx" \
        "$batch" "$threads" "$seconds" > "$work/ort.json" || echo "ONNX Runtime failed" >&2
    (cd "$here" && OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" /usr/bin/python3 torch_bench.py "$model" "$batch" "$threads" "$seconds") \
        > "$work/torch.json" || echo "PyTorch failed" >&2
    /usr/bin/python3 "$here/combine.py" "$work/sl.json" "$work/ort.json" "$work/torch.json"
    if [[ "$rounds" -gt 1 ]]; then
        files=()
        for ((r = 1; r <= rounds; ++r)); do
            "$cli" bench --model "$model" --batch "$batch" --threads "$threads" \
                --seconds "$seconds" --backend cpu-sparse --mode sparse-sparse --no-linear-part \
                --json > "$work/sl-$r.json"
            NODE_PATH="$peers/node_modules" node "$here/ort_bench.js" "$work/dense-plain.onnx" \
                "$batch" "$threads" "$seconds" > "$work/ort-$r.json" || true
            files+=("$work/sl-$r.json" "$work/ort-$r.json")
        done
        /usr/bin/python3 "$here/combine.py" --rounds "${files[@]}"
    fi
    echo
done

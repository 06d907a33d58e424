#!/usr/bin/env bash
# Headless demo: the default model's summary, then every sample clip classified, dense and sparse.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/app/sparselab-cli
model=resources/models/digits-sparse.onnx
if [ ! -f "$model" ]; then
  model=$(mktemp --suffix=.onnx)
  "$cli" make-model --arch sparse --out "$model"
  echo "(no trained model bundled yet: using a randomly initialised sparse model)"
fi
"$cli" info --model "$model"
"$cli" devices
shopt -s nullglob
for clip in resources/clips/*.wav; do
  printf '%-40s ' "$clip"
  "$cli" infer --model "$model" --wav "$clip" --json | /usr/bin/python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(d["label"])'
done

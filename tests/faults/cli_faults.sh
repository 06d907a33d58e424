#!/usr/bin/env bash
# Fault tests of the real sparselab-cli (label `faults`): write errors under `ulimit -f`, deleted
# and damaged model files, missing and damaged audio. Each case checks the exit status, that the
# message names the file and the problem, and that the previous output file is byte-identical.
#   cli_faults.sh <sparselab-cli> <scratch folder>
set -uo pipefail
cli=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 2
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }

# expect_error <name> <stderr must match (grep -E)> <command...>: exit status 1, message, no crash.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  "$@" >out.txt 2>err.txt
  local rc=$?
  if [ "$rc" -ne 1 ]; then fail "$name: exit status $rc, expected 1 ($(head -c 300 err.txt))"; return; fi
  if ! grep -Eq -- "$pattern" err.txt; then fail "$name: message '$(head -c 300 err.txt)' lacks /$pattern/"; return; fi
  pass "$name: $(head -c 160 err.txt | tr '\n' ' ')"
}
# no_temporaries <name>: no hidden temporary file left in the folder.
no_temporaries() {
  if ls -A | grep -q '\.tmp'; then fail "$1: temporary file left: $(ls -A | grep '\.tmp')"; else pass "$1: no temporary file left"; fi
}

# --- write errors: the previous file stays intact --------------------------------------------
"$cli" make-model --arch sparse --seed 1 --out model.onnx >/dev/null || { echo "cannot make a model"; exit 2; }
cp model.onnx model.before
expect_error "make-model under ulimit -f" "cannot write .*model\.onnx.*File too large" \
  bash -c "ulimit -f 64; exec '$cli' make-model --arch dense --seed 2 --out model.onnx"
cmp -s model.onnx model.before && pass "make-model: previous model intact" || fail "make-model: previous model changed"
no_temporaries "make-model"
"$cli" info --model model.onnx >/dev/null && pass "previous model still loads" || fail "previous model does not load"

sox -n -r 16000 -c 1 -b 16 word.wav synth 1 sine 440 2>/dev/null || { echo "sox missing"; exit 2; }
"$cli" features --wav word.wav --out feat.f32 >/dev/null || fail "features: first write"
cp feat.f32 feat.before
sox -n -r 16000 -c 1 -b 16 other.wav synth 1 sine 1500 2>/dev/null
expect_error "features under ulimit -f" "cannot write .*feat\.f32.*File too large" \
  bash -c "ulimit -f 1; exec '$cli' features --wav other.wav --out feat.f32"
cmp -s feat.f32 feat.before && pass "features: previous output intact" || fail "features: previous output changed"
no_temporaries "features"

expect_error "output folder missing" "cannot write .*no/such/m\.onnx" \
  "$cli" make-model --out no/such/m.onnx

# --- deleted and damaged models -------------------------------------------------------------
cp model.onnx gone.onnx && rm gone.onnx
expect_error "deleted model (info)" "gone\.onnx.*no such file" "$cli" info --model gone.onnx
expect_error "deleted model (infer)" "gone\.onnx.*no such file" "$cli" infer --model gone.onnx --wav word.wav
head -c 5000 model.onnx >truncated.onnx
expect_error "truncated model" "truncated\.onnx" "$cli" info --model truncated.onnx
: >empty.onnx
expect_error "empty model" "empty\.onnx" "$cli" info --model empty.onnx
mkdir -p folder.onnx
expect_error "model is a folder" "folder\.onnx" "$cli" info --model folder.onnx
head -c 200000 /dev/urandom >random.onnx
expect_error "random bytes as a model" "random\.onnx" "$cli" info --model random.onnx

# --- missing and damaged audio ----------------------------------------------------------------
expect_error "deleted audio" "nothere\.wav.*no such file" "$cli" infer --model model.onnx --wav nothere.wav
head -c 3000 word.wav >cut.wav
expect_error "truncated WAV (header claims more)" "cut\.wav.*(truncated|lying)" \
  "$cli" infer --model model.onnx --wav cut.wav
printf 'RIFF\x24\x00\x00\x00WAVEfmt ' >stub.wav
expect_error "WAV header only" "stub\.wav" "$cli" infer --model model.onnx --wav stub.wav
cp model.onnx notaudio.wav
expect_error "model file given as audio" "notaudio\.wav" "$cli" infer --model model.onnx --wav notaudio.wav

if [ "$failures" -ne 0 ]; then echo "$failures fault case(s) failed"; exit 1; fi
echo "all fault cases passed"

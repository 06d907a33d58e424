#!/usr/bin/env bash
# Generates the bundled sample clips (resources/clips/<word>_<voice>.wav): spoken digits from
# espeak-ng, converted with sox to 16 kHz mono 16-bit WAV, silence trimmed, at most 0.9 s,
# centred in exactly 1 s over a faint pink-noise floor 40 dB below the word, as a quiet
# microphone records a word (and as the training corpus and the `models` test present words:
# a word at the start of the window followed by digital silence, as these clips were before,
# was recognised 20 / 14 / 3 of 20 times by the digits dense / sparse / super-sparse models,
# centred 20 / 20 / 19). The file name's first part is the label the app's evaluation set uses.
# Deterministic for a given espeak-ng and sox version (sox -R).
# Usage: tools/make_sample_clips.sh [out_dir]
set -euo pipefail
out=${1:-"$(cd "$(dirname "$0")/.." && pwd)/resources/clips"}
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make_sample_clips: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
words=(zero one two three four five six seven eight nine)
voices=("en-us:140" "en+f3:160")   # voice:words-per-minute
# One noise floor for every clip (sox -R: the same noise each run).
sox -V1 -R -n -r 16000 -c 1 -b 16 "$tmp/floor.wav" synth 1 pinknoise vol 0.01
for w in "${words[@]}"; do
  v=0
  for spec in "${voices[@]}"; do
    voice=${spec%%:*} speed=${spec##*:}
    espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" "$w"
    sox -V1 -R "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$tmp/word.wav" \
      silence 1 0.01 1% reverse silence 1 0.01 1% reverse trim 0 0.9 norm -3
    pad=$(awk -v d="$(soxi -D "$tmp/word.wav")" \
      'BEGIN { p = (1 - d) / 2; if (p < 0) p = 0; printf "%.4f", p }')
    sox -V1 -R "$tmp/word.wav" "$tmp/centred.wav" pad "$pad" "$pad" trim 0 1
    sox -V1 -R -m "$tmp/centred.wav" "$tmp/floor.wav" -b 16 "$out/${w}_${v}.wav" trim 0 1
    v=$((v + 1))
  done
done
echo "make_sample_clips: wrote $(ls "$out"/*.wav | wc -l) clips to $out"

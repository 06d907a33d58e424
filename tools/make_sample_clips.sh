#!/usr/bin/env bash
# Generates the bundled sample clips (resources/clips/<word>_<voice>.wav): spoken digits from
# espeak-ng, converted with sox to 16 kHz mono 16-bit WAV, silence trimmed, at most 1 s, padded
# with 50 ms of silence at both ends. The file name's first part is the label the app's
# evaluation set uses. Deterministic for a given espeak-ng version.
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
for w in "${words[@]}"; do
  v=0
  for spec in "${voices[@]}"; do
    voice=${spec%%:*} speed=${spec##*:}
    espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" "$w"
    sox -V1 "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$out/${w}_${v}.wav" \
      silence 1 0.01 1% reverse silence 1 0.01 1% reverse \
      trim 0 0.9 pad 0.05 0.05 norm -3
    v=$((v + 1))
  done
done
echo "make_sample_clips: wrote $(ls "$out"/*.wav | wc -l) clips to $out"

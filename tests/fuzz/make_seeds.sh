#!/usr/bin/env bash
# Regenerates the committed seed corpora in tests/fuzz/corpus/ (a few KB in total).
#   tests/fuzz/make_seeds.sh <build folder>   (needs the target sparselab_fuzz_make_seeds built)
# ONNX and checkpoint seeds come from SparseLab's own writers; audio seeds from sox; GSC list
# seeds are written here. Seeds only start the fuzzer: it mutates them into hostile files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: make_seeds.sh <build folder>}
corpus=$here/corpus
"$build/tests/fuzz/sparselab_fuzz_make_seeds" "$corpus"

a=$corpus/audio
mkdir -p "$a"
# Short clips (tens of ms) in the formats and layouts users feed the app.
sox -n -r 16000 -c 1 -b 16 "$a/mono16k_s16.wav" synth 0.01 sine 440
sox -n -r 8000 -c 2 -b 8 -e unsigned-integer "$a/stereo8k_u8.wav" synth 0.02 sine 300 sine 500
sox -n -r 44100 -c 1 -b 32 -e floating-point "$a/mono44k_f32.wav" synth 0.004 sine 1000
sox -n -r 22050 -c 1 -b 24 "$a/mono22k_s24.wav" synth 0.005 sine 700
sox -n -r 16000 -c 1 -b 16 "$a/mono16k.aiff" synth 0.01 sine 440
sox -n -r 16000 -c 1 -b 16 "$a/mono16k.flac" synth 0.02 sine 440
sox -n -r 16000 -c 1 -b 8 -e u-law "$a/mono16k_ulaw.wav" synth 0.01 sine 440
# A WAV with a LIST chunk before the data chunk (metadata as written by editors).
sox -n -r 16000 -c 1 -b 16 --comment "fuzz seed" "$a/with_comment.wav" synth 0.005 sine 440

g=$corpus/gsc_list
mkdir -p "$g"
printf 'yes,no\nyes/aa_nohash_0.wav\nno/aa_nohash_1.wav\n====\ntwo/cc_nohash_0.wav\n' >"$g/words.txt"
printf 'digits\n====\ncat/dd_nohash_0.wav\r\nyes/bb_nohash_0.wav  \n\n' >"$g/digits_crlf.txt"
printf 'commands\nyes/aa_nohash_0.wav\nyes/aa_nohash_0.wav\n====\nyes/aa_nohash_0.wav\n' \
  >"$g/commands_overlap.txt"
printf 'cat\n' >"$g/no_lists.txt"
du -sh "$corpus"

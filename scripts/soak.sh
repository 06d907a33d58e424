#!/usr/bin/env bash
# Soak run (docs/RELIABILITY.md): streams a long recording through `sparselab-cli listen --wav
# --fast` (ring buffer -> resampler -> streaming detector, faster than real time) for a given wall
# time and checks: windows processed, windows dropped (must be 0), resident memory at start and
# end (growth < 2 MB), and that the detections equal those of a single pass over one period of
# the audio, repeated (the soak audio is that period, repeated R times).
#   scripts/soak.sh                      10 minutes (build folder: build, or $SPARSELAB_BUILD_DIR)
#   scripts/soak.sh --minutes 60         longer
#   scripts/soak.sh --seconds 40 --cli build-rel/app/sparselab-cli   (the ctest version)
# Options: --model FILE (default resources/models/digits-sparse.onnx, else a random sparse
# model), --threshold T, --hop-ms N (default 10: 100 windows per audio second), --backend NAME, --out DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
target=600 hop=10 model="" backend="" cli="" out="" extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) target=$(( $2 * 60 )); shift 2 ;;
    --seconds) target=$2; shift 2 ;;
    --hop-ms) hop=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --threshold) extra=(--threshold "$2"); shift 2 ;;
    *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cli=${cli:-${SPARSELAB_BUILD_DIR:-build}/app/sparselab-cli}
[ -x "$cli" ] || { echo "soak.sh: $cli not built" >&2; exit 2; }
"$cli" listen --help >/dev/null 2>&1 || { echo "soak.sh: this sparselab-cli has no listen" >&2; exit 2; }
out=${out:-$(mktemp -d /tmp/sparselab-soak.XXXXXX)}
mkdir -p "$out"
py=/usr/bin/python3

if [ -z "$model" ]; then
  if [ -f resources/models/digits-sparse.onnx ]; then model=resources/models/digits-sparse.onnx
  else
    model=$out/random-sparse.onnx
    "$cli" make-model --arch sparse --seed 5 --out "$model" >/dev/null
    # An untrained model is never confident: threshold 0 makes it fire whenever its top word
    # changes, so there are detections to compare.
    [ ${#extra[@]} -eq 0 ] && extra=(--threshold 0)
  fi
fi
listen=("$cli" listen --model "$model" --hop-ms "$hop" --json --fast "${extra[@]}")
[ -n "$backend" ] && listen+=(--backend "$backend")

# One period: 2 s of digital silence, spoken digits 1 s apart, 3 s of silence, cut to a whole
# number of hops so every period starts on a window boundary.
period=$out/period.wav
parts=()
sox -n -r 16000 -c 1 -b 16 "$out/sil1.wav" trim 0 1
cp "$out/sil1.wav" "$out/sil_end.wav"
for w in one seven three nine zero five; do
  espeak-ng -s 150 -w "$out/raw_$w.wav" "$w"
  sox "$out/raw_$w.wav" -r 16000 -c 1 -b 16 "$out/w_$w.wav" norm -3
  parts+=("$out/w_$w.wav" "$out/sil1.wav")
done
sox "$out/sil1.wav" "$out/sil1.wav" "${parts[@]}" "$out/sil1.wav" "$out/sil1.wav" "$out/period_raw.wav"
# Whole seconds (a multiple of every hop and of the 1 s suppression time), so detector state
# repeats from one period to the next.
samples=$(soxi -s "$out/period_raw.wav")
keep=$(( (samples / 16000 + 1) * 16000 ))
sox "$out/period_raw.wav" "$out/sil_end.wav" "$period" trim 0 "${keep}s"
periodSeconds=$($py -c "print($keep / 16000)")

# The reference: one uninterrupted pass over two periods. The first period starts from a fresh
# detector; from the second on the state at each period start is the same, so the soak must give
# period 1's detections, then period 2's detections shifted by k periods, k = 1 .. R-1.
echo "== single pass over two periods (2 x ${periodSeconds} s)"
sox "$period" "$out/two_periods.wav" repeat 1
"${listen[@]}" --wav "$out/two_periods.wav" >"$out/single.jsonl" 2>"$out/single.err"
speed=$($py - "$out/single.jsonl" <<'PY'
import json, sys
s = [json.loads(l)["summary"] for l in open(sys.argv[1]) if '"summary"' in l][0]
print(max(s["wall_s"], 1e-3) / s["audio_s"])
PY
)
# Enough periods to keep listen busy for the target wall time (+10 %), at most an hour of audio
# (readAudioFile's limit): shorter hops make each audio second cost more when that is not enough.
# If even an hour of audio is too quick, classify more often (shorter hop) and measure again.
# Hops divide 1000 ms, so every whole-second period starts on a window boundary.
newHop=$($py -c "import math; need = 1.3 * $target / $speed; h = $hop if need <= 3500 else $hop * 3500 / need; print(max([d for d in (1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100) if d <= max(h, 1)]))")
if [ "$newHop" != "$hop" ]; then
  hop=$newHop
  listen[5]=$hop  # the --hop-ms value
  echo "   an hour of audio is not enough at this speed: hop ${hop} ms instead"
  "${listen[@]}" --wav "$out/two_periods.wav" >"$out/single.jsonl" 2>"$out/single.err"
  speed=$($py - "$out/single.jsonl" <<'PY'
import json, sys
s = [json.loads(l)["summary"] for l in open(sys.argv[1]) if '"summary"' in l][0]
print(max(s["wall_s"], 1e-3) / s["audio_s"])
PY
)
fi
repeats=$($py -c "import math; print(max(2, min(int(3590 / $periodSeconds), math.ceil(1.3 * $target / ($speed * $periodSeconds)))))")
soakSeconds=$($py -c "print($repeats * $periodSeconds)")
echo "   single pass ran at $($py -c "print(round(1 / $speed))")x real time; soak: $repeats periods = $soakSeconds s of audio"
sox "$period" "$out/soak.wav" repeat $(( repeats - 1 ))

echo "== soak: listen --fast over $soakSeconds s of audio, target ${target} s wall"
"${listen[@]}" --wav "$out/soak.wav" >"$out/soak.jsonl" 2>"$out/soak.err" &
pid=$!
: >"$out/rss.txt"
t0=$(date +%s.%N)
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$($py -c "print(round($(date +%s.%N) - $t0, 2))") $rss" >>"$out/rss.txt"
  sleep 1
done
status=0
wait "$pid" || status=$?
if [ "$status" -ne 0 ]; then echo "soak: listen failed with status $status"; cat "$out/soak.err"; exit 1; fi

$py - "$out" "$repeats" "$periodSeconds" "$target" <<'PY'
import json, sys
out, repeats, period, target = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
def load(name):
    dets, summary = [], None
    for line in open(f"{out}/{name}"):
        j = json.loads(line)
        if "summary" in j: summary = j["summary"]
        elif "word" in j: dets.append(j)
    return dets, summary
single, s1 = load("single.jsonl")
soak, s = load("soak.jsonl")
rss = [tuple(map(float, l.split())) for l in open(f"{out}/rss.txt") if l.strip()]
# "start": first sample after a quarter of the run (model, audio and buffers in place, the
# stream running); "end": the last sample before exit. "load": the first sample.
start = next((r for r in rss if r[0] >= 0.25 * rss[-1][0]), rss[0])
end = rss[-1]
growth_mb = (end[1] - start[1]) / 1024
# Single pass: period 1 (fresh detector), period 2 (steady state), then the 1 s of silence
# listen appends after a file. Soak: period 1, period 2 repeated R-1 times, the same tail.
first = [d for d in single if d["time_s"] < period]
second = [d for d in single if period <= d["time_s"] < 2 * period]
tail = [d for d in single if d["time_s"] >= 2 * period]
expected = [(d["word"], d["time_s"], d["score"]) for d in first]
expected += [(d["word"], d["time_s"] + (k - 1) * period, d["score"])
             for k in range(1, repeats) for d in second]
expected += [(d["word"], d["time_s"] + (repeats - 2) * period, d["score"]) for d in tail]
got = [(d["word"], d["time_s"], d["score"]) for d in soak]
mismatch = None
if len(expected) != len(got): mismatch = f"{len(got)} detections, expected {len(expected)}"
else:
    for e, g in zip(expected, got):
        if e[0] != g[0] or abs(e[1] - g[1]) > 1e-3 or abs(e[2] - g[2]) > 1e-4:
            mismatch = f"got {g}, expected {e}"; break
report = {"wall_s": round(s["wall_s"], 1), "audio_s": round(s["audio_s"], 1),
          "speed_x_real_time": round(s["audio_s"] / s["wall_s"], 1),
          "windows": s["windows"], "windows_dropped": s["windows_dropped"],
          "frames_dropped": s["frames_dropped"], "detections": len(got),
          "detections_per_period": len(second), "periods": repeats,
          "rss_load_kb": int(rss[0][1]), "rss_start_kb": int(start[1]), "rss_start_at_s": start[0], "rss_end_kb": int(end[1]), "rss_max_kb": int(max(r[1] for r in rss)),
          "rss_growth_mb": round(growth_mb, 3), "detections_match_single_pass": mismatch is None,
          "backend": s["backend"], "mode": s["mode"], "hop_ms": s["hop_ms"], "model": s["model"],
          "mean_inference_ms": round(s["mean_inference_ms"], 3)}
print(json.dumps(report, indent=1))
json.dump(report, open(f"{out}/report.json", "w"), indent=1)
problems = []
if s["windows_dropped"] != 0 or s["frames_dropped"] != 0: problems.append("audio was dropped")
if growth_mb >= 2.0: problems.append(f"resident memory grew by {growth_mb:.2f} MB")
if mismatch: problems.append("detections differ from the single pass: " + mismatch)
if len(second) == 0: print("soak: warning: the model detects nothing in the period; equality is weak")
if s["wall_s"] < target: print(f"soak: note: ran {s['wall_s']:.0f} s, less than the {target:.0f} s target")
for p in problems: print("soak: FAIL:", p)
sys.exit(1 if problems else 0)
PY
echo "soak: report in $out/report.json"

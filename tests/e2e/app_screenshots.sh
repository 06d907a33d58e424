#!/usr/bin/env bash
# Starts the real `sparselab` on a private Xvfb display with the default model and a sample clip,
# once per main view (explore, benchmark, model). For each view it checks that the app exits 0
# and wrote its own screenshot (QWidget::grab), and captures the X display independently with
# ImageMagick `import -window root`; both images must be real renderings (hundreds of distinct
# colours, the expected size), not a blank or black screen.
# Usage: app_screenshots.sh <sparselab binary> <source dir> <artifact dir>
set -euo pipefail
app=$1 src=$2 out=$3
for tool in Xvfb import identify; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
rm -rf "$out" && mkdir -p "$out"
export XDG_CONFIG_HOME="$out/config" XDG_RUNTIME_DIR="$out/runtime"  # no user settings leak in
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
clip=$(ls "$src"/resources/clips/*.wav | head -1)

# A free display number: no lock file and no socket.
display=""
for n in $(seq 97 199); do
  if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "e2e: no free X display number" >&2; exit 1; }
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
export DISPLAY=$display
unset QT_QPA_PLATFORM WAYLAND_DISPLAY

colours() { identify -format '%k' "$1"; }
size() { identify -format '%wx%h' "$1"; }
fail=0
check_image() {  # file min_colours label
  local n
  n=$(colours "$1")
  echo "e2e: $3: $(size "$1"), $n distinct colours"
  if [ "$n" -lt "$2" ]; then echo "e2e: FAIL: $3 looks blank ($n colours < $2)" >&2; fail=1; fi
}

run_view() {  # name quit_after_ms capture_at_s extra args...
  local name=$1 quit=$2 capture=$3
  shift 3
  "$app" --clip "$clip" --screenshot "$out/$name.png" --quit-after "$quit" "$@" \
    >"$out/$name.log" 2>&1 &
  local pid=$!
  sleep "$capture"
  import -display "$display" -window root "$out/$name-display.png"
  local rc=0
  wait $pid || rc=$?
  cat "$out/$name.log"
  if [ $rc -ne 0 ]; then echo "e2e: FAIL: sparselab exited with $rc ($name)" >&2; fail=1; return; fi
  [ -s "$out/$name.png" ] || { echo "e2e: FAIL: no screenshot from the app ($name)" >&2; fail=1; return; }
  grep -q "screenshot $out/$name.png" "$out/$name.log" || { echo "e2e: FAIL: app did not report the screenshot" >&2; fail=1; }
  check_image "$out/$name.png" 200 "$name (app grab)"
  check_image "$out/$name-display.png" 200 "$name (X display)"
  # The window must fill most of the display: the display capture differs from an empty screen.
  [ "$(size "$out/$name-display.png")" = 1600x1000 ] || { echo "e2e: FAIL: display size" >&2; fail=1; }
}

run_view explore 4000 3
run_view benchmark 7000 6 --tab benchmark --benchmark
run_view model 3000 2 --tab model

# The explore view analysed the clip: its log has no error, and the app named the clip's model.
if grep -qi "error" "$out/explore.log"; then echo "e2e: FAIL: errors in explore.log" >&2; fail=1; fi

if [ "${SPARSELAB_UPDATE_DOCS_IMAGES:-0}" = 1 ] && [ $fail -eq 0 ]; then
  mkdir -p "$src/docs/images"
  for v in explore benchmark model; do cp "$out/$v.png" "$src/docs/images/app-$v.png"; done
  echo "e2e: copied screenshots to $src/docs/images/"
fi
echo "e2e: artifacts in $out"
exit $fail

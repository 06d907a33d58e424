#!/usr/bin/env bash
# Starts the SparseLab desktop app on the bundled default model (resources/models/
# digits-sparse.onnx when present, else an untrained generated model, which the app says).
# Extra arguments go to the app (see `sparselab --help`: --model, --clip, --tab, --theme, ...).
# Set SPARSELAB_BUILD to the build folder when it is not build/ or build-app/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=""
for dir in "${SPARSELAB_BUILD:-}" "$root/build" "$root/build-app"; do
  if [ -n "$dir" ] && [ -x "$dir/app/gui/sparselab" ]; then app="$dir/app/gui/sparselab"; break; fi
done
if [ -z "$app" ]; then
  echo "run_app: no sparselab executable found in build/ or build-app/." >&2
  echo "run_app: build it first: cmake -S . -B build -G Ninja && ninja -C build sparselab" >&2
  exit 1
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run_app: no display: neither DISPLAY nor WAYLAND_DISPLAY is set, so no window can open." >&2
  echo "run_app: run it on a desktop session, or under a virtual display:" >&2
  echo "run_app:   xvfb-run -a scripts/run_app.sh --screenshot app.png --quit-after 4000" >&2
  echo "run_app: or headless: QT_QPA_PLATFORM=offscreen scripts/run_app.sh --screenshot app.png --quit-after 4000" >&2
  exit 2
fi
export SPARSELAB_RESOURCES="${SPARSELAB_RESOURCES:-$root/resources}"
exec "$app" "$@"

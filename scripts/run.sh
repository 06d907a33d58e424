#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts the desktop app on the
# bundled default model (sample clips stand in for a microphone when there is none).
# With no display it says so and runs the command-line demo on the sample clips instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SPARSELAB_BUILD_DIR=build bash scripts/build.sh
if [ -x scripts/run_app.sh ] && [ -x build/app/gui/sparselab ]; then
  exec scripts/run_app.sh "$@"
fi
echo "The desktop app is not built; running the command-line demo instead." >&2
exec scripts/cli_demo.sh

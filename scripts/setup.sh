#!/usr/bin/env bash
# Installs every Debian package that SparseLab's build, app, tests and tools need.
# Idempotent: packages already present are skipped, so a second run costs a few seconds.
# Run as root on Debian 12 (bookworm). Set SPARSELAB_SKIP_APT=1 to skip entirely.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format git ccache
  # command line and JSON output
  libcli11-dev nlohmann-json3-dev
  # core engine: linear algebra, ONNX protobuf classes, audio decoding, resampling, FFT
  libeigen3-dev libonnx-dev libprotobuf-dev protobuf-compiler
  libsndfile1-dev libsamplerate0-dev libfftw3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # reliability (docs/RELIABILITY.md): clang + libFuzzer/sanitizer runtimes for tests/fuzz
  clang-14 libclang-rt-14-dev
  # desktop app: Qt 6 Widgets and QCustomPlot built for Qt 6
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev
  # live microphone (Boost.Lockfree spsc_queue: the capture ring buffer; Debian's portaudio19-dev
  # does not ship PortAudio's pa_ringbuffer utility)
  portaudio19-dev libboost-dev
  # FPGA host code (XRT native API)
  libxrt-dev uuid-dev
  # test and data tools: speech, audio, virtual display, virtual microphone, screenshots
  espeak-ng sox libsox-fmt-all flite xvfb xauth pulseaudio pulseaudio-utils imagemagick
  # generated speech corpus (tools/corpus): festival voices with real speakers behind them
  festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
  # independent reference models (PyTorch, ONNX, numpy)
  python3 python3-numpy python3-onnx python3-torch libopenblas0-pthread
)

# `setup.sh --training`: also what tools/train_models.sh needs to regenerate the shipped models'
# corpus (not the app, build or tests): festival voices of other languages (engine festival-l2
# of tools/corpus/make_corpus.py: Italian, Czech, Finnish, Catalan and Russian people).
if [ "${1:-}" = --training ]; then
  PACKAGES+=(festvox-italp16k festvox-itapc16k festvox-czech-dita festvox-czech-krb
             festvox-czech-machac festvox-czech-ph festvox-suopuhe-lj festvox-suopuhe-mv
             festvox-ca-ona-hts festvox-ru)
elif [ $# -gt 0 ]; then
  echo "setup: unknown argument '$1' (the only option is --training)" >&2
  exit 2
fi

if [ "${SPARSELAB_SKIP_APT:-0}" = 1 ]; then exit 0; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

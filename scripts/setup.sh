#!/usr/bin/env bash
# Installs what t2vlp needs on a fresh Debian/Ubuntu machine and builds it:
#   system packages (ffmpeg for video, libgloo-dev for multi-process collectives, a C++ compiler,
#   chromium for the browser test of `t2vlp serve`),
#   libtorch (from LIBTORCH if set, else the Python torch==2.13.0 CPU wheel), npm packages, and
#   the native addon (built by `npm ci`). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
[ -f /usr/include/gloo/algorithm.h ] || missing+=(libgloo-dev)
# Chromium for the service's browser test (playwright-core drives it; no browser download).
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -z "${LIBTORCH:-}" ] && ! python3 -c 'import torch' >/dev/null 2>&1 && [ ! -f /usr/include/torch/csrc/api/include/torch/torch.h ]; then
  echo "setup: installing libtorch (python3 -m pip install torch==2.13.0, CPU build)"
  python3 -m pip install -q torch==2.13.0
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

echo "setup: npm ci (builds the native addon against $(node native/find-libtorch.mjs info))"
npm ci --no-audit --no-fund

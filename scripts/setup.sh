#!/usr/bin/env bash
# Installs what t2vlp needs on a fresh Debian/Ubuntu machine and builds it:
#   system packages (ffmpeg for video, libgloo-dev for multi-process collectives, a C++ compiler,
#   chromium for the browser test of `t2vlp serve`), libtorch (from LIBTORCH if set, else the
#   Python torch==2.13.0 CPU wheel), npm packages, the native addon (`npm ci` runs the `install`
#   script) and dist/ (then the `prepare` script, for `import('t2vlp')` from here; the CLI in a
#   clone runs src/). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v unzip >/dev/null || missing+=(unzip)
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

# METEOR for the caption metrics (src/eval/caption/meteor.ts): a headless JRE, and meteor-1.5.jar
# with its paraphrase table (data/paraphrase-en.gz) taken from the pycocoevalcap 1.2 wheel on PyPI
# into .t2vlp-cache/meteor/ (gitignored), where captionMetrics looks unless T2VLP_METEOR_JAR is set.
# Optional: without them the caption metrics have no METEOR and its tests are skipped.
if ! command -v java >/dev/null; then
  echo "setup: installing default-jre-headless (METEOR)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null; } \
    || echo "setup: could not install a JRE; captionMetrics will have no METEOR" >&2
fi
METEOR_DIR=.t2vlp-cache/meteor
if [ ! -f "$METEOR_DIR/meteor-1.5.jar" ] || [ ! -f "$METEOR_DIR/data/paraphrase-en.gz" ]; then
  echo "setup: fetching meteor-1.5.jar and data/paraphrase-en.gz from the pycocoevalcap 1.2 wheel (PyPI)"
  meteor_tmp=$(mktemp -d)
  if python3 -m pip download -q --no-deps --only-binary=:all: pycocoevalcap==1.2 -d "$meteor_tmp" \
    && python3 -m zipfile -e "$meteor_tmp"/pycocoevalcap-1.2-*.whl "$meteor_tmp/x" \
    && mkdir -p "$METEOR_DIR/data" \
    && cp "$meteor_tmp/x/pycocoevalcap/meteor/meteor-1.5.jar" "$METEOR_DIR/" \
    && cp "$meteor_tmp/x/pycocoevalcap/meteor/data/paraphrase-en.gz" "$METEOR_DIR/data/"; then
    echo "setup: METEOR ready in $METEOR_DIR"
  else
    echo "setup: could not fetch METEOR; set T2VLP_METEOR_JAR to a meteor-1.5.jar with data/paraphrase-en.gz beside it" >&2
  fi
  rm -rf "$meteor_tmp"
fi

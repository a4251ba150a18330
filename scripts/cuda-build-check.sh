#!/usr/bin/env bash
# The CUDA build on a machine without a GPU: builds the addon against the CUDA libtorch of the
# PyPI torch wheel (the version of the CPU torch installed here), with NCCL and the CUDA headers
# from the nvidia wheels that torch depends on, then runs, against that build, the tests whose
# CUDA paths differ: collectives (gloo and nccl built in; nccl says there is no GPU), pinned
# memory, --device and --nproc, the CUDA suites (skipped, saying so), the native exports and the
# model. This shows that the CUDA code paths compile, link and load; running them needs a GPU
# (scripts/gpu-check.sh).
#
# The wheels (~2.3 GB) are unpacked once into T2VLP_CUDA_WHEELS (default ~/.cache/t2vlp/cuda-wheels).
# The build happens in a copy of the working tree, so the checkout's own (CPU) build is untouched.
# Needs git, python3 with the CPU torch (for its version), unzip and network access to PyPI.
# Exit status: 0 passed; 1 failed (a wheel missing from a reachable PyPI included); 3 PyPI could
# not be reached (nothing was checked).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
VERSION=$(python3 -c "import torch; print(torch.__version__.split('+')[0])")
CACHE=${T2VLP_CUDA_WHEELS:-$HOME/.cache/t2vlp/cuda-wheels}
ROOT=$CACHE/torch-$VERSION
# PyPI itself: not this machine's local wheel folders, which hold the CPU build.
pipi() { PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT= python3 -m pip "$@"; }
# A failed download: 3 when PyPI cannot be reached at all (a small wheel does not come either), else 1.
download_failed() {
  local probe
  probe=$(mktemp -d)
  if pipi download six --no-deps --only-binary=:all: -d "$probe" -q >/dev/null 2>&1; then
    rm -rf "$probe"
    echo "cuda-build-check: PyPI is reachable but $1 could not be downloaded" >&2
    exit 1
  fi
  rm -rf "$probe"
  echo "cuda-build-check: PyPI cannot be reached ($1 not downloaded); nothing checked" >&2
  exit 3
}

if [ ! -f "$ROOT/.complete" ]; then
  echo "cuda-build-check: downloading torch $VERSION (CUDA) and its nvidia wheels into $ROOT"
  rm -rf "$ROOT" && mkdir -p "$ROOT/dl"
  pipi download "torch==$VERSION" --no-deps --only-binary=:all: -d "$ROOT/dl" -q || download_failed "torch $VERSION"
  whl=$(ls "$ROOT"/dl/torch-*.whl)
  # The CUDA packages torch requires (cuda-toolkit[...], nvidia-*), without their markers.
  mapfile -t deps < <(unzip -p "$whl" "torch-$VERSION.dist-info/METADATA" |
    sed -n 's/^Requires-Dist: \(cuda-toolkit[^;]*\|nvidia-[^;]*\).*/\1/p' | tr -d ' ' |
    sed 's/^cuda-toolkit\[/cuda-toolkit[nvcc,cccl,/')
  # (the nvcc and cccl packages bring crt/ and nv/, which the CUDA runtime headers include.)
  [ ${#deps[@]} -gt 0 ] || { echo "cuda-build-check: $whl is not a CUDA build (no nvidia dependencies)" >&2; exit 1; }
  pipi download "${deps[@]}" --only-binary=:all: -d "$ROOT/dl" -q || download_failed "${deps[*]}"
  (cd "$ROOT" && unzip -q -o "$whl" 'torch/include/*' 'torch/lib/*' && for w in dl/nvidia_*.whl; do unzip -q -o "$w" 'nvidia/*'; done)
  rm -rf "$ROOT/dl"
  touch "$ROOT/.complete"
fi

export LIBTORCH=$ROOT/torch
node native/find-libtorch.mjs info
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The working tree's files that git knows or would add (no build/, dist/ or caches: without .git
# the copy would otherwise run a stale dist/); node_modules shared.
git -C "$REPO" ls-files -z -co --exclude-standard | tar -C "$REPO" --null --ignore-failed-read -T - -cf - | tar -C "$WORK" -xf -
ln -s "$REPO/node_modules" "$WORK/node_modules"
cd "$WORK"
t0=$(date +%s)
npm run -s build:native -- --force > "$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
echo "cuda-build-check: built in $(($(date +%s) - t0)) s"
node -e "const a = require('./build/Release/t2vlp.node');
const b = a.distBackends();
console.log('cuda-build-check: addon', a.version(), '| CUDA devices', a.cudaDeviceCount(), '| collectives', b.join(', '));
if (!b.includes('nccl')) { console.error('cuda-build-check: NCCL is not built in'); process.exit(1); }"
node scripts/run-tests.mjs src/torch/distributed.test.ts src/torch/creation.test.ts src/cli/device.test.ts \
  src/torch/native-exports.test.ts src/model/cuda.test.ts src/torch/precision/cuda.test.ts src/torch/device-memory.test.ts \
  src/model/t2vlp.test.ts src/train/distributed-train.test.ts

#!/usr/bin/env bash
# Builds the addon against the CUDA libtorch of the installed Python torch (with NCCL where its
# headers are found) and runs the CUDA checks: the CUDA parity tests and pinned-memory copies
# (src/model/cuda.test.ts), autocast and loss scaling on CUDA (src/torch/precision/cuda.test.ts),
# NCCL collectives, one process per GPU (src/torch/distributed.test.ts), --device and --nproc on
# CUDA (src/cli/device.test.ts), activation checkpointing, a CPU smoke test of the build, and the
# CUDA bench. For a GPU machine that has Python torch (CUDA) and a compiler but no npm install:
# NODE_DIR holds bin/node and include/node; NM holds node-addon-api, tsx and esbuild.
#   NODE_DIR=/opt/node NM=/opt/nm OUT=/tmp/out bash scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NODE_DIR:?NODE_DIR=folder with bin/node and include/node}" "${NM:?NM=folder with node-addon-api, tsx, esbuild}"
OUT=${OUT:-/tmp/t2vlp-gpu}
mkdir -p "$OUT" build/Release
export PATH="$NODE_DIR/bin:$PATH"
rm -rf node_modules && mkdir node_modules && cp -r "$NM"/* node_modules/
export ESBUILD_BINARY_PATH="$PWD/node_modules/esbuild/bin/esbuild"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
node native/find-libtorch.mjs info | tee -a "$OUT/gpu.txt"
defs=""; for d in NAPI_EXPERIMENTAL NODE_ADDON_API_CPP_EXCEPTIONS NODE_ADDON_API_CPP_EXCEPTIONS_ALL $(node native/find-libtorch.mjs defines); do defs="$defs -D$d"; done
incs=""; for i in node_modules/node-addon-api "$NODE_DIR/include/node" $(node native/find-libtorch.mjs include) $(node native/find-libtorch.mjs glooinclude) $(node native/find-libtorch.mjs ncclinclude); do incs="$incs -I$i"; done
libdir=$(node native/find-libtorch.mjs libdir)
t0=$(date +%s)
mkdir -p build/obj
for f in native/src/*.cc native/src/gen/ops.gen.cc; do
  g++ -c -fPIC -O2 -std=$(node native/find-libtorch.mjs cxxstd) -D_GLIBCXX_USE_CXX11_ABI=$(node native/find-libtorch.mjs abi) \
    $defs $incs -Wno-deprecated-declarations -o "build/obj/$(basename "$f" .cc).o" "$f" &
done
wait
g++ -shared -o build/Release/t2vlp.node build/obj/*.o -L"$libdir" $(node native/find-libtorch.mjs libs) -Wl,-rpath,"$libdir"
echo "build: $(( $(date +%s) - t0 )) s" | tee -a "$OUT/gpu.txt"
node -e "const a=require('./build/Release/t2vlp.node'); console.log('addon', a.version(), 'cuda devices', a.cudaDeviceCount())" | tee -a "$OUT/gpu.txt"
set +e
node --import tsx --test --test-reporter=spec src/model/cuda.test.ts src/torch/precision/cuda.test.ts src/torch/scope.test.ts \
  src/torch/distributed.test.ts src/train/distributed-train.test.ts src/cli/device.test.ts src/torch/activation-checkpoint.test.ts src/torch/device-memory.test.ts 2>&1 | tee "$OUT/tests.txt"
node --import tsx bench/run.ts cuda 2>&1 | tee "$OUT/bench.txt"

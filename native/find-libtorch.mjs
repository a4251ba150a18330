// Locates libtorch for the native build. Order: the LIBTORCH environment variable (a libtorch
// folder with include/ and lib/), then the torch package of an installed Python (its include/ and
// lib/ folders), then Debian's libtorch-dev (/usr/include/torch, /usr/lib/<triplet>). Python is
// only asked where its torch package lives; no Python code of the project runs.
//
// T2VLP_LIBTORCH_SOURCE=python|system restricts the search to one of the last two.
//
// Usage from binding.gyp: `node native/find-libtorch.mjs include|libdir|libs|cxxstd|version|info`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const HOW_TO_GET =
  'libtorch was not found. Do one of:\n' +
  '  - python3 -m pip install torch==2.13.0   (the CPU wheel contains libtorch and its headers)\n' +
  '  - apt-get install libtorch-dev            (Debian bookworm: libtorch 1.13)\n' +
  '  - export LIBTORCH=/path/to/libtorch       (an unpacked libtorch with include/ and lib/)';

function fromFolder(root, source) {
  const include = join(root, 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) return null;
  if (!existsSync(join(lib, 'libtorch_cpu.so')) && !existsSync(join(lib, 'libtorch.so'))) return null;
  return {
    source,
    includeDirs: [include, join(include, 'torch', 'csrc', 'api', 'include')],
    libDir: lib,
    version: readVersion(include),
    cxx11Abi: detectAbi(lib),
  };
}

function readVersion(include) {
  const files = [
    join(include, 'torch', 'headeronly', 'version.h'),
    join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'),
  ];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const maj = /TORCH_VERSION_MAJOR\s+(\d+)/.exec(text);
    const min = /TORCH_VERSION_MINOR\s+(\d+)/.exec(text);
    const pat = /TORCH_VERSION_PATCH\s+(\d+)/.exec(text);
    if (maj && min) return `${maj[1]}.${min[1]}.${pat ? pat[1] : 0}`;
  }
  return 'unknown';
}

function detectAbi(lib) {
  // Wheels before 2.7 used the pre-C++11 std::string ABI; newer ones and Debian's use the new one.
  try {
    const out = execFileSync('nm', ['-DC', join(lib, 'libc10.so')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return out.includes('std::__cxx11::basic_string') ? 1 : 0;
  } catch {
    return 1;
  }
}

function fromPython() {
  for (const py of ['python3', 'python']) {
    try {
      const root = execFileSync(
        py,
        ['-c', 'import os, torch; print(os.path.dirname(torch.__file__))'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      ).trim();
      const found = root && fromFolder(root, `python torch (${root})`);
      if (found) return found;
    } catch {
      /* no python or no torch: try the next source */
    }
  }
  return null;
}

function fromSystem() {
  const include = '/usr/include';
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) return null;
  const candidates = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const libDir = candidates.find((d) => existsSync(join(d, 'libtorch_cpu.so')) || existsSync(join(d, 'libtorch.so')));
  if (!libDir) return null;
  return {
    source: 'system libtorch-dev',
    includeDirs: [include, join(include, 'torch', 'csrc', 'api', 'include')],
    libDir,
    version: readVersion(include),
    cxx11Abi: 1,
  };
}

export function findLibtorch() {
  const env = process.env.LIBTORCH;
  if (env) {
    const found = fromFolder(env, `LIBTORCH=${env}`);
    if (!found) throw new Error(`LIBTORCH=${env} is not a libtorch folder (expected include/torch/... and lib/libtorch_cpu.so).\n${HOW_TO_GET}`);
    return found;
  }
  // T2VLP_LIBTORCH_SOURCE=python|system picks one source when both are installed.
  const only = process.env.T2VLP_LIBTORCH_SOURCE;
  const found = only === 'system' ? fromSystem() : only === 'python' ? fromPython() : (fromPython() ?? fromSystem());
  if (!found) throw new Error(HOW_TO_GET);
  const libs = readdirSync(found.libDir);
  found.libs = ['torch', 'torch_cpu', 'c10'].filter((l) => libs.includes(`lib${l}.so`));
  for (const l of ['torch_cuda', 'c10_cuda']) if (libs.includes(`lib${l}.so`)) found.libs.push(l);
  // Collectives need c10d's Gloo headers, which the pip wheel does not ship: Debian's libgloo-dev
  // (or GLOO_INCLUDE) provides them.
  const c10dGloo = join(found.includeDirs[0], 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupGloo.hpp');
  const glooInc = [process.env.GLOO_INCLUDE, found.includeDirs[0], '/usr/include'].find(
    (d) => d && existsSync(join(d, 'gloo', 'algorithm.h')),
  );
  found.gloo = existsSync(c10dGloo) && glooInc ? glooInc : null;
  const [maj, min] = found.version.split('.').map(Number);
  // libtorch 2.10+ headers need C++20; older ones build as C++17.
  found.cxxStd = maj > 2 || (maj === 2 && min >= 10) ? 'c++20' : 'c++17';
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const t = findLibtorch();
    const what = process.argv[2] ?? 'info';
    const out = {
      include: t.includeDirs.join(' '),
      libdir: t.libDir,
      // libtorch_cuda registers its kernels from static initialisers and exports no symbol the
      // addon calls: --no-as-needed keeps it linked where the toolchain defaults to --as-needed.
      libs: ['-Wl,--no-as-needed', ...t.libs.map((l) => `-l${l}`), '-Wl,--as-needed'].join(' '),
      cxxstd: t.cxxStd,
      abi: String(t.cxx11Abi),
      version: t.version,
      defines: t.gloo ? 'T2_WITH_GLOO USE_C10D_GLOO' : 'T2_WITHOUT_GLOO',
      // /usr/include is searched anyway; naming it with -I would reorder the system headers.
      glooinclude: t.gloo && t.gloo !== '/usr/include' ? t.gloo : '',
      info: `libtorch ${t.version} (${t.libs.includes('torch_cuda') ? 'CUDA' : 'CPU only'}) from ${t.source} (${t.libDir}); collectives: ${t.gloo ? 'gloo' : 'not available (apt-get install libgloo-dev)'}`,
    }[what];
    if (out === undefined) throw new Error(`unknown query '${what}'`);
    process.stdout.write(out + '\n');
  } catch (e) {
    process.stderr.write(`t2vlp: ${e.message}\n`);
    process.exit(1);
  }
}

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

const firstWith = (dirs, file) => dirs.find((d) => d && existsSync(join(d, file))) ?? null;

// NCCL collectives come with a CUDA libtorch: c10d's NCCL process group is compiled into
// libtorch_cuda, and the addon reaches it through its header, which needs nccl.h and the CUDA
// runtime headers. A pip-installed torch brings nccl.h in the nvidia-nccl package beside it; the
// CUDA headers come from CUDA_HOME, /usr/local/cuda or the nvidia CUDA runtime package.
function findNccl(t) {
  if (!t.libs.includes('torch_cuda')) return { nccl: null, ncclMissing: 'libtorch is a CPU-only build' };
  if (!existsSync(join(t.includeDirs[0], 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupNCCL.hpp')))
    return { nccl: null, ncclMissing: "this libtorch has no c10d NCCL header" };
  const site = join(t.libDir, '..', '..');
  const cudaHome = process.env.CUDA_HOME ?? process.env.CUDA_PATH;
  const ncclInc = firstWith(
    [process.env.NCCL_INCLUDE, join(site, 'nvidia', 'nccl', 'include'), t.includeDirs[0], '/usr/include', cudaHome && join(cudaHome, 'include'), '/usr/local/cuda/include'],
    'nccl.h',
  );
  // ATen's CUDA context header pulls in cuBLAS, cuSPARSE and cuSOLVER as well as the runtime.
  const cudaDirs = [
    join(site, 'nvidia', 'cu13', 'include'),
    join(site, 'nvidia', 'cuda_runtime', 'include'),
    join(site, 'nvidia', 'cublas', 'include'),
    join(site, 'nvidia', 'cusparse', 'include'),
    join(site, 'nvidia', 'cusolver', 'include'),
    cudaHome && join(cudaHome, 'include'),
    '/usr/local/cuda/include',
    '/usr/include',
  ];
  const cudaInc = [];
  // CUDA 12.3+ headers include CCCL's <nv/target> too.
  const runtime = firstWith(cudaDirs, 'cuda_fp16.h');
  const needsNv = runtime && readFileSync(join(runtime, 'cuda_fp16.h'), 'utf8').includes('<nv/target>');
  for (const h of ['cuda_runtime_api.h', 'crt/host_config.h', 'cublas_v2.h', 'cusparse.h', 'cusolverDn.h', ...(needsNv ? ['nv/target'] : [])]) {
    const d = firstWith(cudaDirs, h);
    if (!d) return { nccl: null, ncclMissing: `the CUDA header ${h} was not found (install the CUDA toolkit or set CUDA_HOME)` };
    cudaInc.push(d);
  }
  if (!ncclInc) return { nccl: null, ncclMissing: 'nccl.h not found (pip install nvidia-nccl-cu13, apt-get install libnccl-dev, or set NCCL_INCLUDE)' };
  // /usr/include is searched anyway; naming it with -I would reorder the system headers.
  return { nccl: [...new Set([ncclInc, ...cudaInc])].filter((d) => d !== '/usr/include'), ncclMissing: null };
}

export function findLibtorch() {
  const env = process.env.LIBTORCH;
  // T2VLP_LIBTORCH_SOURCE=python|system picks one source when both are installed.
  const only = process.env.T2VLP_LIBTORCH_SOURCE;
  const found = env
    ? fromFolder(env, `LIBTORCH=${env}`)
    : only === 'system'
      ? fromSystem()
      : only === 'python'
        ? fromPython()
        : (fromPython() ?? fromSystem());
  if (!found && env) throw new Error(`LIBTORCH=${env} is not a libtorch folder (expected include/torch/... and lib/libtorch_cpu.so).\n${HOW_TO_GET}`);
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
  Object.assign(found, findNccl(found));
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
      defines: [t.gloo ? 'T2_WITH_GLOO USE_C10D_GLOO' : 'T2_WITHOUT_GLOO', t.nccl ? 'T2_WITH_NCCL USE_C10D_NCCL' : ''].join(' ').trim(),
      // /usr/include is searched anyway; naming it with -I would reorder the system headers.
      glooinclude: t.gloo && t.gloo !== '/usr/include' ? t.gloo : '',
      ncclinclude: (t.nccl ?? []).join(' '),
      info:
        `libtorch ${t.version} (${t.libs.includes('torch_cuda') ? 'CUDA' : 'CPU only'}) from ${t.source} (${t.libDir}); ` +
        `collectives: gloo ${t.gloo ? 'yes' : 'no (apt-get install libgloo-dev)'}, nccl ${t.nccl ? 'yes' : `no (${t.ncclMissing})`}`,
    }[what];
    if (out === undefined) throw new Error(`unknown query '${what}'`);
    process.stdout.write(out + '\n');
  } catch (e) {
    process.stderr.write(`t2vlp: ${e.message}\n`);
    process.exit(1);
  }
}

/**
 * Child process for misuse.test.ts: runs each misuse case (a disposed tensor, wrong dtypes and
 * devices, mismatched shapes, allocations larger than memory or than any size), catches what it
 * throws, checks the process still computes and leaks no tensor handle, and prints one JSON line
 * per case. Printing "start <case>" first means a crash names the case that caused it.
 */
import { cudaAvailable, memoryStats, ones, scope, tensor, zeros, type Tensor } from '../index.js';

export interface MisuseResult {
  case: string;
  threw: boolean;
  name?: string;
  code?: string;
  message?: string;
  /** Live tensor handles after the case minus before (0: the failed op leaked nothing). */
  leaked: number;
  /** 1 + 1 computed after the case. */
  healthy: boolean;
}

const CASES: Record<string, () => unknown> = {
  'disposed receiver': () => {
    const t = zeros([2]);
    t.dispose();
    return t.add(1);
  },
  'disposed argument': () => {
    const a = zeros([2]);
    const b = zeros([2]);
    b.dispose();
    try {
      return a.add(b);
    } finally {
      a.dispose();
    }
  },
  'dtype mismatch in matmul': () => scope(() => zeros([2, 2], 'float32').matmul(zeros([2, 2], 'float64'))),
  'float tensor as an index': () => scope(() => zeros([3]).indexSelect(0, zeros([2]))),
  'CUDA device on a CPU-only build': () => scope(() => zeros([2]).to('cuda')),
  'a CUDA device index that does not exist': () => scope(() => zeros([2]).to('cuda:7')),
  'mismatched matmul shapes': () => scope(() => zeros([2, 3]).matmul(zeros([2, 3]))),
  'broadcast of incompatible shapes': () => scope(() => zeros([2, 3]).add(zeros([4]))),
  'reshape to a different element count': () => scope(() => zeros([2, 3]).reshape(4, 2)),
  'allocation larger than memory (4 TB)': () => zeros([1e12]),
  'expand then materialise 4 EB': () => scope(() => zeros([1]).expand(1e9, 1e9).contiguous()),
  'a size whose byte count overflows 64 bits': () => zeros([2 ** 62, 2 ** 62]),
  'a negative size': () => zeros([-1]),
};

function live(): number {
  return memoryStats().liveTensors;
}

const only = process.argv[2];
for (const [name, fn] of Object.entries(CASES)) {
  if (only && name !== only) continue;
  if (name.startsWith('CUDA') && cudaAvailable()) continue; // meaningful on CPU-only builds
  console.log(`start ${name}`);
  const before = live();
  const r: MisuseResult = { case: name, threw: false, leaked: 0, healthy: false };
  try {
    const out = fn();
    (out as Tensor | undefined)?.dispose?.();
  } catch (e) {
    const err = e as Error & { code?: string };
    r.threw = true;
    r.name = err.constructor.name;
    r.code = err.code;
    r.message = err.message;
  }
  r.leaked = live() - before;
  r.healthy = scope(() => ones([1]).add(tensor([1])).item()) === 2;
  console.log(JSON.stringify(r));
}
console.log('done');

/**
 * Child process of native-exports.test.ts: calls every function the native addon exports with
 * bad arguments (none, wrong types, a disposed handle, a plain object where a handle belongs) and
 * prints one JSON line summarising what each call did. A libtorch or C++ exception that escaped
 * the addon's error guard would abort this process instead, which is what the test looks for.
 * Run: node --import tsx src/torch/testing/call-every-export.ts
 */
import { TorchError } from '../errors.js';
import { native } from '../native.js';

export interface CallResult {
  name: string;
  case: string;
  threw: boolean;
  code?: unknown;
  op?: unknown;
  torchMessage?: unknown;
  message?: string;
  isTorchError?: boolean;
}

const live = () => native.ones([1], 'float32', 'cpu');
const disposed = live();
native.dispose(disposed);

const CASES: Record<string, () => unknown[]> = {
  'no arguments': () => [],
  'wrong types': () => ['x', 1.5, {}, [null], 'y', -1, 'z', 0, true, 'w'],
  'disposed handle': () => new Array(10).fill(disposed),
  'non-handle object': () => Array.from({ length: 10 }, () => ({})),
};

const exports = native as unknown as Record<string, unknown>;
const names = Object.keys(exports)
  .filter((n) => typeof exports[n] === 'function')
  .sort();
const results: CallResult[] = [];
for (const name of names) {
  const f = exports[name] as (...args: unknown[]) => unknown;
  for (const [label, args] of Object.entries(CASES)) {
    try {
      f(...args());
      results.push({ name, case: label, threw: false });
    } catch (e) {
      const err = e as Partial<TorchError>;
      results.push({
        name,
        case: label,
        threw: true,
        code: err.code,
        op: err.op,
        torchMessage: err.torchMessage,
        message: err.message,
        isTorchError: e instanceof TorchError,
      });
    }
  }
}
console.log(JSON.stringify({ exports: names, results }));

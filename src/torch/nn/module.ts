/**
 * nn.Module: parameters, buffers and submodules found by walking a module's own properties, so a
 * property path is a state-dict key (`visual.transformer.resblocks.0.attn.in_proj_weight`) and
 * checkpoints load with no renaming table. loadStateDict reports missing, unexpected and
 * mis-shaped keys; strict loading throws a StateDictError listing them.
 */
import { noGrad } from '../autograd.js';
import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { BufferTensor, Parameter } from './parameter.js';
import { releaseInt8Weight, requantizeInt8Weight } from '../precision/int8-weights.js';

export interface LoadReport {
  missing: string[];
  unexpected: string[];
  mismatched: { key: string; expected: number[]; got: number[] }[];
  loaded: number;
}

export class StateDictError extends Error {
  readonly code = 'STATE_DICT_MISMATCH';
  constructor(
    message: string,
    readonly report: LoadReport,
  ) {
    super(message);
    this.name = 'StateDictError';
  }
}

export interface LoadOptions {
  /** Throw when any key is missing, unexpected or mis-shaped (default true). */
  strict?: boolean;
  /** Named in error messages, e.g. the checkpoint file. */
  source?: string;
}

const fmt = (s: number[]) => `[${s.join(',')}]`;

export function describeReport(r: LoadReport, source?: string, limit = 20): string {
  const where = source ? ` in ${source}` : '';
  const lines: string[] = [];
  const list = (xs: string[]) =>
    xs.slice(0, limit).join(', ') + (xs.length > limit ? `, ... (${xs.length - limit} more)` : '');
  for (const m of r.mismatched.slice(0, limit))
    lines.push(`'${m.key}' is ${fmt(m.got)}${where}; model expects ${fmt(m.expected)}`);
  if (r.mismatched.length > limit) lines.push(`... ${r.mismatched.length - limit} more mis-shaped keys`);
  if (r.missing.length) lines.push(`missing${where} (${r.missing.length}): ${list(r.missing)}`);
  if (r.unexpected.length) lines.push(`unexpected${where} (${r.unexpected.length}): ${list(r.unexpected)}`);
  return lines.join('\n');
}

export class Module {
  training = true;

  /** Direct submodules in declaration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) if (v instanceof Module) out.push([k, v]);
    return out;
  }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    const seen = new Set<Module>();
    function* walk(m: Module, p: string): Generator<[string, Module]> {
      if (seen.has(m)) return;
      seen.add(m);
      yield [p, m];
      for (const [k, c] of m.namedChildren()) yield* walk(c, p ? `${p}.${k}` : k);
    }
    yield* walk(this, prefix);
  }

  #own<T>(cls: new (...a: never[]) => T): [string, T][] {
    const out: [string, T][] = [];
    for (const [k, v] of Object.entries(this)) if (v instanceof cls) out.push([k, v as T]);
    return out;
  }

  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [p, m] of this.namedModules())
      for (const [k, t] of m.#own(Parameter))
        if (!seen.has(t)) {
          seen.add(t);
          out.push([p ? `${p}.${k}` : k, t]);
        }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, BufferTensor][] {
    const out: [string, BufferTensor][] = [];
    for (const [p, m] of this.namedModules()) for (const [k, t] of m.#own(BufferTensor)) out.push([p ? `${p}.${k}` : k, t]);
    return out;
  }

  /** Parameters and buffers by key; the tensors are the live ones (not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the module's tensors by key (converting dtype), without changing identity;
   * int8 copies of quantized weights are made again from the new values.
   */
  loadStateDict(sd: Map<string, Tensor> | Record<string, Tensor>, opts: LoadOptions = {}): LoadReport {
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [], loaded: 0 };
    for (const [k, t] of own) {
      const s = src.get(k);
      if (!s) report.missing.push(k);
      else if (fmt(s.shape) !== fmt(t.shape)) report.mismatched.push({ key: k, expected: t.shape, got: s.shape });
    }
    for (const k of src.keys()) if (!own.has(k)) report.unexpected.push(k);
    const bad = report.missing.length + report.unexpected.length + report.mismatched.length;
    if ((opts.strict ?? true) && bad > 0)
      throw new StateDictError(`loadStateDict: checkpoint does not fit the model:\n${describeReport(report, opts.source)}`, report);
    noGrad(() => {
      for (const [k, t] of own) {
        const s = src.get(k);
        if (s && fmt(s.shape) === fmt(t.shape)) {
          t.copy_(s);
          requantizeInt8Weight(t); // an int8 copy (dynamic quantization) is made from the float32 values
          report.loaded++;
        }
      }
    });
    return report;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Converts floating parameters and buffers to `dtype`, or moves everything to a device. */
  to(target: DType | 'cpu' | `cuda${string}`): this {
    const isDevice = target === 'cpu' || target.startsWith('cuda');
    for (const t of [...this.parameters(), ...this.namedBuffers().map(([, b]) => b)]) {
      const d = t.dtype;
      if (!isDevice && !(d.startsWith('float') || d === 'bfloat16')) continue;
      const c = t.to(target);
      t.setData(c);
      c.dispose();
    }
    return this;
  }

  /** Clears every parameter's gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.numel, 0);
  }

  /** Frees every parameter and buffer (and the int8 copies of quantized weights). */
  dispose(): void {
    for (const p of this.parameters()) {
      releaseInt8Weight(p);
      p.dispose();
    }
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}

/** A list of submodules whose keys are their indices (`resblocks.0`, `resblocks.1`, ...). */
export class ModuleList<M extends Module = Module> extends Module {
  [index: number]: M;
  #items: M[];
  constructor(items: M[] = []) {
    super();
    this.#items = [];
    for (const m of items) this.push(m);
  }
  push(m: M): void {
    (this as unknown as Record<string, M>)[String(this.#items.length)] = m;
    this.#items.push(m);
  }
  get length(): number {
    return this.#items.length;
  }
  at(i: number): M {
    const m = this.#items[i < 0 ? i + this.#items.length : i];
    if (!m) throw new RangeError(`ModuleList: index ${i} out of range (length ${this.#items.length})`);
    return m;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }
}

/** Modules applied one after another; each child needs a one-argument `forward`. */
export class Sequential extends ModuleList<Module & { forward(x: Tensor): Tensor }> {
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this) {
      const next = m.forward(y);
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }
}

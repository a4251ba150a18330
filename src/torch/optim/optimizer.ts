/**
 * Optimizer base: parameter groups with their own learning rate and weight decay, per-parameter
 * state tensors, a step counter, and state save/restore (as named tensors plus JSON, so it goes
 * into the same safetensors checkpoint as the model).
 */
import { noGrad } from '../autograd.js';
import type { Parameter } from '../nn/parameter.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

export interface ParamGroup {
  params: Parameter[];
  lr: number;
  weightDecay: number;
  /** Any other per-group setting (names for logging, etc.). */
  [k: string]: unknown;
}

export type ParamGroupInput = Partial<ParamGroup> & { params: Parameter[] };

export interface OptimizerState {
  /** Hyper-parameters and counters (JSON-serialisable). */
  meta: { step: number; groups: Record<string, unknown>[] };
  /** Per-parameter state tensors, keyed `<paramIndex>.<name>` in group order. */
  tensors: Map<string, Tensor>;
}

export abstract class Optimizer {
  readonly groups: ParamGroup[];
  stepCount = 0;
  protected state = new Map<Parameter, Map<string, Tensor>>();

  constructor(params: Parameter[] | ParamGroupInput[], defaults: { lr: number; weightDecay: number }) {
    const input: ParamGroupInput[] =
      params.length > 0 && !('params' in (params[0] as object)) ? [{ params: params as Parameter[] }] : (params as ParamGroupInput[]);
    this.groups = input.map((g) => ({ ...g, lr: g.lr ?? defaults.lr, weightDecay: g.weightDecay ?? defaults.weightDecay }));
    const seen = new Set<Parameter>();
    for (const g of this.groups)
      for (const p of g.params) {
        if (seen.has(p)) throw new Error('Optimizer: a parameter appears in more than one group');
        seen.add(p);
      }
  }

  /** Applies one update to every parameter that has a gradient, with `lrScale` times each group's lr. */
  step(lrScale = 1): void {
    noGrad(() => {
      for (const g of this.groups)
        for (const p of g.params) {
          const grad = p.grad;
          if (!grad) continue;
          try {
            this.update(p, grad, g, g.lr * lrScale);
          } finally {
            grad.dispose();
          }
        }
    });
    this.stepCount++;
  }

  protected abstract update(p: Parameter, grad: Tensor, group: ParamGroup, lr: number): void;

  /** The state tensor `name` of `p`, created by `init` on first use (kept outside scopes). */
  protected slot(p: Parameter, name: string, init: () => Tensor): Tensor {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = new Map()));
    let t = s.get(name);
    if (!t) s.set(name, (t = keep(init())));
    return t;
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.grad = null;
  }

  parameters(): Parameter[] {
    return this.groups.flatMap((g) => g.params);
  }

  stateDict(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    this.parameters().forEach((p, i) => {
      for (const [name, t] of this.state.get(p) ?? []) tensors.set(`${i}.${name}`, t);
    });
    const groups = this.groups.map(({ params, ...rest }) => ({ ...rest, numParams: params.length }));
    return { meta: { step: this.stepCount, groups }, tensors };
  }

  /** Restores a stateDict() taken from an optimizer over the same parameters in the same order. */
  loadStateDict(s: OptimizerState): void {
    const params = this.parameters();
    if (s.meta.groups.length !== this.groups.length)
      throw new Error(`Optimizer.loadStateDict: ${s.meta.groups.length} groups saved, ${this.groups.length} here`);
    s.meta.groups.forEach((g, i) => {
      const mine = this.groups[i]!;
      if (g.numParams !== mine.params.length)
        throw new Error(`Optimizer.loadStateDict: group ${i} had ${String(g.numParams)} parameters, has ${mine.params.length} here`);
      const { numParams: _n, ...hyper } = g;
      Object.assign(mine, hyper);
    });
    this.disposeState();
    for (const [key, t] of s.tensors) {
      const dot = key.indexOf('.');
      const p = params[Number(key.slice(0, dot))];
      if (!p) throw new Error(`Optimizer.loadStateDict: state '${key}' names no parameter`);
      const name = key.slice(dot + 1);
      this.slot(p, name, () => t.clone());
    }
    this.stepCount = s.meta.step;
  }

  disposeState(): void {
    for (const m of this.state.values()) for (const t of m.values()) t.dispose();
    this.state.clear();
  }
}

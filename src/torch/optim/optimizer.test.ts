/**
 * Optimizers against hand computations in JavaScript (float64 parameters, 1e-12 relative):
 * BertAdam as docs/TRAINING.md writes it (per-parameter clipping to norm 1, no bias correction,
 * update = m/(√v + ε) + wd·p, lr times the schedule), AdamW as torch.optim.AdamW, parameter
 * groups, the schedules at chosen points, and stateDict/loadStateDict.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor } from '../creation.js';
import { Parameter } from '../nn/parameter.js';
import { scope } from '../scope.js';
import { assertClose, values } from '../testing/index.js';
import { AdamW } from './adamw.js';
import { BertAdam } from './bert-adam.js';
import { makeSchedule } from './schedules.js';

const param = (v: number[]) => scope(() => new Parameter(tensor(Float64Array.from(v))));
const setGrad = (p: Parameter, g: number[]) =>
  scope(() => void (p.grad = tensor(Float64Array.from(g))));

/** One BertAdam step in plain JavaScript (docs/TRAINING.md "Optimizer: BERT-style Adam"). */
function bertAdamStep(
  p: number[],
  g: number[],
  m: number[],
  v: number[],
  o: { lr: number; wd: number; b1?: number; b2?: number; eps?: number; maxNorm?: number },
): void {
  const { b1 = 0.9, b2 = 0.98, eps = 1e-6, maxNorm = 1 } = o;
  const norm = Math.hypot(...g);
  const coef = maxNorm / (norm + 1e-6);
  const gc = coef < 1 ? g.map((x) => x * coef) : g;
  for (let i = 0; i < p.length; i++) {
    m[i] = b1 * m[i]! + (1 - b1) * gc[i]!;
    v[i] = b2 * v[i]! + (1 - b2) * gc[i]! ** 2;
    const update = m[i]! / (Math.sqrt(v[i]!) + eps) + o.wd * p[i]!;
    p[i] = p[i]! - o.lr * update;
  }
}

/** One AdamW step as torch.optim.AdamW computes it. */
function adamWStep(
  p: number[],
  g: number[],
  m: number[],
  v: number[],
  t: number,
  lr: number,
  wd: number,
): void {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  for (let i = 0; i < p.length; i++) {
    p[i] = p[i]! * (1 - lr * wd);
    m[i] = m[i]! + (g[i]! - m[i]!) * (1 - b1);
    v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
    const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
    p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denom);
  }
}

describe('BertAdam', () => {
  it('two steps match the hand computation: clipping of a large gradient only, weight decay per group, lr scale', () => {
    const big = param([0.5, -1, 2]);
    const small = param([0.3, 0.1]);
    const bias = param([1, -1]);
    const opt = new BertAdam(
      [
        { params: [big, small], weightDecay: 0.2 },
        { params: [bias], weightDecay: 0, lr: 0.05 },
      ],
      { lr: 0.01 },
    );
    const js = {
      big: { p: [0.5, -1, 2], m: [0, 0, 0], v: [0, 0, 0] },
      small: { p: [0.3, 0.1], m: [0, 0], v: [0, 0] },
      bias: { p: [1, -1], m: [0, 0], v: [0, 0] },
    };
    const grads = [
      { big: [3, -4, 12], small: [0.1, -0.2], bias: [0.5, 0.5] }, // |big| = 13: clipped to norm 1
      { big: [-0.6, 0.2, 0.1], small: [2, 1], bias: [-0.1, 0.3] }, // |small| = √5: clipped
    ];
    const scales = [1, 0.5];
    grads.forEach((g, step) => {
      setGrad(big, g.big);
      setGrad(small, g.small);
      setGrad(bias, g.bias);
      opt.step(scales[step]);
      bertAdamStep(js.big.p, g.big, js.big.m, js.big.v, { lr: 0.01 * scales[step]!, wd: 0.2 });
      bertAdamStep(js.small.p, g.small, js.small.m, js.small.v, {
        lr: 0.01 * scales[step]!,
        wd: 0.2,
      });
      bertAdamStep(js.bias.p, g.bias, js.bias.m, js.bias.v, { lr: 0.05 * scales[step]!, wd: 0 });
      assertClose(big, js.big.p, { rtol: 1e-12, atol: 1e-15, message: `big after step ${step}` });
      assertClose(small, js.small.p, {
        rtol: 1e-12,
        atol: 1e-15,
        message: `small after step ${step}`,
      });
      assertClose(bias, js.bias.p, {
        rtol: 1e-12,
        atol: 1e-15,
        message: `bias after step ${step}`,
      });
    });
    assert.equal(opt.stepCount, 2);
    const st = opt.stateDict();
    assert.deepEqual(
      [...st.tensors.keys()],
      ['0.next_m', '0.next_v', '1.next_m', '1.next_v', '2.next_m', '2.next_v'],
    );
    assertClose(st.tensors.get('0.next_m')!, js.big.m, { rtol: 1e-12 });
    assertClose(st.tensors.get('2.next_v')!, js.bias.v, { rtol: 1e-12 });
    opt.disposeState();
    [big, small, bias].forEach((p) => p.dispose());
  });

  it('defaults are the reference settings (β 0.9/0.98, ε 1e-6, clip 1); clipping can be turned off', () => {
    const p = param([1, 1]);
    const opt = new BertAdam([p], { lr: 0.1, weightDecay: 0, maxGradNorm: 0 });
    assert.deepEqual([opt.betas, opt.eps, new BertAdam([p]).maxGradNorm], [[0.9, 0.98], 1e-6, 1]);
    const js = { p: [1, 1], m: [0, 0], v: [0, 0] };
    setGrad(p, [30, -40]);
    opt.step();
    bertAdamStep(js.p, [30, -40], js.m, js.v, { lr: 0.1, wd: 0, maxNorm: Infinity });
    assertClose(p, js.p, { rtol: 1e-12 });
    opt.disposeState();
    p.dispose();
  });

  it('parameters without a gradient are skipped and get no state', () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new BertAdam([a, b]);
    setGrad(a, [0.5]);
    opt.step();
    assert.deepEqual(values(b), [2]);
    assert.deepEqual([...opt.stateDict().tensors.keys()], ['0.next_m', '0.next_v']);
    opt.disposeState();
    a.dispose();
    b.dispose();
  });
});

describe('AdamW', () => {
  it('three steps match torch.optim.AdamW’s formula (bias correction, decoupled decay)', () => {
    const p = param([0.5, -0.25, 1.5]);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.05 });
    const js = { p: [0.5, -0.25, 1.5], m: [0, 0, 0], v: [0, 0, 0] };
    const grads = [
      [0.3, -0.1, 2],
      [-1, 0.5, 0.2],
      [0.01, 0, -3],
    ];
    grads.forEach((g, t) => {
      setGrad(p, g);
      opt.step();
      adamWStep(js.p, g, js.m, js.v, t + 1, 0.1, 0.05);
      assertClose(p, js.p, { rtol: 1e-12, atol: 1e-15, message: `after step ${t + 1}` });
    });
    const st = opt.stateDict();
    assert.equal(st.tensors.get('0.step')!.item(), 3);
    assert.deepEqual(st.meta, { step: 3, groups: [{ lr: 0.1, weightDecay: 0.05, numParams: 1 }] });
    opt.disposeState();
    p.dispose();
  });

  it('loadStateDict restores moments, step and hyper-parameters; mismatches are refused', () => {
    const p = param([1, 2]);
    const q = param([1, 2]);
    const a = new AdamW([p], { lr: 0.1 });
    const b = new AdamW([q], { lr: 0.5 });
    for (let i = 0; i < 2; i++) {
      setGrad(p, [0.1, -0.2]);
      a.step();
    }
    b.loadStateDict(a.stateDict());
    scope(() => q.detach().copy_(p));
    assert.equal(b.groups[0]!.lr, 0.1);
    assert.equal(b.stepCount, 2);
    setGrad(p, [0.3, 0.3]);
    setGrad(q, [0.3, 0.3]);
    a.step();
    b.step();
    assert.ok(p.equal(q), 'the restored optimizer continues identically');
    const two = new AdamW([{ params: [q] }, { params: [] }]);
    assert.throws(
      () => two.loadStateDict(a.stateDict()),
      /Optimizer.loadStateDict: 1 groups saved, 2 here/,
    );
    const r = param([0]);
    const other = new AdamW([q, r]);
    assert.throws(() => other.loadStateDict(a.stateDict()), /group 0 had 1 parameters, has 2 here/);
    assert.throws(() => new AdamW([p, p]), /a parameter appears in more than one group/);
    for (const o of [a, b, two, other]) o.disposeState();
    for (const t of [p, q, r]) t.dispose();
  });
});

describe('learning-rate schedules (multipliers of the base lr)', () => {
  const at = (
    name: Parameters<typeof makeSchedule>[0],
    steps: number[],
    tTotal = 100,
    warmup = 0.1,
  ) => {
    const f = makeSchedule(name, tTotal, warmup);
    return steps.map(f);
  };
  it('warmup_cosine: x/warmup, then 0.5(1 + cos(πx)) of x itself (the reference quirk)', () => {
    assertClose(
      at('warmup_cosine', [0, 5, 10, 50, 75, 100]),
      [0, 0.5, 0.5 * (1 + Math.cos(0.1 * Math.PI)), 0.5, 0.5 * (1 + Math.cos(0.75 * Math.PI)), 0],
      { rtol: 1e-12, atol: 1e-15 },
    );
  });
  it('warmup_linear: x/warmup, then max((x − 1)/(warmup − 1), 0)', () => {
    assertClose(at('warmup_linear', [0, 5, 10, 55, 100, 120]), [0, 0.5, 1, 0.5, 0, 0], {
      rtol: 1e-12,
      atol: 1e-15,
    });
  });
  it('warmup_constant and constant', () => {
    assertClose(at('warmup_constant', [0, 2, 10, 99]), [0, 0.2, 1, 1], { rtol: 1e-12 });
    assertClose(at('constant', [0, 50, 1000]), [1, 1, 1]);
  });
  it('linear_with_warmup and cosine_with_warmup use the progress after warmup', () => {
    assertClose(at('linear_with_warmup', [5, 10, 55, 100]), [0.5, 1, 0.5, 0], {
      rtol: 1e-12,
      atol: 1e-15,
    });
    assertClose(at('cosine_with_warmup', [5, 10, 55, 100]), [0.5, 1, 0.5, 0], {
      rtol: 1e-12,
      atol: 1e-15,
    });
  });
  it('bad arguments are refused', () => {
    assert.throws(() => makeSchedule('warmup_cosine', 0, 0.1), /tTotal must be positive, got 0/);
    assert.throws(
      () => makeSchedule('warmup_cosine', 10, 1),
      /warmup is a proportion in \[0, 1\), got 1/,
    );
    assert.throws(() => makeSchedule('nope' as 'constant', 10, 0.1), /unknown schedule 'nope'/);
  });
});

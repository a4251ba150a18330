/**
 * ActivationCheckpoints on a small chain of Linear + GELU segments (and one with dropout): the
 * gradients of every parameter and of the chain's input equal plain autograd's within
 * max|diff| ≤ 1e-6·max|grad| (the same float32 ops, summed in another order), a loss that uses an
 * intermediate output as well as the last one gets both contributions, frozen leading segments
 * are not recomputed, dropout replays with `preserveRng`, a chain run inside bfloat16 autocast is
 * recomputed in bfloat16 although backward runs outside it, and nothing stays alive afterwards
 * (nor after a segment throws).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivationCheckpoints, type CheckpointSegment } from './activation-checkpoint.js';
import { autocast, F, manualSeed, memoryStats, nn, randn, scope, type Tensor } from './index.js';

const TOL = 1e-6;

function chain(seed: number, n: number, dropout = 0): { layers: nn.Linear[]; segments: CheckpointSegment[] } {
  manualSeed(seed);
  const layers = Array.from({ length: n }, () => new nn.Linear(8, 8));
  const segments = layers.map((l) => ({
    run: (x: Tensor) => scope(() => {
      const y = F.gelu(l.forward(x));
      return dropout > 0 ? F.dropout(y, dropout, true) : y;
    }),
    parameters: l.parameters(),
  }));
  return { layers, segments };
}

/** Gradients of the parameters and of the input after `loss = f(outputs)`, plain or checkpointed. */
function grads(checkpointed: boolean, o: { dropout?: number; useMiddle?: boolean; freezeFirst?: boolean; noReplay?: boolean; bf16?: boolean } = {}): number[][] {
  const { layers, segments } = chain(3, 4, o.dropout ?? 0);
  if (o.freezeFirst) layers[0]!.parameters().forEach((p) => p.requiresGrad_(false));
  const tape = new ActivationCheckpoints();
  try {
    return scope(() => {
      manualSeed(7);
      const x0 = randn([5, 8]).requiresGrad_(true);
      const input = x0.mul(2); // the chain's input has a graph of its own
      manualSeed(9);
      // The forward (and the loss) inside autocast when asked, the backward outside it, as the trainer does.
      const forward = (): Tensor => {
        let outs: Tensor[];
        if (checkpointed) outs = tape.run(input, segments, { preserveRng: !!o.dropout && !o.noReplay }).slice(1);
        else {
          outs = [];
          let x = input;
          for (const s of segments) outs.push((x = s.run(x)));
        }
        let l = outs.at(-1)!.float().square().sum();
        if (o.useMiddle) l = l.add(outs[1]!.float().mul(outs[1]!.float()).mean());
        return l;
      };
      const loss = o.bf16 ? autocast(forward, { dtype: 'bfloat16' }) : forward();
      if (checkpointed) tape.backward(loss);
      else loss.backward();
      assert.equal(tape.pending, 0);
      const all = [...layers.flatMap((l) => l.parameters()), x0];
      return all.map((p) => (p.grad ? Array.from(p.grad.toArray() as Float32Array) : []));
    });
  } finally {
    layers.forEach((l) => l.dispose());
  }
}

function assertSame(a: number[][], b: number[][]): void {
  assert.equal(a.length, b.length);
  a.forEach((ga, i) => {
    const gb = b[i]!;
    assert.equal(ga.length, gb.length, `gradient ${i} present in both or neither`);
    const scale = Math.max(...ga.map(Math.abs), 1e-30);
    const diff = Math.max(0, ...ga.map((v, k) => Math.abs(v - gb[k]!)));
    assert.ok(diff <= TOL * scale, `gradient ${i}: max|diff| ${diff} > ${TOL}·${scale}`);
  });
}

describe('ActivationCheckpoints', () => {
  it('gives the gradients of plain autograd (parameters and the chain input)', () => {
    const plain = grads(false);
    assert.ok(plain.every((g) => g.length > 0 && g.some((v) => v !== 0)), 'every gradient is present and nonzero');
    assertSame(grads(true), plain);
  });

  it('adds the gradient of an intermediate output the loss uses directly', () => {
    const plain = grads(false, { useMiddle: true });
    assertSame(grads(true, { useMiddle: true }), plain);
    // and the intermediate term matters: without it the gradients differ
    assert.throws(() => assertSame(grads(true), plain));
  });

  it('skips frozen leading segments and leaves their parameters without gradient', () => {
    const plain = grads(false, { freezeFirst: true });
    assert.equal(plain[0]!.length, 0);
    assertSame(grads(true, { freezeFirst: true }), plain);
  });

  it("recomputes under the forward pass's autocast (bfloat16 forward, backward outside autocast)", () => {
    const plain = grads(false, { bf16: true });
    assertSame(grads(true, { bf16: true }), plain);
    // and the precision matters: the bfloat16 gradients are not float32's
    assert.throws(() => assertSame(grads(false), plain));
  });

  it('replays dropout with preserveRng', () => {
    const plain = grads(false, { dropout: 0.3 });
    assertSame(grads(true, { dropout: 0.3 }), plain);
    assert.throws(() => assertSame(grads(true, { dropout: 0.3, noReplay: true }), plain), 'without the replay the masks differ');
  });

  it('keeps no tensor after backward or clear', () => {
    const { layers, segments } = chain(1, 3);
    const tape = new ActivationCheckpoints();
    const step = (back: boolean) =>
      scope(() => {
        const x = randn([4, 8]);
        const outs = tape.run(x, segments);
        const loss = outs.at(-1)!.sum();
        if (back) tape.backward(loss);
        else tape.clear();
        layers.forEach((l) => l.zeroGrad());
      });
    step(true);
    const base = memoryStats().liveTensors;
    for (let i = 0; i < 20; i++) step(i % 2 === 0);
    assert.equal(memoryStats().liveTensors, base);
    assert.equal(tape.pending, 0);
    // a segment that throws leaves nothing behind either
    const failing = [...segments, { run: () => { throw new RangeError('segment failed'); }, parameters: [] }];
    assert.throws(() => scope(() => tape.run(randn([4, 8]), failing)), /segment failed/);
    assert.equal(tape.pending, 0);
    assert.equal(memoryStats().liveTensors, base);
    layers.forEach((l) => l.dispose());
  });
});

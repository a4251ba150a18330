/**
 * Deterministic memory: dispose frees now and is idempotent, a disposed tensor throws on use
 * with a message naming the method, and scopes free everything created inside them except what
 * they return (through arrays, Maps, Sets, plain objects and class instances) or keep, including nested scopes and scopes left
 * by an exception. Counts come from memoryStats().liveTensors, which the native registry keeps.
 */
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, it } from 'node:test';
import { cat, ones, tensor, zeros } from './creation.js';
import { Linear } from './nn/layers.js';
import * as F from './nn/functional.js';
import { SCOPE_TENSORS, ScopeError, keep, scope, scopeDepth, unkeep, isKept } from './scope.js';
import { memoryStats } from './system.js';
import type { Tensor } from './tensor.js';

const live = () => memoryStats().liveTensors;

describe('dispose', () => {
  it('frees the native tensor now; a second dispose does nothing', () => {
    const before = live();
    const t = ones([1000]);
    assert.equal(live(), before + 1);
    assert.ok(memoryStats().liveBytes >= 4000);
    assert.equal(t.isDisposed, false);
    t.dispose();
    assert.equal(t.isDisposed, true);
    assert.equal(live(), before);
    t.dispose();
    assert.equal(live(), before);
    assert.equal(t.toString(), 'Tensor(disposed)');
  });

  it('a disposed tensor throws on use, naming the method', () => {
    const t = ones([2, 2]);
    const u = ones([2, 2]);
    t.dispose();
    const cases: [() => unknown, string][] = [
      [() => t.add(1), 'Tensor.add: tensor was already disposed'],
      [() => t.matmul(u), 'Tensor.matmul: tensor was already disposed'],
      [() => u.matmul(t), 'Tensor.matmul: tensor was already disposed'],
      [() => t.shape, 'Tensor.shape: tensor was already disposed'],
      [() => t.toArray(), 'Tensor.toArray: tensor was already disposed'],
      [() => t.item(), 'Tensor.item: tensor was already disposed'],
      [() => t.scatter(0, u, u), 'Tensor.scatter: tensor was already disposed'],
      [() => u.logicalAnd(t), 'Tensor.logicalAnd: tensor was already disposed'],
      [() => t.add_(1), 'Tensor.add_: tensor was already disposed'],
      [() => t.backward(), 'Tensor.backward: tensor was already disposed'],
      [() => cat([u, t]), 'Tensor.cat: tensor was already disposed'],
      [() => F.linear(t, u), 'Tensor.linear: tensor was already disposed'],
      [
        () => F.scaledDotProductAttention(u, t, u),
        'Tensor.scaledDotProductAttention: tensor was already disposed',
      ],
    ];
    for (const [f, msg] of cases) assert.throws(f, { message: msg });
    u.dispose();
  });

  it('a disposed handle reaching the addon directly is refused, not used', async () => {
    const { native } = await import('./native.js');
    const t = ones([2]);
    const h = t.handle;
    t.dispose();
    assert.throws(() => native.neg(h), {
      name: 'TypeError',
      message: "neg: argument 'self': tensor was already disposed",
    });
    assert.throws(
      () => native.cat([h], 0),
      /cat: argument 'tensors': a tensor in the list was already disposed/,
    );
  });
});

describe('scope', () => {
  it('frees intermediates and keeps the returned tensor', () => {
    const before = live();
    const y = scope(() => {
      const a = ones([3]);
      const b = a.mul(2);
      return b.add(1);
    });
    assert.equal(live(), before + 1);
    assert.deepEqual(y.tolist(), [3, 3, 3]);
    y.dispose();
    assert.equal(live(), before);
  });

  it('keeps tensors reachable from a returned array, plain object or Map', () => {
    const before = live();
    const r = scope(() => {
      const a = ones([1]);
      const b = zeros([1]);
      ones([5]); // dropped
      return { list: [a], nested: { map: new Map([['b', b]]) }, n: 3 };
    });
    assert.equal(live(), before + 2);
    assert.equal(r.list[0]!.isDisposed, false);
    assert.equal(r.nested.map.get('b')!.isDisposed, false);
    r.list[0]!.dispose();
    r.nested.map.get('b')!.dispose();
    assert.equal(live(), before);
  });

  it('keeps tensors held by a returned class instance and by a Set', () => {
    class Result {
      constructor(
        readonly values: Tensor,
        readonly extra: { inner: Tensor },
      ) {}
    }
    const before = live();
    const r = scope(() => {
      ones([3]); // dropped
      return { result: new Result(ones([2]), { inner: zeros([2]) }), set: new Set([ones([1])]) };
    });
    assert.equal(live(), before + 3);
    assert.deepEqual(r.result.values.tolist(), [1, 1]);
    assert.deepEqual(r.result.extra.inner.tolist(), [0, 0]);
    const [s] = [...r.set];
    assert.equal(s!.isDisposed, false);
    r.result.values.dispose();
    r.result.extra.inner.dispose();
    s!.dispose();
    assert.equal(live(), before);
  });

  it('an object can list tensors its private fields hold', () => {
    class Holder {
      #t: Tensor;
      constructor(t: Tensor) {
        this.#t = t;
      }
      get t(): Tensor {
        return this.#t;
      }
      [SCOPE_TENSORS]() {
        return [this.#t];
      }
    }
    const before = live();
    const h = scope(() => new Holder(ones([2]).mul(2)));
    assert.deepEqual(h.t.tolist(), [2, 2]);
    assert.equal(live(), before + 1);
    h.t.dispose();
  });

  it('a result nested too deeply to walk is an error, not a silent free', () => {
    const before = live();
    assert.throws(
      () =>
        scope(() => {
          let v: unknown = ones([1]);
          for (let i = 0; i < 40; i++) v = { v };
          return v;
        }),
      (e: unknown) => e instanceof ScopeError && e.code === 'SCOPE_RESULT_UNWALKABLE' && /nests deeper than 32 levels/.test(e.message),
    );
    assert.equal(live(), before, 'everything the scope made is freed when it throws');
  });

  it('unkeep undoes keep: the tensor belongs to the innermost scope again', () => {
    const before = live();
    const k = keep(ones([2]));
    scope(() => {
      assert.equal(isKept(k), true);
      unkeep(k);
      assert.equal(isKept(k), false);
    });
    assert.equal(k.isDisposed, true, 'the scope that was open at unkeep freed it');
    const k2 = keep(ones([2]));
    const out = scope(() => {
      scope(() => k2); // kept: survives and is not moved
      unkeep(k2);
      return k2; // returned: moves out like any result
    });
    assert.equal(out.isDisposed, false);
    out.dispose();
    assert.equal(live(), before);
  });

  it('nested scopes: the inner result moves to the outer scope, which frees it unless returned', () => {
    const before = live();
    let inner: Tensor | undefined;
    const outer = scope(() => {
      inner = scope(() => ones([2]).mul(3));
      assert.equal(scopeDepth(), 1);
      const dropped = scope(() => ones([2]));
      assert.equal(dropped.isDisposed, false);
      return inner.add(dropped);
    });
    assert.equal(inner!.isDisposed, true, 'the inner result was freed by the outer scope');
    assert.deepEqual(outer.tolist(), [4, 4]);
    assert.equal(live(), before + 1);
    outer.dispose();
    assert.equal(scopeDepth(), 0);
  });

  it('kept tensors survive every scope until disposed; tensors from outside are untouched', () => {
    const before = live();
    const outside = ones([2]);
    let kept: Tensor | undefined;
    scope(() => {
      scope(() => {
        kept = keep(ones([2]).mul(5));
        outside.add(1);
      });
      return outside; // returning an outer tensor does not move it
    });
    assert.equal(kept!.isDisposed, false);
    assert.equal(outside.isDisposed, false);
    assert.equal(live(), before + 2);
    kept!.dispose();
    outside.dispose();
    assert.equal(live(), before);
  });

  it('an exception inside a scope frees everything created in it and propagates', () => {
    const before = live();
    let made: Tensor | undefined;
    assert.throws(
      () =>
        scope(() => {
          made = ones([4]);
          scope(() => {
            ones([4]);
            ones([2]).matmul(ones([3])); // throws in libtorch
          });
        }),
      /matmul: inconsistent tensor size/,
    );
    assert.equal(made!.isDisposed, true);
    assert.equal(live(), before);
    assert.equal(scopeDepth(), 0);
  });

  it('a tensor disposed by hand inside a scope is not disposed twice', () => {
    const before = live();
    scope(() => {
      const a = ones([2]);
      a.dispose();
      ones([2]);
    });
    assert.equal(live(), before);
  });

  it('refuses an async function, freeing what it created synchronously', async () => {
    const before = live();
    assert.throws(
      () =>
        scope(() => {
          ones([2]);
          return Promise.resolve(1);
        }),
      /scope: the function returned a Promise; scopes are synchronous/,
    );
    assert.equal(live(), before);
  });

  it('parameters made inside a scope live until the module is disposed', () => {
    const before = live();
    const lin = scope(() => new Linear(4, 3));
    assert.equal(lin.weight.isDisposed, false);
    assert.equal(live(), before + 2);
    const y = scope(() => lin.forward(ones([2, 4])).relu());
    y.dispose();
    lin.dispose();
    assert.equal(live(), before);
  });

  it('a tensor dropped without dispose is freed by the garbage collector and counted', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const before = memoryStats();
    (() => {
      for (let i = 0; i < 100; i++) tensor([i]);
    })();
    for (let i = 0; i < 5 && memoryStats().freedByGc < before.freedByGc + 100; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const after = memoryStats();
    assert.equal(after.freedByGc - before.freedByGc, 100);
    assert.equal(after.liveTensors, before.liveTensors);
  });
});

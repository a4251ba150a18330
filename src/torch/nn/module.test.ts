/**
 * nn.Module: parameter names and order (own parameters first, then children in declaration
 * order, as PyTorch's named_parameters), shared parameters listed once, buffers in the state
 * dict, strict and non-strict loadStateDict with the report and the message asserted, train/eval
 * reaching Dropout, to('float64') keeping parameter identity, Sequential, and dispose.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, full, ones, tensor, zeros } from '../creation.js';
import { scope } from '../scope.js';
import { memoryStats } from '../system.js';
import type { Tensor } from '../tensor.js';
import { values } from '../testing/index.js';
import { Dropout, Embedding, LayerNorm, Linear, Conv2d } from './layers.js';
import { Module, ModuleList, Sequential, StateDictError, describeReport } from './module.js';
import { BufferTensor, Parameter } from './parameter.js';

class Block extends Module {
  ln_1 = new LayerNorm(4);
  mlp = new Sequential([new Linear(4, 8), new Linear(8, 4)]);
  forward(x: Tensor): Tensor {
    return scope(() => x.add(this.mlp.forward(this.ln_1.forward(x))));
  }
}

class Net extends Module {
  scale: Parameter;
  token_embedding = new Embedding(10, 4);
  resblocks = new ModuleList([new Block(), new Block()]);
  positions: BufferTensor;
  drop = new Dropout(0.5);
  head: Linear;
  constructor() {
    super();
    // Parameter and BufferTensor copy their data's handle; the scope frees the temporaries.
    this.scale = scope(() => new Parameter(full([], 2)));
    this.positions = scope(() => new BufferTensor(arange(3)));
    this.head = new Linear(4, 2, false);
  }
  forward(ids: Tensor): Tensor {
    return scope(() => {
      let x = this.token_embedding.forward(ids);
      for (const b of this.resblocks) x = b.forward(x);
      return this.head.forward(this.drop.forward(x)).mul(this.scale);
    });
  }
}

const NET_PARAMS = [
  'scale',
  'token_embedding.weight',
  'resblocks.0.ln_1.weight',
  'resblocks.0.ln_1.bias',
  'resblocks.0.mlp.0.weight',
  'resblocks.0.mlp.0.bias',
  'resblocks.0.mlp.1.weight',
  'resblocks.0.mlp.1.bias',
  'resblocks.1.ln_1.weight',
  'resblocks.1.ln_1.bias',
  'resblocks.1.mlp.0.weight',
  'resblocks.1.mlp.0.bias',
  'resblocks.1.mlp.1.weight',
  'resblocks.1.mlp.1.bias',
  'head.weight',
];

describe('Module naming', () => {
  it('namedParameters: own parameters first, then children depth-first in declaration order', () => {
    const net = new Net();
    assert.deepEqual(
      net.namedParameters().map(([k]) => k),
      NET_PARAMS,
    );
    assert.deepEqual(
      net.namedBuffers().map(([k]) => k),
      ['positions'],
    );
    assert.deepEqual([...net.stateDict().keys()], [...NET_PARAMS, 'positions']);
    assert.deepEqual([...net.namedModules()].map(([k]) => k).slice(0, 6), [
      '',
      'token_embedding',
      'resblocks',
      'resblocks.0',
      'resblocks.0.ln_1',
      'resblocks.0.mlp',
    ]);
    assert.deepEqual(net.head.weight.shape, [2, 4]);
    assert.equal(net.head.bias, null);
    assert.equal(net.numParameters(), 1 + 40 + 2 * (8 + 32 + 8 + 32 + 4) + 8);
    assert.ok(net.parameters().every((p) => p.requiresGrad));
    net.dispose();
  });

  it('a parameter shared by two submodules is listed once, under its first name', () => {
    class Tied extends Module {
      enc = new Linear(3, 3);
      dec = new Linear(3, 3);
    }
    const m = new Tied();
    m.dec.weight.dispose();
    m.dec.weight = m.enc.weight;
    assert.deepEqual(
      m.namedParameters().map(([k]) => k),
      ['enc.weight', 'enc.bias', 'dec.bias'],
    );
    m.dispose();
  });

  it('ModuleList: index access, iteration, out-of-range message', () => {
    const l = new ModuleList([new Linear(1, 1), new Linear(1, 2)]);
    assert.equal(l.length, 2);
    assert.equal(l.at(-1).outFeatures, 2);
    assert.equal(l[0]!.outFeatures, 1);
    assert.deepEqual(
      [...l].map((m) => m.outFeatures),
      [1, 2],
    );
    assert.throws(() => l.at(2), /ModuleList: index 2 out of range \(length 2\)/);
    l.dispose();
  });

  it('layers have PyTorch shapes and default initialisations', () => {
    const lin = new Linear(100, 7);
    const bound = 1 / Math.sqrt(100);
    assert.ok(values(lin.weight).every((v) => Math.abs(v) <= bound));
    const ln = new LayerNorm([2, 3]);
    assert.deepEqual(values(ln.weight), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(values(ln.bias), [0, 0, 0, 0, 0, 0]);
    const conv = new Conv2d(4, 6, 3, { groups: 2, stride: 2 });
    assert.deepEqual(conv.weight.shape, [6, 2, 3, 3]);
    const y = scope(() => conv.forward(ones([1, 4, 9, 9])));
    assert.deepEqual(y.shape, [1, 6, 4, 4]);
    y.dispose();
    for (const m of [lin, ln, conv]) m.dispose();
  });
});

describe('stateDict and loadStateDict', () => {
  it('round trip: another model takes the weights and computes the same output', () =>
    scope(() => {
      const a = new Net().eval();
      const b = new Net().eval();
      const ids = tensor([1, 5, 9], [1, 3], 'int64');
      assert.ok(!a.forward(ids).equal(b.forward(ids)));
      const report = b.loadStateDict(a.stateDict());
      assert.deepEqual(report, {
        missing: [],
        unexpected: [],
        mismatched: [],
        loaded: NET_PARAMS.length + 1,
      });
      assert.ok(a.forward(ids).equal(b.forward(ids)));
      // values are copied, not shared
      const before = values(a.head.weight);
      b.head.weight.grad = null;
      scope(() => b.head.weight.detach().fill_(0));
      assert.deepEqual(values(a.head.weight), before);
      a.dispose();
      b.dispose();
    }));

  it('strict loading refuses missing, unexpected and mis-shaped keys, names each, and changes nothing', () =>
    scope(() => {
      const net = new Net();
      const sd = new Map(net.stateDict());
      sd.delete('scale');
      sd.delete('resblocks.1.ln_1.bias');
      sd.set('extra.weight', zeros([2]));
      sd.set('head.weight', zeros([3, 4]));
      sd.set('token_embedding.weight', zeros([10, 4])); // fits: must not be loaded either
      const before = values(net.token_embedding.weight);
      let err: StateDictError | undefined;
      try {
        net.loadStateDict(sd, { source: 'stage1.safetensors' });
      } catch (e) {
        err = e as StateDictError;
      }
      assert.ok(err instanceof StateDictError);
      assert.equal(err.code, 'STATE_DICT_MISMATCH');
      assert.equal(
        err.message,
        'loadStateDict: checkpoint does not fit the model:\n' +
          "'head.weight' is [3,4] in stage1.safetensors; model expects [2,4]\n" +
          'missing in stage1.safetensors (2): scale, resblocks.1.ln_1.bias\n' +
          'unexpected in stage1.safetensors (1): extra.weight',
      );
      assert.deepEqual(err.report.missing, ['scale', 'resblocks.1.ln_1.bias']);
      assert.deepEqual(err.report.unexpected, ['extra.weight']);
      assert.deepEqual(err.report.mismatched, [
        { key: 'head.weight', expected: [2, 4], got: [3, 4] },
      ]);
      assert.deepEqual(values(net.token_embedding.weight), before);
      net.dispose();
    }));

  it('non-strict loading loads what fits and reports the rest', () =>
    scope(() => {
      const net = new Net();
      const report = net.loadStateDict(
        {
          scale: full([], 7),
          'head.weight': zeros([3, 4]),
          'token_embedding.weight': ones([10, 4]),
          other: ones([1]),
        },
        { strict: false },
      );
      assert.equal(report.loaded, 2);
      assert.deepEqual(report.unexpected, ['other']);
      assert.deepEqual(report.mismatched, [{ key: 'head.weight', expected: [2, 4], got: [3, 4] }]);
      assert.equal(report.missing.length, NET_PARAMS.length + 1 - 3);
      assert.equal(net.scale.item(), 7);
      assert.deepEqual(values(net.token_embedding.weight), new Array(40).fill(1));
      assert.ok(net.scale.requiresGrad, 'a loaded parameter still requires grad');
      assert.match(
        describeReport(report, undefined, 2),
        /^'head\.weight' is \[3,4\]; model expects \[2,4\]\nmissing \(13\): .*, \.\.\. \(11 more\)\nunexpected \(1\): other$/,
      );
      net.dispose();
    }));

  it('loading converts dtype (float64 checkpoint into float32 model)', () =>
    scope(() => {
      const lin = new Linear(2, 1);
      lin.loadStateDict({
        weight: tensor(Float64Array.from([0.1, 0.2]), [1, 2]),
        bias: tensor(Float64Array.from([0.3])),
      });
      assert.equal(lin.weight.dtype, 'float32');
      assert.deepEqual(values(lin.weight), [Math.fround(0.1), Math.fround(0.2)]);
      lin.dispose();
    }));
});

describe('train/eval, dtype, dispose', () => {
  it('train() and eval() reach every submodule; Dropout is active only in training', () =>
    scope(() => {
      const net = new Net();
      assert.ok([...net.namedModules()].every(([, m]) => m.training));
      net.eval();
      assert.ok([...net.namedModules()].every(([, m]) => !m.training));
      const ids = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'int64');
      assert.ok(net.forward(ids).equal(net.forward(ids)), 'eval is deterministic');
      net.train();
      assert.ok(net.drop.training);
      const x = ones([1000]);
      const y = net.drop.forward(x);
      const dropped = values(y).filter((v) => v === 0).length;
      assert.ok(dropped > 400 && dropped < 600, `${dropped} of 1000 dropped`);
      net.train(false);
      assert.ok(net.drop.forward(x).equal(x));
      net.dispose();
    }));

  it("to('float64') converts floating parameters in place, keeping identity and requiresGrad; int buffers stay", () =>
    scope(() => {
      const net = new Net();
      const params = net.parameters();
      const before = values(net.head.weight);
      net.to('float64');
      assert.ok(
        net
          .parameters()
          .every((p, i) => p === params[i] && p.dtype === 'float64' && p.requiresGrad && p.isLeaf),
      );
      assert.equal(net.positions.dtype, 'int64');
      assert.deepEqual(values(net.head.weight), before);
      const out = net.eval().forward(tensor([1, 2], [1, 2], 'int64'));
      assert.equal(out.dtype, 'float64');
      out.sum().backward();
      assert.equal(net.head.weight.grad!.dtype, 'float64');
      net.to('float32');
      assert.equal(net.head.weight.dtype, 'float32');
      net.dispose();
    }));

  it('Sequential chains forwards; zeroGrad clears; dispose frees every parameter and buffer', () => {
    const before = memoryStats().liveTensors;
    const seq = new Sequential([new Linear(3, 5), new LayerNorm(5), new Linear(5, 2)]);
    const net = new Net();
    scope(() => {
      const y = seq.forward(ones([4, 3]));
      assert.deepEqual(y.shape, [4, 2]);
      y.sum().backward();
      assert.ok(seq.parameters().every((p) => p.grad !== null));
      seq.zeroGrad();
      assert.ok(seq.parameters().every((p) => p.grad === null));
    });
    seq.dispose();
    net.dispose();
    assert.equal(memoryStats().liveTensors, before);
    assert.ok(seq.parameters().every((p) => p.isDisposed));
  });
});

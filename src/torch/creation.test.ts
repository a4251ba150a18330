/**
 * Making tensors: typed arrays in and out for every dtype the project moves across the boundary,
 * float16/bfloat16 bit patterns worked out by hand (IEEE binary16; bfloat16 = the top half of a
 * float32, rounded to nearest even), nested arrays, the factories, and the seeded generator:
 * draws repeat after manualSeed, match PyTorch's well-known first draws for seed 0, and
 * get/setRngState replays them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arange,
  bernoulli,
  cat,
  empty,
  eye,
  full,
  fromBytes,
  linspace,
  multinomial,
  ones,
  rand,
  randLike,
  randnLike,
  randint,
  randn,
  randperm,
  scalarTensor,
  stack,
  tensor,
  where,
  zeros,
  zerosLike,
  fullLike,
  pinnedTensor,
} from './creation.js';
import { cuda } from './device.js';
import { scope } from './scope.js';
import { getRngState, manualSeed, setRngState } from './system.js';
import { assertClose, values } from './testing/index.js';

describe('tensor() from typed arrays and back', () => {
  it('float32 round trip keeps every bit and the shape', () =>
    scope(() => {
      const src = Float32Array.from([
        1.5,
        -0,
        Infinity,
        -Infinity,
        NaN,
        3.4028234663852886e38,
        1e-45,
        0.1,
      ]);
      const t = tensor(src, [2, 4]);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(t.shape, [2, 4]);
      const back = t.toArray<'float32'>();
      assert.ok(back instanceof Float32Array);
      assert.deepEqual(new Uint32Array(back.buffer), new Uint32Array(src.buffer));
    }));

  it('float64 keeps full precision', () =>
    scope(() => {
      const src = Float64Array.from([Math.PI, 1 + 2 ** -52, -1e-300, 1e300]);
      const back = tensor(src).toArray<'float64'>();
      assert.ok(back instanceof Float64Array);
      assert.deepEqual(Array.from(back), Array.from(src));
    }));

  it('int64 carries values beyond 2^53 as BigInt', () =>
    scope(() => {
      const src = BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -1n]);
      const t = tensor(src, [2, 2]);
      assert.equal(t.dtype, 'int64');
      assert.deepEqual(Array.from(t.toArray<'int64'>()), Array.from(src));
    }));

  it('int32, uint8 and bool', () =>
    scope(() => {
      const i32 = tensor(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 7]));
      assert.equal(i32.dtype, 'int32');
      assert.deepEqual(Array.from(i32.toArray<'int32'>()), [-(2 ** 31), 2 ** 31 - 1, 7]);
      const u8 = tensor(Uint8Array.from([0, 255, 17]));
      assert.equal(u8.dtype, 'uint8');
      assert.deepEqual(Array.from(u8.toArray<'uint8'>()), [0, 255, 17]);
      const b = tensor(Uint8Array.from([1, 0, 1, 1]), [2, 2], 'bool');
      assert.equal(b.dtype, 'bool');
      assert.deepEqual(b.tolist(), [
        [1, 0],
        [1, 1],
      ]);
      assert.equal(b.sum().item(), 3);
      // bytes other than 0/1 are normalised (x != 0), as libtorch assumes 0/1 bool bytes
      const loose = tensor(Uint8Array.from([2, 0, 255]), [3], 'bool');
      assert.deepEqual(Array.from(loose.toArray<'bool'>()), [1, 0, 1]);
      assert.deepEqual(values(loose.logicalNot()), [0, 1, 0]);
      // A subarray view (non-zero byteOffset) copies the viewed bytes only.
      const whole = Int32Array.from([9, 8, 7, 6]);
      assert.deepEqual(Array.from(tensor(whole.subarray(1, 3)).toArray<'int32'>()), [8, 7]);
    }));

  it('an explicit dtype converts (float32 data into int64 truncates toward zero)', () =>
    scope(() => {
      const t = tensor(Float32Array.from([1.9, -1.9, 2.5]), [3], 'int64');
      assert.equal(t.dtype, 'int64');
      assert.deepEqual(values(t), [1, -1, 2]);
    }));

  it('fromBytes reads raw little-endian bytes', () =>
    scope(() => {
      const bytes = new Uint8Array(new Float64Array([2.5, -4]).buffer);
      assert.deepEqual(values(fromBytes(bytes, [2], 'float64')), [2.5, -4]);
    }));
});

describe('float16 and bfloat16', () => {
  // Bit patterns worked out by hand: binary16 1.0 = 0x3C00, -2 = 0xC000, 0.5 = 0x3800,
  // 65504 (largest finite) = 0x7BFF, 1/3 rounds to 0x3555 = 0.333251953125;
  // bfloat16 1.0 = 0x3F80, -2 = 0xC000, 0.5 = 0x3F00, 1/3 (float32 0x3EAAAAAB) rounds up to 0x3EAB.
  it('converting float32 to float16 gives the expected bits, and back', () =>
    scope(() => {
      const h = tensor(Float32Array.from([1, -2, 0.5, 65504, 1 / 3]), [5], 'float16');
      assert.equal(h.dtype, 'float16');
      assert.deepEqual(
        Array.from(h.toArray<'float16'>()),
        [0x3c00, 0xc000, 0x3800, 0x7bff, 0x3555],
      );
      assert.deepEqual(values(h.to('float32')), [1, -2, 0.5, 65504, 0.333251953125]);
    }));

  it('converting float32 to bfloat16 rounds to nearest even, and back', () =>
    scope(() => {
      const b = tensor([1, -2, 0.5, 1 / 3], undefined, 'bfloat16');
      assert.equal(b.dtype, 'bfloat16');
      assert.deepEqual(Array.from(b.toArray<'bfloat16'>()), [0x3f80, 0xc000, 0x3f00, 0x3eab]);
      assert.deepEqual(values(b.to('float32')), [1, -2, 0.5, 0.333984375]);
    }));

  it('raw Uint16 bits go in with an explicit dtype', () =>
    scope(() => {
      const h = tensor(Uint16Array.from([0x3c00, 0x4000, 0xfc00]), [3], 'float16');
      assert.deepEqual(values(h), [1, 2, -Infinity]);
      const b = tensor(Uint16Array.from([0x4049]), [1], 'bfloat16');
      assert.deepEqual(values(b), [3.140625]);
      assert.throws(() => tensor(Uint16Array.from([1])), /pass dtype 'float16' or 'bfloat16'/);
    }));

  it('float16 arithmetic stays float16 and overflows to Infinity past 65504', () =>
    scope(() => {
      const h = tensor([60000], undefined, 'float16');
      const y = h.mul(2);
      assert.equal(y.dtype, 'float16');
      assert.deepEqual(values(y), [Infinity]);
    }));
});

describe('nested arrays and factories', () => {
  it('nested numbers default to float32; booleans may be given a bool dtype', () =>
    scope(() => {
      const t = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(t.shape, [2, 3]);
      assert.deepEqual(t.tolist(), [
        [1, 2, 3],
        [4, 5, 6],
      ]);
      assert.deepEqual(values(tensor([true, false], undefined, 'bool')), [1, 0]);
      assert.deepEqual(tensor(7).shape, []);
      assert.equal(tensor(7).item(), 7);
    }));

  it('ragged nested arrays and shape/length mismatches are refused', () => {
    assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array/);
    assert.throws(
      () => tensor(Float32Array.from([1, 2, 3]), [2, 2]),
      /shape \[2, 2\] has 4 elements; the array has 3/,
    );
  });

  it('zeros, ones, full, empty, eye, linspace, scalarTensor', () =>
    scope(() => {
      assert.deepEqual(values(zeros([2, 2])), [0, 0, 0, 0]);
      assert.deepEqual(values(ones([3], 'int32')), [1, 1, 1]);
      assert.equal(ones([3], 'int32').dtype, 'int32');
      assert.deepEqual(values(full([2], 2.5, 'float64')), [2.5, 2.5]);
      assert.deepEqual(values(full([2], true, 'bool')), [1, 1]);
      assert.deepEqual(empty([4, 0]).shape, [4, 0]);
      assert.deepEqual(values(eye(3)), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      assertClose(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
      assert.deepEqual(scalarTensor(3).shape, []);
      assert.deepEqual(values(zerosLike(full([2], 7, 'int64'))), [0, 0]);
      assert.equal(fullLike(ones([2], 'float64'), 3).dtype, 'float64');
    }));

  it('arange: int64 for integer bounds, float32 for fractional ones', () =>
    scope(() => {
      const a = arange(5);
      assert.equal(a.dtype, 'int64');
      assert.deepEqual(values(a), [0, 1, 2, 3, 4]);
      assert.deepEqual(values(arange(2, 11, 3)), [2, 5, 8]);
      assert.deepEqual(values(arange(5, 0, -2)), [5, 3, 1]);
      const f = arange(0, 1, 0.25);
      assert.equal(f.dtype, 'float32');
      assert.deepEqual(values(f), [0, 0.25, 0.5, 0.75]);
    }));

  it('cat, stack and where', () =>
    scope(() => {
      const a = tensor([[1, 2]]);
      const b = tensor([[3, 4]]);
      assert.deepEqual(cat([a, b], 0).tolist(), [
        [1, 2],
        [3, 4],
      ]);
      assert.deepEqual(cat([a, b], 1).tolist(), [[1, 2, 3, 4]]);
      assert.deepEqual(stack([a, b], 0).shape, [2, 1, 2]);
      assert.deepEqual(stack([a, b], 2).tolist(), [
        [
          [1, 3],
          [2, 4],
        ],
      ]);
      const cond = tensor([true, false, true], undefined, 'bool');
      // The other branch broadcasts: [3] against [1].
      assert.deepEqual(values(where(cond, tensor([1, 2, 3]), tensor([-1]))), [1, -1, 3]);
      assert.throws(() => cat([]), /cat: expected at least one tensor/);
    }));
});

describe('seeded random draws', () => {
  it("manualSeed(0) gives PyTorch's first draws: rand → 0.4963, 0.7682, 0.0885", () =>
    scope(() => {
      manualSeed(0);
      assertClose(rand([3]), [0.4963, 0.7682, 0.0885], { atol: 1e-4, rtol: 0 });
      manualSeed(0);
      assertClose(randn([3]), [1.541, -0.2934, -2.1788], { atol: 1e-4, rtol: 0 });
      manualSeed(0);
      assert.deepEqual(values(randint(0, 10, [5])), [4, 9, 3, 0, 3]);
      assert.deepEqual(values(randperm(6)), [3, 0, 5, 4, 2, 1]);
    }));

  it('draws repeat after manualSeed and stay in range', () =>
    scope(() => {
      const probs = tensor([0.1, 0.0, 0.6, 0.3]);
      const draw = () => [
        rand([50]),
        randn([50], 'float64'),
        randint(-3, 4, [50]),
        randperm(20),
        multinomial(probs, 20, true),
        bernoulli(full([50], 0.5)),
        randLike(probs),
        randnLike(probs),
      ];
      manualSeed(123);
      const first = draw();
      manualSeed(123);
      const second = draw();
      first.forEach((t, i) => assert.ok(t.equal(second[i]!), `draw ${i} repeats`));
      const [u, , ri, perm] = first;
      assert.ok(values(u!).every((x) => x >= 0 && x < 1));
      assert.equal(randn([2]).dtype, 'float32');
      assert.ok(values(ri!).every((x) => Number.isInteger(x) && x >= -3 && x < 4));
      assert.deepEqual(
        values(perm!).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i),
      );
      assert.ok(!rand([50]).equal(u!), 'the next draw differs');
      const picks = values(first[4]!);
      assert.ok(
        picks.every((i) => i === 0 || i === 2 || i === 3),
        'multinomial never picks a zero-probability class',
      );
      assert.ok(values(first[5]!).every((v) => v === 0 || v === 1));
      assert.deepEqual(first[6]!.shape, [4]);
    }));

  it('getRngState/setRngState replays the same draws', () =>
    scope(() => {
      manualSeed(7);
      rand([3]);
      const state = getRngState();
      assert.equal(state.dtype, 'uint8');
      const a = [randn([10]), randint(0, 100, [10]), randperm(10)];
      rand([1000]); // move on
      setRngState(state);
      const b = [randn([10]), randint(0, 100, [10]), randperm(10)];
      a.forEach((t, i) => assert.ok(t.equal(b[i]!), `draw ${i} replays`));
    }));

  it('randn has roughly zero mean and unit variance', () =>
    scope(() => {
      manualSeed(1);
      const x = randn([20000], 'float64');
      assert.ok(Math.abs(x.mean().item()) < 0.03);
      assert.ok(Math.abs(x.var(0).item() - 1) < 0.05);
    }));
});

// Pinned (page-locked) host memory exists for copies to CUDA; the CUDA side is in src/model/cuda.test.ts.
describe('pinned host memory without CUDA', { skip: cuda.isAvailable() ? 'this build sees a CUDA device' : false }, () => {
  it('pinnedTensor and pinMemory say that they need a CUDA device; ordinary tensors are not pinned', () =>
    scope(() => {
      const needsCuda = /pinned host memory is for copies to a CUDA device, and this build sees none/;
      assert.throws(() => pinnedTensor(new Float32Array([1, 2, 3])), needsCuda);
      assert.throws(() => tensor([1, 2, 3]).pinMemory(), needsCuda);
      assert.throws(() => pinnedTensor(new Float32Array(6), [4]), /pinnedTensor: shape \[4\] has 4 elements; the array has 6/);
      const t = tensor([1, 2, 3]);
      assert.equal(t.isPinned, false);
      assert.deepEqual(values(t.to('cpu', { nonBlocking: true })), [1, 2, 3]);
    }));
});

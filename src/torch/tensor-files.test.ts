/**
 * Tensors to and from checkpoint files through the tensor layer (save / load /
 * loadSafetensors): a safetensors round trip of every dtype, a scalar, an empty and a
 * non-contiguous tensor, with metadata; a module state dict round trip; and PyTorch-written
 * fixtures (test/fixtures/io/, see its README): state_dict.pt and the TorchScript
 * tiny_clip_jit.pt, loaded into tensors and compared with their JSON listings (exact integer sums,
 * float sums to 1e-12 relative, first values exactly), then loaded into a module by name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertMatches, fixture, loadListing } from '../../test/fixtures/io/listing.js';
import { arange, empty, full, randn, tensor } from './creation.js';
import { LayerNorm, Linear } from './nn/layers.js';
import { Module, Sequential } from './nn/module.js';
import { scope } from './scope.js';
import { disposeAll, loadTensors, loadSafetensors, saveTensors, toRaw } from './tensor-files.js';
import { memoryStats } from './system.js';
import type { Tensor } from './tensor.js';
import { values } from './testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 't2vlp-serialize-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors through save / loadSafetensors', () => {
  it('every dtype, a scalar, an empty and a transposed tensor come back equal, with metadata', async () => {
    const src = scope(() => {
      const m = new Map<string, Tensor>([
        ['f32', randn([3, 4])],
        ['f64', randn([2, 2], 'float64')],
        ['f16', randn([5]).to('float16')],
        ['bf16', randn([5]).to('bfloat16')],
        ['i64', tensor(BigInt64Array.from([-(2n ** 62n), 5n, 2n ** 53n + 1n]))],
        ['i32', tensor(Int32Array.from([-7, 0, 7]))],
        ['i16', tensor(Int16Array.from([-300, 300]))],
        ['i8', tensor(Int8Array.from([-128, 127]))],
        ['u8', tensor(Uint8Array.from([0, 200, 255]))],
        ['flag', tensor(Uint8Array.from([1, 0, 1]), [3], 'bool')],
        ['scalar', full([], 2.5)],
        ['empty', empty([0, 3])],
        ['transposed', arange(12).reshape(3, 4).to('float32').t()],
      ]);
      for (const t of m.values()) t.keep();
      return m;
    });
    const path = join(dir, 'all.safetensors');
    await saveTensors(path, src, { note: 'round trip', step: '12' });
    const { tensors, metadata } = await loadSafetensors(path);
    assert.deepEqual(metadata, { note: 'round trip', step: '12' });
    assert.deepEqual([...tensors.keys()].sort(), [...src.keys()].sort());
    for (const [k, t] of src) {
      const back = tensors.get(k)!;
      assert.equal(back.dtype, t.dtype, k);
      assert.deepEqual(back.shape, t.shape, k);
      assert.ok(back.equal(t), `'${k}' equal`);
    }
    assert.deepEqual(values(tensors.get('transposed')!).slice(0, 4), [0, 4, 8, 1]);
    // only named tensors
    const some = await loadSafetensors(path, ['f32', 'i64']);
    assert.deepEqual([...some.tensors.keys()].sort(), ['f32', 'i64']);
    // loaded tensors are outside every scope: the caller disposes them
    const before = memoryStats().liveTensors;
    disposeAll(tensors);
    disposeAll(some.tensors);
    assert.equal(memoryStats().liveTensors, before - src.size - 2);
    disposeAll(src);
  });

  it('a module state dict round trips, and loading it reproduces the outputs', async () => {
    const make = () => new Sequential([new Linear(4, 8), new LayerNorm(8), new Linear(8, 2)]);
    const a = make();
    const b = make();
    const path = join(dir, 'model.safetensors');
    await saveTensors(path, a.stateDict());
    const loaded = await loadTensors(path);
    assert.deepEqual([...loaded.keys()].sort(), [
      '0.bias',
      '0.weight',
      '1.bias',
      '1.weight',
      '2.bias',
      '2.weight',
    ]);
    b.loadStateDict(loaded);
    disposeAll(loaded);
    scope(() => {
      const x = randn([3, 4]);
      assert.ok(a.forward(x).equal(b.forward(x)));
    });
    a.dispose();
    b.dispose();
  });
});

describe('PyTorch-written fixtures through load()', () => {
  it('state_dict.pt: every tensor matches state_dict.json (dtypes, views, shared storage, scalars, empty)', async () => {
    const listing = loadListing('state_dict.json');
    const tensors = await loadTensors(fixture('state_dict.pt'));
    assert.deepEqual([...tensors.keys()].sort(), listing.tensors.map((t) => t.name).sort());
    for (const want of listing.tensors) assertMatches(toRaw(tensors.get(want.name)!), want);
    // values usable by ops: the bool mask's count, the int64 sum beyond 2^53 stays exact
    assert.equal(tensors.get('mask')!.sum().item(), 3);
    disposeAll(tensors);
  });

  it('state_dict.pt into a module by name (non-strict: other keys reported unexpected)', async () => {
    class Tiny extends Module {
      fc = new Linear(4, 3);
      block = new Sequential([new Linear(3, 2, false), new LayerNorm(2)]);
    }
    const m = new Tiny();
    const tensors = await loadTensors(fixture('state_dict.pt'));
    const report = m.loadStateDict(tensors, { strict: false, source: 'state_dict.pt' });
    assert.deepEqual(report.missing, []);
    assert.equal(report.loaded, 5);
    assert.equal(report.unexpected.length, 17);
    assert.ok(m.fc.weight.equal(tensors.get('fc.weight')!));
    assert.ok(m.block.at(1).parameters()[1]!.equal(tensors.get('block.1.bias')!));
    assert.throws(
      () => m.loadStateDict(tensors, { source: 'state_dict.pt' }),
      /unexpected in state_dict\.pt \(17\): f64, i64/,
    );
    disposeAll(tensors);
    m.dispose();
  });

  it('tiny_clip_jit.pt (TorchScript, fp16 matrices): every tensor matches tiny_clip_jit.json', async () => {
    const listing = loadListing('tiny_clip_jit.json');
    const tensors = await loadTensors(fixture('tiny_clip_jit.pt'));
    const listed = new Map(listing.tensors.map((t) => [t.name, t]));
    assert.ok(tensors.size >= 180, `${tensors.size} tensors`);
    for (const [k, t] of tensors) {
      const want = listed.get(k);
      assert.ok(want, `'${k}' is listed`);
      assertMatches(toRaw(t), want);
    }
    const proj = tensors.get('visual.proj')!;
    assert.equal(proj.dtype, 'float16');
    // fp16 weights work in ops after conversion
    const y = scope(() => randn([2, 8]).matmul(proj.to('float32')));
    assert.deepEqual(y.shape, [2, 8]);
    y.dispose();
    disposeAll(tensors);
  });
});

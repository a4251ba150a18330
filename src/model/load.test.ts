/**
 * Loading and saving: a TorchScript CLIP archive initialises a stage-1 model the way the
 * reference does; t2vlp safetensors round-trips exactly; checkpoints that do not fit name the
 * offending keys; bfloat16 inference stays close to float32.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSafetensors, readTorchScript, writeSafetensors, CheckpointError } from '../torch/io/index.js';
import { F, fromRaw, nn, scope, type Tensor } from '../torch/index.js';
import { T2VLP, clipToT2VLPKeys, inferConfig } from './index.js';
import { REFERENCE_DIR, fixture } from './testing/parity.js';

const IO_DIR = fileURLToPath(new URL('../../test/fixtures/io/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 't2vlp-load-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('T2VLP.load', () => {
  test('from an OpenAI-style CLIP TorchScript archive: every CLIP key copied, tube encoder from the last visual blocks', async () => {
    const path = IO_DIR + 'tiny_clip_jit.pt';
    const clip = await readTorchScript(path);
    const model = await T2VLP.load(path);
    try {
      const c = model.config;
      assert.equal(c.visionLayers, 12);
      assert.equal(c.visionWidth, 8);
      assert.equal(c.textLayers, 2);
      assert.equal(c.vocabSize, 64);
      assert.equal(c.eotTokenId, 63);
      const sd = model.stateDict();
      const same = (key: string, src: string) =>
        scope(() => assert.ok(sd.get(key)!.equal(fromRaw(clip.get(src)!).to('float32')), `${key} == ${src}`));
      same('clip.visual.conv1.weight', 'visual.conv1.weight');
      same('clip.text_projection', 'text_projection'); // stored as float16 in the archive
      same('clip.local_visual.ln_post.weight', 'visual.ln_post.weight');
      same('clip.local_visual.proj', 'visual.proj');
      same('clip.local_visual.transformer.resblocks.0.attn.in_proj_weight', 'visual.transformer.resblocks.10.attn.in_proj_weight');
      same('clip.local_visual.transformer.resblocks.1.mlp.c_fc.weight', 'visual.transformer.resblocks.11.mlp.c_fc.weight');
      // Fresh parameters keep their initialisation: Linear N(0, 0.02) with zero bias.
      assert.equal(sd.get('clip.fusion_proj_center.bias')!.abs().sum().item(), 0);
      const std = sd.get('clip.fusion_proj_center.weight')!.std([0, 1]).item();
      assert.ok(std > 0.01 && std < 0.04, `fusion_proj_center std ${std}`);
      assert.ok(model.dtype === 'float32');
    } finally {
      model.dispose();
    }
  });

  test('clipToT2VLPKeys maps blocks by the configured tube depth', () => {
    const r = { dtype: 'float32' as const, shape: [1], data: new Uint8Array(4) };
    const m = new Map([
      ['visual.transformer.resblocks.9.ln_1.weight', r],
      ['visual.transformer.resblocks.10.ln_1.weight', r],
      ['visual.ln_pre.weight', r],
      ['input_resolution', r],
    ]);
    const keys = [...clipToT2VLPKeys(m, { visionLayers: 12, tubeLayers: 2 } as never).keys()].sort();
    assert.deepEqual(keys, [
      'clip.local_visual.ln_pre.weight',
      'clip.local_visual.transformer.resblocks.0.ln_1.weight',
      'clip.visual.ln_pre.weight',
      'clip.visual.transformer.resblocks.10.ln_1.weight',
      'clip.visual.transformer.resblocks.9.ln_1.weight',
    ]);
  });

  test('save then load gives identical parameters, configuration and outputs', async () => {
    const a = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { config: { numFrames: 12 } });
    const path = join(tmp, 'round.safetensors');
    await a.save(path);
    const b = await T2VLP.load(path);
    try {
      assert.deepEqual(b.config, a.config);
      const sb = b.stateDict();
      for (const [k, t] of a.stateDict()) assert.ok(t.equal(sb.get(k)!), k);
      const meta = (await readSafetensors(path, { names: [] })).metadata;
      assert.equal(meta.format, 't2vlp');
      // The outputs: one forward pass of each tower on the reference inputs, bit for bit.
      const f = await fixture('stage1_loss.safetensors');
      scope(() => {
        const video = f.get('input.video')!;
        const videoMask = f.get('input.video_mask')!;
        const [va, vb] = [a, b].map((m) => m.encodeVideo(video, videoMask));
        const [ta, tb] = [a, b].map((m) => m.encodeText(f.get('input.input_ids')!, f.get('input.attention_mask')));
        for (const [what, x, y] of [
          ['video embedding', va!.embedding, vb!.embedding],
          ['frame features', va!.frames, vb!.frames],
          ['tube tokens', va!.tubes, vb!.tubes],
          ['text embedding', ta!.embedding, tb!.embedding],
          ['text tokens', ta!.tokens, tb!.tokens],
        ] as const) {
          assert.deepEqual(x.shape, y.shape, what);
          assert.ok(x.equal(y), `${what}: the loaded model's output differs from the saved model's`);
        }
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('a checkpoint that does not fit names missing and mis-shaped keys', async () => {
    const src = await readSafetensors(REFERENCE_DIR + 'params_stage1.safetensors');
    src.tensors.delete('clip.ln_final.bias');
    const bad = new Float32Array(64 * 64);
    src.tensors.set('clip.local_visual.proj', { dtype: 'float32', shape: [64, 64], data: new Uint8Array(bad.buffer) });
    const path = join(tmp, 'bad.safetensors');
    await writeSafetensors(path, src.tensors);
    await assert.rejects(T2VLP.load(path), (e: unknown) => {
      assert.ok(e instanceof nn.StateDictError);
      assert.match(e.message, /'clip\.local_visual\.proj' is \[64,64\] in bad\.safetensors; model expects \[64,128\]/);
      assert.match(e.message, /missing in bad\.safetensors \(1\): clip\.ln_final\.bias/);
      assert.deepEqual(e.report.missing, ['clip.ln_final.bias']);
      return true;
    });
    const loose = await T2VLP.load(path, { strict: false });
    loose.dispose();
  });

  test('a file that is not a checkpoint gets a CheckpointError naming it', async () => {
    const path = join(tmp, 'notes.txt');
    writeFileSync(path, 'this is not a model\n');
    await assert.rejects(T2VLP.load(path), (e: unknown) => e instanceof CheckpointError && /notes\.txt/.test(e.message));
    await assert.rejects(T2VLP.load(join(tmp, 'missing.pt')), (e: unknown) => e instanceof CheckpointError && e.code === 'NOT_FOUND');
  });

  test('configuration inference reports what it cannot find', () => {
    assert.throws(() => inferConfig(new Map([['visual.conv1.weight', [64, 3, 8, 8]]])), /no 'visual\.positional_embedding'/);
  });

  for (const maskPaddedFrames of [false, true])
    test(`bfloat16 inference stays close to float32: video, tubes and text (maskPaddedFrames ${maskPaddedFrames})`, async () => {
      const f = await fixture('stage1_loss.safetensors');
      const config = { maskPaddedFrames };
      const a = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { config });
      const b = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { config, dtype: 'bfloat16' });
      const cosines = (x: Tensor, y: Tensor) =>
        scope(() => [...(F.normalize(x, 2, -1).mul(F.normalize(y, 2, -1)).sum(-1).reshape(-1).toArray() as Float32Array)]);
      try {
        assert.equal(b.dtype, 'bfloat16');
        scope(() => {
          const va = a.encodeVideo(f.get('input.video')!, f.get('input.video_mask'));
          const vb = b.encodeVideo(f.get('input.video')!, f.get('input.video_mask'));
          assert.equal(vb.embedding.dtype, 'float32');
          const ta = a.encodeText(f.get('input.input_ids')!, f.get('input.attention_mask'));
          const tb = b.encodeText(f.get('input.input_ids')!, f.get('input.attention_mask'));
          // Measured here: every cosine ≥ 0.99991; the bound leaves a margin for other CPUs' kernels.
          for (const [what, x, y, bound] of [
            ['video embedding', va.embedding, vb.embedding, 0.9995],
            ['tube tokens', va.tubes, vb.tubes, 0.9995],
            ['text embedding', ta.embedding, tb.embedding, 0.9995],
          ] as const)
            for (const c of cosines(x, y)) assert.ok(c > bound, `${what}: cosine(float32, bfloat16) = ${c} ≤ ${bound}`);
        });
      } finally {
        a.dispose();
        b.dispose();
      }
    });

  test('maskPaddedFrames leaves full videos unchanged and changes padded ones', async () => {
    const f = await fixture('stage1_loss.safetensors');
    const a = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
    const b = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { config: { maskPaddedFrames: true } });
    try {
      scope(() => {
        const video = f.get('input.video')!;
        const mask = f.get('input.video_mask')!.reshape(2, 12);
        const lengths = mask.sum(1).toArray() as BigInt64Array;
        const ta = a.encodeVideo(video, mask).tubes;
        const tb = b.encodeVideo(video, mask).tubes;
        for (let i = 0; i < 2; i++) {
          const d = ta.select(0, i).sub(tb.select(0, i)).abs().max().item();
          if (lengths[i] === 12n) assert.ok(d < 1e-5, `full video ${i} unchanged (${d})`);
          else assert.ok(d > 1e-4, `padded video ${i} changed (${d})`);
        }
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

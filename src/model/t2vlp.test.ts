/**
 * Parity of the stage-1 model with the reference implementation (fixtures stage1_visual,
 * stage1_text, stage1_loss; tolerance: max|diff| ≤ 1e-5·max|ref| + 1e-6 per tensor, see
 * testing/parity.ts), loaded through T2VLP.load from params_stage1.safetensors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { enableGrad, manualSeed, noGrad, randint, scope, type Tensor } from '../torch/index.js';
import { assertClose as assertTensorClose } from '../torch/testing/index.js';
import { T2VLP, textCenters } from './index.js';
import { REFERENCE_DIR, assertClose, fixture } from './testing/parity.js';

let model: T2VLP;
before(async () => {
  model = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
});
after(() => model.dispose());

describe('stage-1 parity with the reference', () => {
  test('configuration inferred from the fixture shapes', () => {
    const c = model.config;
    assert.equal(c.visionWidth, 64);
    assert.equal(c.visionLayers, 12);
    assert.equal(c.visionPatchSize, 8);
    assert.equal(c.imageResolution, 32);
    assert.equal(c.textWidth, 128);
    assert.equal(c.textLayers, 6);
    assert.equal(c.textHeads, 2);
    assert.equal(c.embedDim, 128);
    assert.equal(c.vocabSize, 1000);
    assert.equal(c.numCenters, 8);
    assert.equal(c.tubeLayers, 2);
    assert.equal(c.numFrames, 12);
    assert.equal(c.jointLayers, 2);
    assert.equal(c.eotTokenId, 999);
  });

  test('visual tower, middle output, tube pooling and tube tokens (stage1_visual)', async () => {
    const f = await fixture('stage1_visual.safetensors');
    scope(() => {
      const blocks = new Map<number, Tensor>();
      const out = model.clip.encodeImage(f.get('input.frames')!, (i, x) => blocks.set(i, x.transpose(0, 1).contiguous().keep()));
      for (const i of [0, 10, 11]) assertClose(blocks.get(i)!, f.get(`visual.block_out.${i}`)!, `visual block ${i}`);
      assertClose(model.clip.visual.embed(f.get('input.frames')!), f.get('ln_pre_out')!, 'ln_pre_out');
      const [bt, n, w] = f.get('visual_out')!.shape as [number, number, number];
      assertClose(blocks.get(11)!.transpose(0, 1).reshape(bt, n, w), f.get('visual_out')!, 'visual_out (before ln_post)');
      assertClose(out.middle, f.get('middle_out')!, 'middle_out');
      assertClose(out.hidden, f.get('hidden')!, 'hidden');
      assertClose(out.hidden.select(1, 0), f.get('x')!, 'x (per-frame feature)');
      const tubeBlocks = new Map<number, Tensor>();
      const tube = model.clip.tubeTokens(out.middle, null, (i, x) => tubeBlocks.set(i, x.transpose(0, 1).contiguous().keep()));
      assertClose(tube.assign, f.get('tube_assign')!, 'tube_assign');
      assertClose(tube.pooled.transpose(0, 1), f.get('tubes_pooled')!, 'tubes_pooled');
      assertClose(tubeBlocks.get(0)!, f.get('tube.block_out.0')!, 'tube block 0');
      assertClose(tubeBlocks.get(1)!, f.get('tube.block_out.1')!, 'tube block 1');
      assertClose(tube.encoded.transpose(0, 1), f.get('tube_encoder_out')!, 'tube_encoder_out');
      assertClose(tube.tokens, f.get('tube_token')!, 'tube_token');
    });
  });

  test('text tower (stage1_text)', async () => {
    const f = await fixture('stage1_text.safetensors');
    scope(() => {
      const ids = f.get('input.input_ids')!;
      const blocks = new Map<number, Tensor>();
      const hidden = model.clip.encodeTextTokens(ids, (i, x) => blocks.set(i, x.transpose(0, 1).contiguous().keep()));
      for (let i = 0; i < 6; i++) assertClose(blocks.get(i)!, f.get(`text.block_out.${i}`)!, `text block ${i}`);
      assertClose(hidden, f.get('hidden')!, 'hidden');
      assert.deepEqual(model.clip.eotIndex(ids).toArray(), f.get('eot_index')!.toArray());
      const t = model.encodeText(ids, f.get('input.attention_mask'));
      assertClose(t.eot, f.get('eot_feature')!, 'eot_feature');
      assertClose(t.tokens, f.get('hidden')!, 'tokens');
      const n = t.embedding.norm(2, -1).toArray() as Float32Array;
      for (const v of n) assert.ok(Math.abs(v - 1) < 1e-6, 'embedding is L2-normalised');
    });
  });

  test('training forward: similarity, both losses and gradients (stage1_loss)', async () => {
    const f = await fixture('stage1_loss.safetensors');
    const g = (k: string) => f.get(k)!;
    model.train();
    model.zeroGrad();
    try {
      scope(() => {
        const r = model.stage1Loss({
          video: g('input.video'),
          videoMask: g('input.video_mask'),
          inputIds: g('input.input_ids'),
          attentionMask: g('input.attention_mask'),
        });
        assertClose(r.sim, g('sim_matrix'), 'sim_matrix');
        assertClose(r.contrastive, g('sim_loss'), 'sim_loss');
        assertClose(r.align, g('align_loss'), 'align_loss');
        assertClose(r.loss, g('total_loss'), 'total_loss');
        r.loss.backward();
      });
      const params = model.stateDict();
      let checked = 0;
      for (const [k, ref] of f) {
        if (!k.startsWith('grad.')) continue;
        const p = params.get(k.slice(5));
        assert.ok(p, `model has ${k.slice(5)}`);
        const grad = p.grad;
        assert.ok(grad, `${k.slice(5)} received a gradient`);
        assertClose(grad, ref, k);
        grad.dispose();
        checked++;
      }
      assert.ok(checked >= 20, `checked ${checked} gradients`);
      // Parameters that never influence the stage-1 loss get no gradient, as in the reference.
      for (const k of ['clip.lm_head.weight', 'clip.local_visual.conv1.weight', 'clip.local_visual.ln_pre.weight'])
        assert.equal(params.get(k)!.grad, null, `${k} has no gradient`);
    } finally {
      model.zeroGrad();
      model.eval();
    }
  });

  test('public encoders and similarity agree with the training forward', async () => {
    const f = await fixture('stage1_loss.safetensors');
    scope(() => {
      const v = model.encodeVideo(f.get('input.video')!, f.get('input.video_mask'));
      assertClose(v.frames, f.get('visual_output')!, 'frames');
      assertClose(v.tubes, f.get('tube_token')!, 'tubes');
      const t = model.encodeText(f.get('input.input_ids')!, f.get('input.attention_mask'));
      assertClose(model.similarity(t, v), f.get('sim_matrix')!, 'similarity');
      assertClose(t.tokens, f.get('text_tokens')!, 'text_tokens');
      assertClose(t.eot.unsqueeze(1), f.get('sequence_output')!, 'sequence_output (EOT feature)');
      const centers = textCenters(model.clip.projectedCenters(), t.tokens, f.get('input.attention_mask')!);
      assertClose(centers, f.get('text_center')!, 'text_center');
    });
  });
});

describe("encodeText's EOT-only path (docs/ARCHITECTURE.md \"CPU inference\")", () => {
  /** Captions of 16 tokens, EOT (999) at 3, 15, 0 and 7 and zero padding after it; the last row has no EOT (argmax fallback, at 11). */
  const captions = () => {
    const ids = randint(1, 900, [5, 16]);
    [3, 15, 0, 7].forEach((e, b) => {
      ids.select(0, b).narrow(0, e, 1).fill_(999);
      if (e < 15) ids.select(0, b).narrow(0, e + 1, 15 - e).fill_(0);
    });
    ids.select(0, 4).narrow(0, 11, 1).fill_(950);
    return ids;
  };

  test('same embedding as the full path within 1e-5, inference and gradient modes, and the fixture EOT feature', async () => {
    const f = await fixture('stage1_text.safetensors');
    manualSeed(11);
    scope(() => {
      for (const [ids, mask] of [[f.get('input.input_ids')!, f.get('input.attention_mask')!], [captions(), null]] as const) {
        for (const run of [noGrad, enableGrad]) {
          const short = run(() => model.encodeText(ids, mask, { eotOnly: true }));
          const all = run(() => model.encodeText(ids, mask));
          assert.ok(!('tokens' in short), 'no per-token features');
          assertTensorClose(short.embedding, all.embedding, { atol: 1e-5, rtol: 0, message: 'embedding' });
          assertTensorClose(short.eot, all.eot, { atol: 1e-5, rtol: 1e-5, message: 'eot' });
        }
      }
      const ref = noGrad(() => model.encodeText(f.get('input.input_ids')!, null, { eotOnly: true }));
      assertClose(ref.eot, f.get('eot_feature')!, 'eot_feature (EOT-only path)');
    });
  });

  test('the shortcut is taken: the tower runs on max(EOT)+1 tokens, its last block at each EOT only', () => {
    manualSeed(12);
    scope(() => {
      const ids = captions();
      const shapes = new Map<number, number[]>();
      const eot = noGrad(() => model.clip.encodeTextEot(ids, (i, x) => void shapes.set(i, x.shape)));
      assert.deepEqual(eot.shape, [5, 128]);
      for (let i = 0; i < 5; i++) assert.deepEqual(shapes.get(i), [5, 16, 128], `block ${i}: every token up to the last EOT (at 15)`);
      assert.deepEqual(shapes.get(5), [5, 1, 128], 'last block: one row per caption');
      shapes.clear();
      noGrad(() => model.clip.encodeTextEot(ids.narrow(0, 2, 3), (i, x) => void shapes.set(i, x.shape)));
      assert.deepEqual(shapes.get(0), [3, 12, 128], 'EOTs at 0, 7 and 11: 12 tokens');
      assert.deepEqual(shapes.get(5), [3, 1, 128]);
    });
  });
});

describe('the global batch is an explicit option of the loss', () => {
  test('worldSize 2 with a gather that duplicates the batch gives a 2B × 2B similarity', async () => {
    const f = await fixture('stage1_loss.safetensors');
    const g = (k: string) => f.get(k)!;
    const batch = { video: g('input.video'), videoMask: g('input.video_mask'), inputIds: g('input.input_ids'), attentionMask: g('input.attention_mask') };
    scope(() => {
      let calls = 0;
      const r = model.stage1Loss(batch, {
        worldSize: 2,
        allGather: (t) => {
          calls++;
          return t.detach().clone().unsqueeze(0).expand(2, ...t.shape).reshape(2 * t.shape[0]!, -1);
        },
      });
      assert.equal(calls, 2, 'text and video embeddings are gathered');
      assert.deepEqual(r.sim.shape, [4, 4]);
      const local = model.stage1Loss(batch);
      assertClose(r.sim.narrow(0, 0, 2).narrow(1, 0, 2), local.sim, 'local block of the global similarity');
    });
  });

  test('worldSize > 1 without a gather function is an error naming the option', async () => {
    const f = await fixture('stage1_loss.safetensors');
    const g = (k: string) => f.get(k)!;
    assert.throws(
      () =>
        scope(() =>
          model.stage1Loss(
            { video: g('input.video'), videoMask: g('input.video_mask'), inputIds: g('input.input_ids'), attentionMask: g('input.attention_mask') },
            { worldSize: 2 },
          ),
        ),
      /stage1Loss: worldSize is 2 but no allGather was given/,
    );
  });

  test('T2VLP.load and save are members of the class itself', async () => {
    const { T2VLP: Direct } = await import('./t2vlp.js');
    assert.equal(typeof Direct.load, 'function');
    assert.equal(typeof Direct.prototype.save, 'function');
  });
});

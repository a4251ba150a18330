/**
 * Parity of the tightTransf similarity with the reference (fixture stage1_tight, model =
 * params_stage1 + the fixture's `cross.*` / `similarity_dense.*` parameters), tolerance
 * max|diff| ≤ 1e-5·max|ref| + 1e-6. The fixture contains the reference's head-major mask quirk
 * (docs/QUIRKS.md), reproduced with `crossHeadMajorMask`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scope, type Tensor } from '../torch/index.js';
import { FusionError, T2VLP } from './index.js';
import { tightInput } from './tight.js';
import { tightCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR, assertClose, fixture, fixtureTensor } from './testing/parity.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-tight-'));
let path: string;
let model: T2VLP;
let f: Map<string, Tensor>;
before(async () => {
  path = await tightCheckpoint(tmp);
  model = await T2VLP.load(path, { config: { crossHeadMajorMask: true } });
  f = await fixture('stage1_tight.safetensors');
});
after(() => {
  model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});
const g = fixtureTensor(() => f);

describe("tightTransf parity with the reference (stage1_tight)", () => {
  test('the cross encoder is loaded by name and becomes the default similarity', () => {
    assert.equal(model.config.crossLayers, 2);
    assert.equal(model.config.similarity, 'tight');
    assert.equal(model.hasFusion, false);
    const sd = model.stateDict();
    for (const [k, ref] of f) if (k.startsWith('param.')) assert.ok(sd.get(k.slice(6))!.equal(ref), `${k.slice(6)} loaded`);
  });

  test("sim_logits through the cross encoder, with the reference's mask quirk", () => {
    scope(() => {
      const v = model.encodeVideo(g('input.video'), g('input.video_mask'));
      const t = model.encodeText(g('input.input_ids'), g('input.attention_mask'));
      assertClose(v.frames, g('visual_output'), 'visual_output');
      assertClose(t.eot.unsqueeze(1), g('sequence_output'), 'sequence_output');
      const vm = g('input.video_mask');
      assertClose(model.similarity(t, v, { videoMask: vm }), g('sim_logits'), 'sim_logits (default: tight)');
      assertClose(model.similarity(t, v, { videoMask: vm, similarity: 'tight' }), g('sim_logits'), "sim_logits (similarity: 'tight')");
      // The loose similarity stays available.
      assert.deepEqual(model.similarity(t, v, { similarity: 'meanP' }).shape, [2, 2]);
    });
  });

  test('cross-encoder input, sequence and pooled outputs', () => {
    scope(() => {
      const v = model.encodeVideo(g('input.video'), g('input.video_mask'));
      const t = model.encodeText(g('input.input_ids'));
      const { x, mask } = tightInput(t.eot, v.frames, g('input.video_mask').reshape(2, 12));
      assertClose(x, g('cross.concat_input'), 'cross.concat_input');
      assert.deepEqual(Array.from(mask.toArray() as Float32Array), Array.from(g('cross.concat_mask').toArray() as BigInt64Array, Number));
      const ref = g('cross.concat_input');
      assertClose(model.cross!.encode(ref, g('cross.concat_mask'), true), g('cross.sequence_output'), 'cross.sequence_output');
      assertClose(model.cross!.forward(ref, g('cross.concat_mask'), true), g('cross.pooled_output'), 'cross.pooled_output');
    });
  });

  test('without the quirk each pair uses its own mask (differs here because the two videos have different masks)', async () => {
    const plain = await T2VLP.load(path);
    try {
      assert.equal(plain.config.crossHeadMajorMask, false);
      scope(() => {
        const v = plain.encodeVideo(g('input.video'), g('input.video_mask'));
        const t = plain.encodeText(g('input.input_ids'));
        const s = plain.similarity(t, v, { videoMask: g('input.video_mask') });
        assert.deepEqual(s.shape, [2, 2]);
        assert.ok(s.sub(g('sim_logits')).abs().max().item() > 1e-4, 'the quirk changes the numbers');
        // Pair-by-pair computation agrees with the batched one when masks are per pair.
        const one = plain.similarity(
          { ...t, eot: t.eot.narrow(0, 1, 1), tokens: t.tokens.narrow(0, 1, 1), embedding: t.embedding.narrow(0, 1, 1) },
          { frames: v.frames.narrow(0, 0, 1), tubes: v.tubes.narrow(0, 0, 1), embedding: v.embedding.narrow(0, 0, 1) },
          { videoMask: g('input.video_mask').narrow(0, 0, 1) },
        );
        assertClose(one.reshape(1), s.select(0, 1).narrow(0, 0, 1), 'pair (text 1, video 0)');
      });
    } finally {
      plain.dispose();
    }
  });

  test("similarity: 'tight' on a model without the cross encoder is an error naming it", async () => {
    const stage1 = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
    try {
      scope(() => {
        const v = stage1.encodeVideo(g('input.video'), g('input.video_mask'));
        const t = stage1.encodeText(g('input.input_ids'));
        assert.throws(
          () => stage1.similarity(t, v, { similarity: 'tight' }),
          (e: unknown) => e instanceof FusionError && /similarity: 'tight' needs the tightTransf cross encoder/.test(e.message),
        );
      });
    } finally {
      stage1.dispose();
    }
  });
});

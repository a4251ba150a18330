/**
 * Parity of the stage-2 objective with the reference (fixture stage2_fusion, model =
 * params_stage1 + params_stage2; tolerance max|diff| ≤ 1e-5·max|ref| + 1e-6 per tensor, masks and
 * integer tensors exactly), in eval mode (dropout off) with the fixture's recorded random draws.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSafetensors, scope, type Tensor } from '../torch/index.js';
import { FusionError, T2VLP, type FusionDraws, type Stage2Batch } from './index.js';
import { fusionCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR, assertClose, fixtureTensor, intValues } from './testing/parity.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-fusion-'));
let model: T2VLP;
let f: Map<string, Tensor>;
let meta: Record<string, string>;
before(async () => {
  model = await T2VLP.load(await fusionCheckpoint(tmp));
  const r = await loadSafetensors(REFERENCE_DIR + 'stage2_fusion.safetensors');
  f = r.tensors;
  meta = r.metadata;
});
after(() => {
  model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const g = fixtureTensor(() => f);
const ints = (k: string): number[] => intValues(g(k));
const batch = (): Stage2Batch => ({
  video: g('input.video'),
  videoMask: g('input.video_mask'),
  inputIds: g('input.input_ids'),
  attentionMask: g('input.attention_mask'),
  fusionLabels: g('input.fusion_labels'),
});
const draws = (): FusionDraws => ({
  plmStart: ints('random.plm_start_idx'),
  t2vHard: ints('random.t2v_hard_idx'),
  v2tHard: ints('random.v2t_hard_idx'),
});

/** Additive masks: the same blocked (-inf) entries, zeros elsewhere. */
function assertSameMask(actual: Tensor, expected: Tensor, what: string): void {
  scope(() => {
    assert.deepEqual(actual.shape, expected.shape, `${what} shape`);
    assert.ok(actual.isinf().equal(expected.isinf()), `${what}: blocked entries differ`);
    assert.equal(actual.maskedFill(actual.isinf(), 0).abs().sum().item(), 0, `${what}: finite entries are 0`);
  });
}

describe('stage-2 parity with the reference (stage2_fusion)', () => {
  test('the loaded model has the fusion encoder with the reference shapes', () => {
    assert.equal(model.hasFusion, true);
    assert.equal(model.config.fusionLayers, 6);
    assert.equal(model.config.fusionRunLayers, 6);
    assert.ok(model.visual_linear);
  });

  test('every output, mask, score, loss and gradient', () => {
    const traced = new Map<string, Tensor>();
    model.eval();
    model.zeroGrad();
    try {
      scope(() => {
        const r = model.stage2Loss(batch(), { draws: draws(), trace: (name, t) => traced.set(name, t.keep()) });
        for (const branch of ['mlm', 'plm', 'vtm']) {
          assertClose(traced.get(`fusion.${branch}.input`)!.transpose(0, 1), g(`fusion.${branch}.input`), `fusion.${branch}.input`);
          assertSameMask(traced.get(`fusion.${branch}.mask`)!, g(`fusion.${branch}.mask`), `fusion.${branch}.mask`);
          assertClose(traced.get(`fusion.${branch}.output`)!.transpose(0, 1), g(`fusion.${branch}.output`), `fusion.${branch}.output`);
        }
        for (const k of ['mlm.scores', 'plm.scores_all', 'plm.scores', 'vtm.predicted', 'text_center', 'tube_token'])
          assertClose(traced.get(k)!, g(k), k);
        for (const k of ['mlm.targets', 'plm.targets', 'vtm.targets'])
          assert.deepEqual(Array.from(traced.get(k)!.toArray() as BigInt64Array, Number), ints(k), k);
        assertClose(r.mlm, g('mlm_loss'), 'mlm_loss');
        assertClose(r.plm, g('plm_loss'), 'plm_loss');
        assertClose(r.vtm, g('vtm_loss'), 'vtm_loss');
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
        assert.ok(p.grad, `${k.slice(5)} received a gradient`);
        assertClose(p.grad, ref, k);
        checked++;
      }
      assert.equal(checked, 10);
      // Parameters the reference leaves without a gradient (text tower, visual tower, logit_scale, ...).
      const without = JSON.parse(meta['all_params_without_grad']!) as string[];
      assert.ok(without.length > 100);
      for (const k of without) {
        const p = params.get(k);
        assert.ok(p, `model has ${k}`);
        assert.equal(p.grad, null, `${k} has no gradient`);
      }
      // And every other parameter got one (token_embedding only through the output logits).
      for (const [k, p] of model.namedParameters())
        if (!without.includes(k) && (k.startsWith('clip.fusion') || k === 'clip.token_embedding.weight'))
          assert.ok(p.grad, `${k} received a gradient`);
    } finally {
      for (const t of traced.values()) t.dispose();
      model.zeroGrad();
    }
  });

  test('without draws the random choices come from the seeded generator, and the losses are finite', () => {
    scope(() => {
      const r = model.stage2Loss(batch());
      for (const k of ['mlm', 'plm', 'vtm', 'align'] as const) assert.ok(Number.isFinite(r[k].item()), `${k} finite`);
      // mlm and align do not depend on the draws.
      assertClose(r.mlm, g('mlm_loss'), 'mlm_loss');
      assertClose(r.align, g('align_loss'), 'align_loss');
    });
  });
});

describe('stage-2 bad input', () => {
  test('mis-shaped fusionLabels name the expected shape', () => {
    assert.throws(
      () => scope(() => model.stage2Loss({ ...batch(), fusionLabels: g('input.fusion_labels').narrow(1, 0, 44) }, { draws: draws() })),
      (e: unknown) => e instanceof FusionError && e.code === 'BAD_FUSION_LABELS' && /fusionLabels must be \[B, 1 \+ T \+ L\] = \[2, 45\].*got \[2, 44\]/.test(e.message),
    );
  });

  test('a PLM start outside the caption is rejected', () => {
    assert.throws(
      () => scope(() => model.stage2Loss(batch(), { draws: { ...draws(), plmStart: [0, 12] } })),
      /draws.plmStart must hold 2 integers, each in \[0, n - 2\].*n = 32, 13/,
    );
  });

  test('a fusion call on a stage-1 model says the fusion encoder is missing', async () => {
    const stage1 = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
    try {
      assert.equal(stage1.hasFusion, false);
      assert.throws(
        () => scope(() => stage1.stage2Loss(batch(), { draws: draws() })),
        (e: unknown) => e instanceof FusionError && e.code === 'NO_FUSION_ENCODER' && /stage2Loss: this model has no fusion encoder/.test(e.message),
      );
      assert.throws(() => scope(() => stage1.retrievalLoss(batch())), /retrievalLoss: this model has no fusion encoder/);
    } finally {
      stage1.dispose();
    }
  });
});

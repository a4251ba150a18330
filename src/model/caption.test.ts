/**
 * Parity of the caption head with the reference (fixture caption_head; model = params_stage1 +
 * params_stage2 with the 49408-entry vocabulary, testing/checkpoints.ts): teacher-forced fusion
 * input, mask and output, scores, targets and losses (max|diff| ≤ 1e-5·max|ref| + 1e-6), greedy ids
 * (equal) and step log-probabilities (2e-5·max|ref|, the fixture's rule for `greedy.*`). Then
 * cached vs re-encoded decoding, beam search at width 1 vs greedy, and bad input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keep, loadSafetensors, scope, stack, type Tensor } from '../torch/index.js';
import { FusionError, T2VLP } from './index.js';
import { beamCaptionIds, greedyCaptionIds } from './caption.js';
import { captionCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR, assertClose, fixtureTensor, intValues } from './testing/parity.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-caption-'));
let model: T2VLP;
let f: Map<string, Tensor>;
let meta: Record<string, string>;
before(async () => {
  model = await T2VLP.load(await captionCheckpoint(tmp));
  model.eval();
  const r = await loadSafetensors(REFERENCE_DIR + 'caption_head.safetensors');
  f = r.tensors;
  meta = r.metadata;
});
after(() => {
  model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const g = fixtureTensor(() => f);
const ints = intValues;
const video = () => g('input.video');
const videoMask = () => g('input.video_mask').reshape(2, 12);

describe('caption head parity (caption_head)', () => {
  test('the caption model has the 49408-entry vocabulary', () => {
    assert.equal(model.config.vocabSize, 49408);
    assert.equal(model.config.eotTokenId, 49407);
  });

  test('teacher forcing: fusion input, mask, output, scores, targets, losses', () => {
    scope(() => {
      const seen = new Map<string, Tensor>();
      const r = model.captionLoss(
        { video: video(), videoMask: g('input.video_mask'), inputIds: g('input.input_ids'), attentionMask: g('input.attention_mask') },
        { trace: (name, t) => seen.set(name, keep(t)) },
      );
      const lnd = (t: Tensor) => t.transpose(0, 1);
      assertClose(lnd(seen.get('fusion.input')!), g('teacher.fusion.input'), 'teacher.fusion.input');
      assert.ok(seen.get('fusion.mask')!.equal(g('teacher.fusion.mask')), 'teacher.fusion.mask equal');
      assertClose(lnd(seen.get('fusion.output')!), g('teacher.fusion.output'), 'teacher.fusion.output');
      assert.deepEqual(ints(seen.get('targets')!), ints(g('teacher.targets')));
      const cols = g('teacher.score_columns');
      assertClose(seen.get('scores')!.indexSelect(1, cols), g('teacher.scores'), 'teacher.scores');
      assertClose(r.caption, g('teacher.cap_loss'), 'teacher.cap_loss');
      assertClose(r.contrastive, g('teacher.sim_loss'), 'teacher.sim_loss');
      assertClose(r.align, g('teacher.align_loss'), 'teacher.align_loss');
      assertClose(r.loss, r.caption.add(r.contrastive).add(r.align), 'loss = caption + contrastive + align', 0, 0);
      for (const t of seen.values()) t.dispose();
    });
  });

  for (const cache of [false, true])
    test(`greedy decoding (${cache ? 'cached' : 're-encoded'}): ids equal, log-probabilities within 2e-5·max`, () => {
      scope(() => {
        const steps: Tensor[] = [];
        const col1000: Tensor[] = [];
        const cols = g('teacher.score_columns');
        const { ids, text } = model.generateCaption(video(), videoMask(), {
          cache,
          onStep: (_, logp) => {
            steps.push(keep(logp.indexSelect(1, cols)));
            col1000.push(keep(logp.select(1, 1000)));
          },
        });
        assert.deepEqual(ints(ids), ints(g('greedy.ids')));
        const logpt = stack(steps, 1);
        const c1000 = stack(col1000, 1);
        for (const t of [...steps, ...col1000]) t.dispose();
        assertClose(logpt, g('greedy.logpt'), 'greedy.logpt', 2e-5, 0);
        assertClose(c1000, g('greedy.logpt_col_1000'), 'greedy.logpt_col_1000', 2e-5, 0);
        const ref = JSON.parse(meta.greedy_decoded!) as Record<string, string[]>;
        assert.deepEqual(text, [ref['0']![0], ref['1']![0]]);
      });
    });

  test('cached and re-encoded decoding give identical ids (a video with its last 5 frames masked)', () => {
    scope(() => {
      const vm = videoMask().clone();
      vm.narrow(1, 7, 5).fill_(0);
      const a = greedyCaptionIds(model, video(), vm, { cache: true, maxSteps: 8 }).ids;
      const b = greedyCaptionIds(model, video(), vm, { cache: false, maxSteps: 8 }).ids;
      assert.deepEqual(ints(a), ints(b));
    });
  });

  test('a single video (batch 1, one row per cached step): cached equals re-encoded and the batch-2 row', () => {
    scope(() => {
      const v = video().narrow(0, 1, 1);
      const vm = videoMask().narrow(0, 1, 1);
      const one = greedyCaptionIds(model, v, vm, { cache: true, maxSteps: 8 }).ids;
      const reencoded = greedyCaptionIds(model, v, vm, { cache: false, maxSteps: 8 }).ids;
      const both = greedyCaptionIds(model, video(), videoMask(), { cache: true, maxSteps: 8 }).ids;
      assert.deepEqual(ints(one), ints(reencoded));
      assert.deepEqual(ints(one), ints(both.narrow(0, 1, 1)));
    });
  });

  test('beam search: width 1 equals greedy up to the end id; width 3 is deterministic', () => {
    scope(() => {
      const S = 10;
      const greedy = ints(g('greedy.ids'));
      const b1 = ints(beamCaptionIds(model, video(), videoMask(), { beam: 1, maxSteps: S }).ids);
      for (let b = 0; b < 2; b++) {
        const gRow = greedy.slice(b * 31, b * 31 + S);
        const e = gRow.indexOf(49407);
        const n = e < 0 ? S : e + 1;
        assert.deepEqual(b1.slice(b * S, b * S + n), gRow.slice(0, n));
        assert.ok(b1.slice(b * S + n, b * S + S).every((x) => x === 0));
      }
      const r = model.generateCaption(video(), videoMask(), { beam: 3, maxSteps: 6 });
      const again = model.generateCaption(video(), videoMask(), { beam: 3, maxSteps: 6 });
      assert.deepEqual(r.ids.shape, [2, 6]);
      assert.deepEqual(ints(r.ids), ints(again.ids));
      assert.deepEqual(r.text, again.text);
    });
  });

  test('bad input: options, shapes, and a model without the fusion encoder', async () => {
    assert.throws(() => model.generateCaption(video(), videoMask(), { beam: 0 }), (e: unknown) => e instanceof FusionError && /beam must be an integer/.test(e.message));
    assert.throws(() => model.generateCaption(video(), videoMask(), { maxSteps: 100 }), /maxSteps must be an integer in \[1, 56\]/);
    assert.throws(() => model.generateCaption(video(), g('input.video_mask').reshape(1, 24)), /videoMask must be \[1, 12\]/);
    const stage1 = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
    try {
      assert.throws(() => stage1.generateCaption(video(), videoMask()), (e: unknown) => e instanceof FusionError && e.code === 'NO_FUSION_ENCODER' && /generateCaption: this model has no fusion encoder/.test(e.message));
    } finally {
      stage1.dispose();
    }
  });
});

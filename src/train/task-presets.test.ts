/**
 * The captioning and QA presets carry the reference command lines' values
 * (docs/TRAINING.md "Hyper-parameters"; MSVD captioning and MSR-VTT QA; MSR-VTT captioning and MSVD-QA take their
 * sibling's), the objective and data format of their script, and 'repeat' frame filling (docs/DATA.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FUSION_NEW_MODULES, PRESETS } from './presets.js';

const COMMON = { batchSize: 32, maxWords: 32, maxFrames: 12, coefLr: 1e-3, slicePos: 2, freezeLayerNum: 0, weightDecay: 0.2, gradAccum: 1, schedule: 'warmup_cosine' };
// run | epochs | batch | lr | warmup | max_words | max_frames | feature_framerate | coef_lr
const TABLE = {
  'msvd-caption': { objective: 'caption', dataset: 'msvd', epochs: 10, lr: 5e-5, warmup: 0.2, featureFramerate: 1 },
  'msrvtt-caption': { objective: 'caption', dataset: 'msrvtt', epochs: 10, lr: 5e-5, warmup: 0.2, featureFramerate: 1 },
  'msrvtt-qa': { objective: 'qa', dataset: 'msrvtt-qa', epochs: 5, lr: 2e-4, warmup: 0.1, featureFramerate: 1 },
  'msvd-qa': { objective: 'qa', dataset: 'msvd-qa', epochs: 5, lr: 2e-4, warmup: 0.1, featureFramerate: 1 },
} as const;

test('captioning and QA presets equal the reference table', () => {
  for (const [name, row] of Object.entries(TABLE)) {
    const p = PRESETS[name];
    assert.ok(p, `preset ${name} exists`);
    for (const [k, v] of Object.entries({ ...COMMON, ...row })) assert.equal(p[k as keyof typeof p], v, `${name}.${k}`);
    assert.equal(p.model, undefined, `${name} starts from a checkpoint`);
    assert.deepEqual(p.newModulePatterns, FUSION_NEW_MODULES, `${name}: the fusion modules are the new ones`);
    assert.equal(p.newModuleLr, 5e-6, `${name}: fusion modules at 5e-6`);
    assert.equal(p.frameFill, 'repeat', `${name}: short clips repeat frames`);
  }
  assert.equal(PRESETS['msrvtt-qa']!.qaAnswers, 'vocabulary');
  assert.equal(PRESETS.msrvtt!.frameFill, undefined, 'retrieval keeps zero padding');
});

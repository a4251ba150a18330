/**
 * resetFusionEncoder: the fusion encoder's parameters become those of a fresh model made after
 * manualSeed(seed); every other parameter (CLIP towers, tube tokens) is left as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFusionKey, T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { resetFusionEncoder } from './untrained-baseline.js';
import { TaskEvalError } from './task-eval-error.js';

const cfg = { ...TINY_CONFIG, vocabSize: 1000, eotTokenId: 999, embedDim: 64, fusion: true };
const values = (m: T2VLP) => new Map([...m.stateDict()].map(([k, t]) => [k, Array.from(t.toArray() as Float32Array)]));

test('resetFusionEncoder re-initialises the fusion encoder only, reproducibly', () => {
  manualSeed(5);
  const model = new T2VLP(cfg);
  manualSeed(0);
  const fresh = new T2VLP(cfg);
  const stage1 = new T2VLP(TINY_CONFIG);
  try {
    const before = values(model);
    resetFusionEncoder(model, { seed: 0 });
    const after = values(model);
    const expected = values(fresh);
    let fusionKeys = 0;
    for (const [k, v] of after) {
      if (isFusionKey(k)) {
        fusionKeys++;
        assert.deepEqual(v, expected.get(k), k);
      } else assert.deepEqual(v, before.get(k), k);
    }
    assert.ok(fusionKeys > 5);
    assert.throws(() => resetFusionEncoder(stage1), (e: unknown) => e instanceof TaskEvalError && e.code === 'NO_FUSION_ENCODER');
  } finally {
    for (const m of [model, fresh, stage1]) m.dispose();
  }
});

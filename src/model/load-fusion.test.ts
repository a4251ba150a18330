/**
 * Loading rules for the fusion encoder: a checkpoint with all its keys gives `hasFusion`, a stage-1
 * checkpoint does not, some-but-not-all is an error listing the missing keys, `{ fusion: true }`
 * initialises a fresh fusion encoder on a stage-1 model, and `save` round-trips it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readSafetensors, writeSafetensors } from '../torch/io/index.js';
import { scope } from '../torch/index.js';
import { FusionError, T2VLP } from './index.js';
import { fusionCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR } from './testing/parity.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-load-fusion-'));
let full: string;
before(async () => {
  full = await fusionCheckpoint(tmp);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('loading the fusion encoder', () => {
  test('some but not all fusion keys: an error listing the missing ones', async () => {
    const r = await readSafetensors(full);
    const dropped = ['clip.fusion_match_matrix', 'visual_linear.bias', 'clip.fusion_transformer.resblocks.3.ln_2.weight'];
    for (const k of dropped) r.tensors.delete(k);
    const partial = join(tmp, 'partial.safetensors');
    await writeSafetensors(partial, r.tensors);
    await assert.rejects(T2VLP.load(partial), (e: unknown) => {
      assert.ok(e instanceof FusionError);
      assert.equal(e.code, 'FUSION_KEYS_MISSING');
      assert.deepEqual([...e.missing].sort(), [...dropped].sort());
      assert.match(e.message, /partial\.safetensors has some of the fusion encoder's parameters but not all; missing \(3\):/);
      for (const k of dropped) assert.ok(e.message.includes(k), `message names ${k}`);
      return true;
    });
    // { fusion: false } drops the fusion encoder instead.
    const stage1 = await T2VLP.load(partial, { fusion: false });
    assert.equal(stage1.hasFusion, false);
    stage1.dispose();
  });

  test('{ fusion: true } on a stage-1 checkpoint: fresh fusion parameters, stage-1 weights kept', async () => {
    const fresh = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { fusion: true });
    const ref = await readSafetensors(full);
    try {
      assert.equal(fresh.hasFusion, true);
      assert.equal(fresh.config.fusionLayers, 6, 'as many blocks as the text tower');
      const sd = fresh.stateDict();
      const refKeys = [...ref.tensors.keys()].sort();
      assert.deepEqual([...sd.keys()].sort(), refKeys, 'the reference fusion model’s keys exactly');
      scope(() => {
        assert.equal(sd.get('clip.fusion_logit_bias')!.abs().sum().item(), 0, 'logit bias starts at zero');
        const std = sd.get('clip.fusion_positional_embedding')!.std([0, 1]).item();
        assert.ok(std > 0.005 && std < 0.02, `positional std ${std}`);
        const pstd = sd.get('clip.fusion_proj_embedding')!.std([0, 1]).item();
        assert.ok(Math.abs(pstd - 128 ** -0.5) < 0.02, `proj std ${pstd}`);
      });
      const stage1 = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
      for (const [k, t] of stage1.stateDict()) assert.ok(t.equal(sd.get(k)!), `${k} kept`);
      stage1.dispose();
    } finally {
      fresh.dispose();
    }
  });

  test('save and load round-trip the fusion encoder and say so in the metadata', async () => {
    const model = await T2VLP.load(full);
    const out = join(tmp, 'saved.safetensors');
    try {
      await model.save(out);
      const r = await readSafetensors(out);
      assert.equal(r.metadata['t2vlp_has_fusion'], 'true');
      assert.equal((JSON.parse(r.metadata['t2vlp_config']!) as { fusion: boolean }).fusion, true);
      const back = await T2VLP.load(out);
      try {
        assert.equal(back.hasFusion, true);
        const a = model.stateDict();
        for (const [k, t] of back.stateDict()) assert.ok(t.equal(a.get(k)!), `${k} round-trips`);
        assert.equal(back.stateDict().size, a.size);
      } finally {
        back.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  test('a model built with fusion: true has the fusion encoder; without, none', () => {
    const tiny = { embedDim: 32, imageResolution: 16, visionLayers: 2, visionWidth: 64, visionPatchSize: 8, textWidth: 32, textHeads: 2, textLayers: 2, vocabSize: 50, eotTokenId: 49, jointLayers: 1, tubeLayers: 1 };
    const a = new T2VLP({ ...tiny, fusion: true });
    const b = new T2VLP(tiny);
    try {
      assert.equal(a.hasFusion, true);
      assert.equal(a.config.fusionLayers, 2);
      assert.equal(a.config.fusionRunLayers, 2);
      assert.equal(b.hasFusion, false);
      assert.ok(![...b.stateDict().keys()].some((k) => k.includes('fusion_transformer') || k.startsWith('visual_linear')));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe("similarity: 'tight' as a load option", () => {
  test('on a checkpoint without the cross encoder it is a configuration error', async () => {
    await assert.rejects(
      T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { config: { similarity: 'tight' } }),
      /similarity 'tight' needs the cross encoder \(crossLayers > 0\)/,
    );
  });
});

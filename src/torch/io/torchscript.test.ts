/**
 * TorchScript archives: test/fixtures/io/tiny_clip_jit.pt (a scripted CLIP with OpenAI's
 * attribute names, fp16 matrices and int64 scalar buffers) against tiny_clip_jit.json (every
 * tensor reachable through the module's attributes, as torch.jit.load reports them, exact), and
 * traced_constants.pt for the constants.pkl / constants/ tensors of traced code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertListing, fixture, loadListing } from '../../../test/fixtures/io/listing.js';
import { CheckpointError } from './errors.js';
import { rawTensorToNumbers } from './raw-tensor.js';
import { readTorchScript, readTorchScriptConstants } from './torchscript.js';

describe('readTorchScript', () => {
  it('reads every tensor of the tiny CLIP archive by attribute path (tiny_clip_jit.pt)', async () => {
    const listing = loadListing('tiny_clip_jit.json');
    const tensors = await readTorchScript(fixture('tiny_clip_jit.pt'));
    assertListing(tensors, listing);
    assert.deepEqual(
      [...tensors.keys()],
      listing.tensors.map((t) => t.name),
      "TorchScript's attribute order",
    );
  });

  it('has the names, dtypes and scalars of OpenAI CLIP archives', async () => {
    const t = await readTorchScript(fixture('tiny_clip_jit.pt'));
    const cfg = loadListing('tiny_clip_jit.json').config as Record<string, number>;
    for (const name of [
      'visual.conv1.weight',
      'visual.class_embedding',
      'visual.positional_embedding',
      'visual.ln_pre.weight',
      'visual.ln_pre.bias',
      'visual.transformer.resblocks.11.attn.in_proj_weight',
      'visual.transformer.resblocks.11.attn.out_proj.bias',
      'visual.transformer.resblocks.10.mlp.c_fc.weight',
      'visual.transformer.resblocks.0.mlp.c_proj.bias',
      'visual.transformer.resblocks.3.ln_2.weight',
      'visual.ln_post.bias',
      'visual.proj',
      'token_embedding.weight',
      'positional_embedding',
      'transformer.resblocks.1.ln_1.bias',
      'ln_final.weight',
      'text_projection',
      'logit_scale',
    ])
      assert.ok(t.has(name), name);
    assert.equal(t.get('visual.conv1.weight')!.dtype, 'float16');
    assert.equal(t.get('visual.ln_pre.weight')!.dtype, 'float32');
    assert.deepEqual(t.get('visual.transformer.resblocks.0.attn.in_proj_weight')!.shape, [
      3 * cfg.vision_width!,
      cfg.vision_width!,
    ]);
    for (const [name, key] of [
      ['input_resolution', 'image_resolution'],
      ['context_length', 'context_length'],
      ['vocab_size', 'vocab_size'],
    ] as const) {
      const s = t.get(name)!;
      assert.equal(s.dtype, 'int64');
      assert.deepEqual(s.shape, []);
      assert.equal(rawTensorToNumbers(s)[0], cfg[key]);
    }
    assert.equal(rawTensorToNumbers(t.get('logit_scale')!)[0], Math.fround(Math.log(1 / 0.07)));
    // The scripted text blocks share one attn_mask tensor; each name gets its own bytes.
    assert.deepEqual(
      t.get('transformer.resblocks.0.attn_mask')!.data,
      t.get('transformer.resblocks.1.attn_mask')!.data,
    );
    assert.ok(!t.has('training') && !t.has('visual.training'));
  });

  it('reads traced modules, and their tensor constants (traced_constants.pt)', async () => {
    const listing = loadListing('traced_constants.json');
    assertListing(await readTorchScript(fixture('traced_constants.pt')), listing);
    const constants = await readTorchScriptConstants(fixture('traced_constants.pt'));
    const found = [...constants.values()].filter(
      (c) => c.dtype === 'float32' && c.shape.length === 1 && c.shape[0] === 2,
    );
    assert.equal(found.length, 1, [...constants.keys()].join(','));
    assert.deepEqual(Array.from(rawTensorToNumbers(found[0]!)), listing.constant);
    assert.ok([...constants.keys()].every((k) => /^c\d+$/.test(k)));
  });

  it('sends torch.save checkpoints to readTorchCheckpoint', async () => {
    const path = fixture('state_dict.pt');
    await assert.rejects(readTorchScript(path), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.equal(
        e.message,
        `readTorchScript: '${path}' is a torch.save checkpoint, not a TorchScript archive (no code/ or constants.pkl); read it with readTorchCheckpoint, or readCheckpointFile which tells them apart`,
      );
      return true;
    });
  });
});

/**
 * The HF → OpenAI renaming on small hand-made records: q, k, v stacked in that order, the
 * projections transposed, block and tower names mapped, unknown names passed through; and the
 * byte-level helpers it uses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rawTensorToNumbers, type RawTensor } from '../torch/io/index.js';
import { hfToClipKeys } from './hf-clip.js';
import { concatRows, transposeMatrix } from './raw-reshape.js';

function f32(shape: number[], values: number[]): RawTensor {
  return { dtype: 'float32', shape, data: new Uint8Array(new Float32Array(values).buffer) };
}
const values = (t: RawTensor | undefined): number[] => [...rawTensorToNumbers(t!)];

describe('raw reshaping', () => {
  test('concatRows stacks along dimension 0', () => {
    const t = concatRows([f32([1, 2], [1, 2]), f32([2, 2], [3, 4, 5, 6])]);
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(values(t), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => concatRows([f32([1, 2], [1, 2]), f32([1, 1], [3])]), /does not stack/);
  });

  test('transposeMatrix swaps rows and columns, for 2-byte dtypes too', () => {
    const t = transposeMatrix(f32([2, 3], [1, 2, 3, 4, 5, 6]));
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(values(t), [1, 4, 2, 5, 3, 6]);
    const h: RawTensor = {
      dtype: 'int16',
      shape: [2, 2],
      data: new Uint8Array(new Int16Array([1, 2, 3, 4]).buffer),
    };
    assert.deepEqual([...new Int16Array(transposeMatrix(h).data.buffer)], [1, 3, 2, 4]);
    assert.throws(() => transposeMatrix(f32([4], [1, 2, 3, 4])), /expected a 2-D tensor/);
  });
});

describe('hfToClipKeys', () => {
  test('fuses q, k, v (in that order), transposes projections and renames the rest', () => {
    const hf = new Map<string, RawTensor>([
      ['text_model.encoder.layers.3.self_attn.v_proj.weight', f32([1, 2], [5, 6])],
      ['text_model.encoder.layers.3.self_attn.q_proj.weight', f32([1, 2], [1, 2])],
      ['text_model.encoder.layers.3.self_attn.k_proj.weight', f32([1, 2], [3, 4])],
      ['text_model.encoder.layers.3.self_attn.q_proj.bias', f32([1], [7])],
      ['text_model.encoder.layers.3.self_attn.k_proj.bias', f32([1], [8])],
      ['text_model.encoder.layers.3.self_attn.v_proj.bias', f32([1], [9])],
      ['vision_model.encoder.layers.0.mlp.fc2.bias', f32([1], [1])],
      ['vision_model.encoder.layers.0.layer_norm1.weight', f32([1], [1])],
      ['vision_model.pre_layrnorm.weight', f32([1], [1])],
      ['vision_model.embeddings.position_ids', f32([1], [0])],
      ['visual_projection.weight', f32([2, 3], [1, 2, 3, 4, 5, 6])],
      ['text_model.embeddings.position_embedding.weight', f32([1], [1])],
      ['vision_model.something_new', f32([1], [1])],
    ]);
    const out = hfToClipKeys(hf, 'x.safetensors');
    assert.deepEqual([...out.keys()].sort(), [
      'positional_embedding',
      'transformer.resblocks.3.attn.in_proj_bias',
      'transformer.resblocks.3.attn.in_proj_weight',
      'vision_model.something_new',
      'visual.ln_pre.weight',
      'visual.proj',
      'visual.transformer.resblocks.0.ln_1.weight',
      'visual.transformer.resblocks.0.mlp.c_proj.bias',
    ]);
    assert.deepEqual(out.get('transformer.resblocks.3.attn.in_proj_weight')!.shape, [3, 2]);
    assert.deepEqual(
      values(out.get('transformer.resblocks.3.attn.in_proj_weight')),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(values(out.get('transformer.resblocks.3.attn.in_proj_bias')), [7, 8, 9]);
    assert.deepEqual(out.get('visual.proj')!.shape, [3, 2]);
    assert.deepEqual(values(out.get('visual.proj')), [1, 4, 2, 5, 3, 6]);
  });

  test('an incomplete q/k/v triple keeps its HF names', () => {
    const out = hfToClipKeys(
      new Map([['text_model.encoder.layers.0.self_attn.q_proj.weight', f32([1, 1], [1])]]),
      'x',
    );
    assert.deepEqual([...out.keys()], ['text_model.encoder.layers.0.self_attn.q_proj.weight']);
  });
});

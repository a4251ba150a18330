/**
 * Reduced-precision inference on the fixture model (test/fixtures/reference/params_stage1 with the
 * inputs of stage1_loss): int8 dynamic quantization and bfloat16 autocast move the video and text
 * embeddings by the cosine bounds below (measured: see docs/ARCHITECTURE.md "Precisions"), and
 * misuses raise coded errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { autocast, noGrad, PrecisionError, scope, type Tensor } from '../torch/index.js';
import { T2VLP } from './index.js';
import { REFERENCE_DIR, fixture } from './testing/parity.js';

/** Smallest per-row cosine between two [N, D] embedding matrices. */
function minCosine(a: Tensor, b: Tensor): number {
  return scope(() => {
    const cos = a.mul(b).sum(-1).div(a.norm(2, -1).mul(b.norm(2, -1)));
    return cos.min().item();
  });
}

// Bounds: the measured minimum cosines over rows (int8: video 0.99956, text 0.99923; bf16 autocast:
// 0.99996 both, libtorch 2.13 CPU), with a margin for other CPUs' kernels.
const INT8_MIN_COSINE = 0.998;
const BF16_MIN_COSINE = 0.999;
// And below this: int8 moves the embeddings as much as measured, so every transformer GEMM went
// through the int8 kernels (the float32 inference path bypassing them leaves cosines above 0.99999).
const INT8_MAX_COSINE = 0.9999;

let f: Map<string, Tensor>;
let model: T2VLP;
let ref: { video: Tensor; text: Tensor };
const g = (k: string) => f.get(k)!;
const encode = (m: T2VLP) =>
  noGrad(() => ({
    video: m.encodeVideo(g('input.video'), g('input.video_mask')).embedding.keep(),
    text: m.encodeText(g('input.input_ids'), g('input.attention_mask')).embedding.keep(),
  }));

before(async () => {
  f = await fixture('stage1_loss.safetensors');
  model = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
  ref = scope(() => encode(model));
});
after(() => {
  model.dispose();
  ref.video.dispose();
  ref.text.dispose();
  for (const t of f.values()) t.dispose();
});

describe('reduced-precision inference on the fixture model', () => {
  test(`bfloat16 autocast: embeddings within cosine ${BF16_MIN_COSINE} of float32`, () => {
    scope(() => {
      const e = autocast(() => encode(model), { dtype: 'bfloat16' });
      assert.equal(e.video.dtype, 'float32', 'embeddings come back float32');
      const cv = minCosine(e.video, ref.video);
      const ct = minCosine(e.text, ref.text);
      console.log(`bf16 autocast: min cosine video ${cv.toFixed(5)}, text ${ct.toFixed(5)}`);
      assert.ok(cv >= BF16_MIN_COSINE && cv < 1, `video cosine ${cv}`);
      assert.ok(ct >= BF16_MIN_COSINE && ct < 1, `text cosine ${ct}`);
    });
  });

  test(`int8 dynamic quantization: embeddings within cosine ${INT8_MIN_COSINE} of float32`, async () => {
    const q = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { dtype: 'int8' });
    try {
      assert.ok(q.quantized);
      assert.equal(q.dtype, 'float32');
      scope(() => {
        const e = encode(q);
        const cv = minCosine(e.video, ref.video);
        const ct = minCosine(e.text, ref.text);
        console.log(`int8: min cosine video ${cv.toFixed(5)}, text ${ct.toFixed(5)}`);
        assert.ok(cv >= INT8_MIN_COSINE && cv < INT8_MAX_COSINE, `video cosine ${cv}`);
        assert.ok(ct >= INT8_MIN_COSINE && ct < INT8_MAX_COSINE, `text cosine ${ct}`);
      });
    } finally {
      q.dispose();
    }
  });

  test('a quantized model refuses to move to CUDA or to bfloat16', async () => {
    const q = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { dtype: 'int8' });
    try {
      for (const target of ['cuda', 'bfloat16'] as const)
        assert.throws(
          () => q.to(target),
          (e: unknown) => e instanceof PrecisionError && e.code === 'INT8_UNSUPPORTED' && new RegExp(`to\\('${target}'\\)`).test(e.message),
        );
      assert.equal(q.to('cpu').device, 'cpu');
    } finally {
      q.dispose();
    }
  });

  test('int8 on a bfloat16 model, and unknown quantization kinds, are coded errors', async () => {
    const bf = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors', { dtype: 'bfloat16' });
    try {
      assert.throws(
        () => bf.quantize('int8'),
        (e: unknown) => e instanceof PrecisionError && e.code === 'INT8_UNSUPPORTED' && /bfloat16 on cpu/.test(e.message),
      );
      assert.throws(
        () => bf.quantize('int4' as 'int8'),
        (e: unknown) => e instanceof PrecisionError && e.code === 'BAD_PRECISION' && /expected 'int8', got 'int4'/.test(e.message),
      );
    } finally {
      bf.dispose();
    }
  });
});

/**
 * Reduced precision on CUDA (run by scripts/gpu-check.sh on a GPU machine; skipped, saying so,
 * without a CUDA device): autocast switches CUDA's state (not CPU's) and runs linear in bfloat16 and
 * float16; fp16 with GradScaler trains a layer; int8 weights refuse CUDA inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cuda, manualSeed, noGrad, randn, scope } from '../index.js';
import * as F from '../nn/functional.js';
import { Linear } from '../nn/layers.js';
import { AdamW } from '../optim/adamw.js';
import { GradScaler } from '../optim/grad-scaler.js';
import { autocast, autocastState } from './autocast.js';
import { PrecisionError } from './errors.js';
import { quantizeDynamicInt8 } from './quantize.js';

const skip = cuda.isAvailable() ? false : 'no CUDA device: this addon was built against a CPU-only libtorch or no GPU is visible';

describe('reduced precision on CUDA', { skip }, () => {
  test('autocast bf16 / fp16 on cuda; the CPU state is untouched', () => {
    scope(() => {
      const x = randn([4, 16]).to('cuda');
      const w = randn([8, 16]).to('cuda');
      for (const dtype of ['bfloat16', 'float16'] as const) {
        const y = autocast(
          () => {
            assert.equal(autocastState('cpu').enabled, false);
            assert.equal(autocastState('cuda').enabled, true);
            return F.linear(x, w);
          },
          { dtype, device: 'cuda' },
        );
        assert.equal(y.dtype, dtype);
        const ref = F.linear(x, w);
        const err = y.to('float32').sub(ref).abs().max().item() / ref.abs().max().item();
        assert.ok(err < 2e-2, `${dtype} relative error ${err}`);
      }
      assert.equal(autocastState('cuda').enabled, false);
    });
  });

  test('fp16 autocast with GradScaler lowers a regression loss', () => {
    manualSeed(0);
    const lin = new Linear(16, 1).to('cuda');
    const opt = new AdamW(lin.parameters(), { lr: 1e-2, weightDecay: 0 });
    const scaler = new GradScaler();
    const x = randn([64, 16]).to('cuda').keep();
    const y = x.sum(-1, true).keep();
    const losses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const l = scope(() => {
        const loss = autocast(() => lin.forward(x).sub(y).pow(2).mean(), { dtype: 'float16', device: 'cuda' });
        scaler.scale(loss).backward();
        return loss.item();
      });
      scaler.step(opt);
      scaler.update();
      opt.zeroGrad();
      losses.push(l);
    }
    assert.ok(losses.at(-1)! < losses[0]! * 0.5, `loss ${losses[0]} → ${losses.at(-1)}`);
    x.dispose();
    y.dispose();
    opt.disposeState();
    lin.dispose();
  });

  test('int8 weights refuse CUDA inputs', () => {
    const lin = new Linear(8, 4);
    quantizeDynamicInt8(lin);
    scope(() =>
      assert.throws(
        () => noGrad(() => lin.forward(randn([2, 8]).to('cuda'))),
        (e: unknown) => e instanceof PrecisionError && e.code === 'INT8_UNSUPPORTED',
      ),
    );
    lin.dispose();
  });
});

/**
 * autocast(): matmul-like ops run in the lower dtype inside the region and float32 outside; the
 * previous state comes back after nesting and after an exception; bad uses raise coded errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualSeed, randn, scope } from '../index.js';
import * as F from '../nn/functional.js';
import { autocast, autocastState } from './autocast.js';
import { PrecisionError } from './errors.js';

describe('autocast', () => {
  test('linear runs in bfloat16 inside, float32 outside; losses run in float32; other ops keep their input dtype', () => {
    manualSeed(1);
    scope(() => {
      const x = randn([4, 16]);
      const w = randn([8, 16]);
      const inside = autocast(() => F.linear(x, w), { dtype: 'bfloat16' });
      assert.equal(inside.dtype, 'bfloat16');
      assert.equal(autocast(() => F.mseLoss(inside, inside), { dtype: 'bfloat16' }).dtype, 'float32');
      assert.equal(autocast(() => x.add(x), { dtype: 'bfloat16' }).dtype, 'float32');
      assert.equal(F.linear(x, w).dtype, 'float32');
      // bfloat16 keeps 8 bits of mantissa: relative error of a 16-term dot product well under 2e-2.
      const ref = F.linear(x, w);
      const err = inside.to('float32').sub(ref).abs().max().item() / ref.abs().max().item();
      assert.ok(err < 2e-2, `bf16 linear relative error ${err}`);
    });
  });

  test('float16 autocast on CPU (supported by libtorch 2.x)', () => {
    scope(() => {
      const y = autocast(() => F.linear(randn([2, 8]), randn([4, 8])), { dtype: 'float16' });
      assert.equal(y.dtype, 'float16');
    });
  });

  test('nests, restores the outer state, and restores after an exception', () => {
    const before = autocastState('cpu');
    assert.equal(before.enabled, false);
    autocast(
      () => {
        assert.deepEqual(autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
        autocast(() => assert.deepEqual(autocastState('cpu'), { enabled: true, dtype: 'float16' }), { dtype: 'float16' });
        assert.deepEqual(autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
        autocast(() => assert.equal(autocastState('cpu').enabled, false), { dtype: 'bfloat16', enabled: false });
        assert.throws(() => autocast(() => { throw new Error('boom'); }, { dtype: 'float16' }), /boom/);
        assert.deepEqual(autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
      },
      { dtype: 'bfloat16' },
    );
    assert.deepEqual(autocastState('cpu'), before);
  });

  test('async functions and unknown dtypes are rejected with coded errors', () => {
    assert.throws(
      () => autocast(async () => 1, { dtype: 'bfloat16' }),
      (e: unknown) => e instanceof PrecisionError && e.code === 'ASYNC_AUTOCAST' && /synchronous/.test(e.message),
    );
    assert.equal(autocastState('cpu').enabled, false);
    assert.throws(
      () => autocast(() => 1, { dtype: 'int8' as 'bfloat16' }),
      (e: unknown) => e instanceof PrecisionError && e.code === 'BAD_PRECISION' && /'bfloat16' or 'float16', got 'int8'/.test(e.message),
    );
  });
});

/**
 * Bad input gives a clear JavaScript error and never takes the process down: shape mismatches
 * carry libtorch's text after the op's name, wrong dtypes, out-of-range indices, disposed handles,
 * malformed arguments reaching the addon directly, fromArray byte-count mismatches. The last
 * test checks that the process still computes after all of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipGradNorm } from './autograd.js';
import { cat, fromBytes, full, ones, randint, tensor, where } from './creation.js';
import { TorchError, TorchTypeError, type TorchErrorCode } from './errors.js';
import { native, type Handle } from './native.js';
import * as F from './nn/functional.js';
import { scope } from './scope.js';
import { setNumThreads, setRngState, getNumThreads } from './system.js';

/** Asserts `f` throws an Error whose message is exactly `op: ` + libtorch's (or our) text matched by `text`. */
function throwsFrom(
  f: () => unknown,
  op: string,
  text: RegExp,
  type: ErrorConstructor = Error,
): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${String(e)}`);
    const msg = (e as Error).message;
    assert.ok(msg.startsWith(`${op}: `), `message names the op '${op}': ${msg}`);
    assert.match(msg.slice(op.length + 2), text);
    return true;
  });
}

describe('shape errors name the op and keep libtorch’s text', () => {
  it('matmul, bmm, reshape, view, cat, expand, copy_, layerNorm, conv2d, attention', () =>
    scope(() => {
      throwsFrom(
        () => ones([2, 3]).matmul(ones([2, 3])),
        'matmul',
        /^mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)$/,
      );
      throwsFrom(() => ones([2, 3]).bmm(ones([3, 2])), 'bmm', /batch1 must be a 3D tensor/);
      throwsFrom(
        () => ones([2, 3]).reshape(5),
        'reshape',
        /shape '\[5\]' is invalid for input of size 6/,
      );
      throwsFrom(
        () => ones([2, 3]).t().view([6]),
        'view',
        /view size is not compatible with input tensor's size and stride/,
      );
      throwsFrom(
        () => cat([ones([2, 3]), ones([2, 4])]),
        'cat',
        /Sizes of tensors must match except in dimension 0/,
      );
      throwsFrom(
        () => ones([2]).expand(3),
        'expand',
        /expanded size of the tensor \(3\) must match the existing size \(2\)/,
      );
      throwsFrom(
        () => ones([2]).copy_(ones([3])),
        'copy_',
        /size of tensor a \(2\) must match the size of tensor b \(3\)/,
      );
      throwsFrom(
        () => F.layerNorm(ones([2, 3]), [4]),
        'layerNorm',
        /Given normalized_shape=\[4\], expected input with shape \[\*, 4\]/,
      );
      throwsFrom(
        () => F.conv2d(ones([1, 3, 4, 4]), ones([2, 3, 3, 3]), null, { stride: 0 }),
        'conv2d',
        /non-positive stride is not supported/,
      );
      throwsFrom(
        () => F.scaledDotProductAttention(ones([2, 3, 4]), ones([2, 5, 3]), ones([2, 5, 4])),
        'scaledDotProductAttention',
        /Expected size for first two dimensions of batch2 tensor/,
      );
      throwsFrom(
        () => ones([2]).size(3) as unknown,
        'size',
        /dimension 3 is out of range for a tensor of rank 1/,
        RangeError,
      );
    }));
});

describe('dtype and index errors', () => {
  it('mixed dtypes in matmul, float indices, float targets, a float condition', () =>
    scope(() => {
      throwsFrom(
        () => ones([2, 3]).matmul(ones([3, 2], 'int64')),
        'matmul',
        /expected m1 and m2 to have the same dtype, but got: float != long int/,
      );
      throwsFrom(
        () => F.embedding(ones([2]), ones([3, 4])),
        'embedding',
        /'indices' to have one of the following scalar types: Long, Int; but got CPUFloatType/,
      );
      throwsFrom(
        () => ones([3]).index([ones([1])]),
        'index',
        /tensors used as indices must be long, int, byte or bool tensors/,
      );
      throwsFrom(
        () => F.crossEntropy(ones([2, 3]), ones([2])),
        'crossEntropy',
        /expected target dtype to be Long or Byte, but got Float/,
      );
      throwsFrom(
        () => where(ones([2]), ones([2]), ones([2])),
        'where',
        /expected condition to be a boolean tensor, but got a tensor with dtype Float/,
      );
      throwsFrom(
        () => ones([2]).to('float8' as 'float32'),
        'to',
        /argument 'dtype': unknown dtype 'float8'/,
        TypeError,
      );
      throwsFrom(
        () => tensor([1, 2], undefined, 'int64').requiresGrad_(true),
        'requiresGrad_',
        /Only Tensors of floating point and complex dtype can require gradients/,
      );
    }));

  it('out-of-range indices and targets', () =>
    scope(() => {
      const i64 = (v: number[]) => tensor(v, undefined, 'int64');
      throwsFrom(
        () => F.crossEntropy(ones([2, 3]), i64([0, 5])),
        'crossEntropy',
        /Target 5 is out of bounds/,
      );
      throwsFrom(
        () => ones([3]).indexSelect(0, i64([5])),
        'indexSelect',
        /index out of range in self/,
      );
      throwsFrom(
        () => ones([3]).gather(0, i64([5])),
        'gather',
        /index 5 is out of bounds for dimension 0 with size 3/,
      );
      throwsFrom(
        () => F.embedding(i64([7]), ones([3, 2])),
        'embedding',
        /index out of range in self/,
      );
    }));

  it('invalid values for factories and settings', () =>
    scope(() => {
      throwsFrom(() => full([-1], 1), 'full', /negative dimension -1/);
      throwsFrom(() => randint(5, 2, [3]), 'randint', /expects 'from' to be less than 'to'/);
      throwsFrom(() => setNumThreads(0), 'setNumThreads', /threads must be at least 1, got 0/);
      throwsFrom(
        () => setRngState(tensor([1, 2, 3])),
        'setRngState',
        /RNG state must be a torch.ByteTensor/,
      );
      throwsFrom(
        () => setRngState(tensor(new Uint8Array(10))),
        'setRngState',
        /Expected a CPUGeneratorImplState of size \d+ but found the input RNG state size to be 10/,
      );
      throwsFrom(() => ones([2]).item(), 'item', /a tensor with 2 elements has no single value/);
      throwsFrom(
        () => ones([1]).sum().backward(),
        'backward',
        /element 0 of tensors does not require grad and does not have a grad_fn/,
      );
      assert.equal(clipGradNorm([ones([2])], 1), 0, 'parameters without gradients have norm 0');
    }));
});

describe('malformed arguments and byte counts', () => {
  it('fromArray: byte count, dtype, array type and negative dimensions', () => {
    throwsFrom(
      () => native.fromArray(new Float32Array(3), [2, 2], 'float32'),
      'fromArray',
      /^argument 'data': shape needs 16 bytes of float32, the array has 12$/,
      TypeError,
    );
    throwsFrom(
      () => native.fromArray(new Float32Array(4), [2, 2], 'float8' as 'float32'),
      'fromArray',
      /argument 'dtype': unknown dtype 'float8'/,
      TypeError,
    );
    throwsFrom(
      () => native.fromArray([1, 2] as unknown as Float32Array, [2], 'float32'),
      'fromArray',
      /argument 'data': expected a typed array/,
      TypeError,
    );
    throwsFrom(
      () => native.fromArray(new Float32Array(4), [-1, -4], 'float32'),
      'fromArray',
      /argument 'shape': negative dimension/,
      TypeError,
    );
    throwsFrom(
      () => fromBytes(new Uint8Array(6), [2], 'float32'),
      'fromBytes',
      /\[2\] float32 needs 8 bytes, got 6/,
      RangeError,
    );
    throwsFrom(
      () => tensor(Float32Array.from([1, 2, 3]), [2, 2]),
      'tensor',
      /shape \[2, 2\] has 4 elements; the array has 3/,
      RangeError,
    );
  });

  it('wrong argument types reaching the addon are TypeErrors naming the op and the argument', () =>
    scope(() => {
      const h = ones([1]).handle;
      const anyNative = native as unknown as Record<string, (...a: unknown[]) => unknown>;
      throwsFrom(
        () => anyNative.add!(h, 'x', 1),
        'add',
        /^argument 'other': expected a tensor handle$/,
        TypeError,
      );
      throwsFrom(
        () => anyNative.add!(),
        'add',
        /^argument 'self': missing tensor argument$/,
        TypeError,
      );
      throwsFrom(
        () => anyNative.narrow!(h, 0, 0.5, 1),
        'narrow',
        /^argument 'start': expected an integer, got 0.5/,
        TypeError,
      );
      throwsFrom(
        () => anyNative.reshape!(h, [1.5]),
        'reshape',
        /^argument 'shape': expected an array of integers$/,
        TypeError,
      );
      throwsFrom(
        () => anyNative.cat!([h, 3], 0),
        'cat',
        /^argument 'tensors': expected a tensor handle$/,
        TypeError,
      );
      throwsFrom(
        () => anyNative.gelu!(h, 7),
        'gelu',
        /^argument 'approximate': expected a string$/,
        TypeError,
      );
      throwsFrom(() => anyNative.gelu!(h, 'fast'), 'gelu', /approximate/);
      throwsFrom(
        () => native.dispose({} as Handle),
        'dispose',
        /argument 'tensor': expected a tensor handle/,
        TypeError,
      );
    }));

  it('disposed tensors, as receivers and as arguments', () => {
    const a = ones([2]);
    const b = ones([2]);
    b.dispose();
    assert.throws(() => a.add(b), { message: 'Tensor.add: tensor was already disposed' });
    assert.throws(() => b.sum(), { message: 'Tensor.sum: tensor was already disposed' });
    assert.throws(() => F.crossEntropy(b, a), {
      message: 'Tensor.crossEntropy: tensor was already disposed',
    });
    a.dispose();
  });

  it('the process is alive and computing after every error above', () =>
    scope(() => {
      assert.equal(
        ones([2, 2])
          .matmul(ones([2, 2]))
          .sum()
          .item(),
        8,
      );
      assert.ok(getNumThreads() >= 1);
    }));
});

/** Asserts `f` throws a TorchError with `code`, naming `op`, whose message is `op: torchMessage`. */
function throwsCode(f: () => unknown, code: TorchErrorCode, op: string, torchMessage: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TorchError, `expected a TorchError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.op, op);
    assert.match(e.torchMessage, torchMessage);
    assert.equal(e.message, `${op}: ${e.torchMessage}`);
    assert.ok(!/Exception raised from|frame #/.test(e.torchMessage), 'no C++ backtrace');
    return true;
  });
}

describe('TorchError: a stable code, the op and libtorch’s message', () => {
  it('TORCH_OP_FAILED for libtorch errors, a TorchError but not a TypeError', () =>
    scope(() => {
      throwsCode(() => ones([2, 3]).matmul(ones([2, 3])), 'TORCH_OP_FAILED', 'matmul', /^mat1 and mat2 shapes cannot be multiplied/);
      throwsCode(() => ones([2]).add_(ones([3]), 2), 'TORCH_OP_FAILED', 'add_', /must match the size/);
      throwsCode(() => ones([3]).gather(0, tensor([5], undefined, 'int64')), 'TORCH_OP_FAILED', 'gather', /out of bounds/);
      assert.throws(() => ones([2, 3]).matmul(ones([2, 3])), (e: unknown) => !(e instanceof TypeError));
    }));

  it('TORCH_BAD_ARGUMENT and TORCH_DISPOSED are TypeErrors that are also TorchErrors', () =>
    scope(() => {
      const anyNative = native as unknown as Record<string, (...a: unknown[]) => unknown>;
      const h = ones([1]).handle;
      throwsCode(() => anyNative.add!(h, 'x', 1), 'TORCH_BAD_ARGUMENT', 'add', /^argument 'other': expected a tensor handle$/);
      throwsCode(() => ones([2]).to('float8' as 'float32'), 'TORCH_BAD_ARGUMENT', 'to', /unknown dtype 'float8'/);
      throwsCode(() => anyNative.setGradEnabled!(), 'TORCH_BAD_ARGUMENT', 'setGradEnabled', /expected a boolean/);
      throwsCode(() => anyNative.gradEnabled!(1), 'TORCH_BAD_ARGUMENT', 'gradEnabled', /^takes no arguments, got 1$/);
      const d = ones([1]);
      const dh = d.handle;
      d.dispose();
      throwsCode(() => anyNative.neg!(dh), 'TORCH_DISPOSED', 'neg', /^argument 'self': tensor was already disposed$/);
      throwsCode(() => d.neg(), 'TORCH_DISPOSED', 'Tensor.neg', /^tensor was already disposed$/);
      assert.throws(() => anyNative.add!(h, 'x', 1), TypeError);
      assert.throws(() => anyNative.add!(h, 'x', 1), TorchTypeError);
      assert.throws(() => d.neg(), TypeError);
    }));

  it('TORCH_INVALID_VALUE for values our own checks reject, TORCH_UNAVAILABLE without a process group', () =>
    scope(() => {
      throwsCode(() => ones([2]).item(), 'TORCH_INVALID_VALUE', 'item', /^a tensor with 2 elements has no single value$/);
      throwsCode(() => setNumThreads(0), 'TORCH_INVALID_VALUE', 'setNumThreads', /at least 1/);
      throwsCode(() => native.distBarrier(), 'TORCH_UNAVAILABLE', native.distBackends().length ? 'barrier' : 'distributed', /not/);
    }));
});

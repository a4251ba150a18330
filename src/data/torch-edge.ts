// The data layer's only link to the tensor layer (src/torch). Everything else in src/data works
// on typed arrays, so it runs and is tested without the native addon; this module turns those
// arrays into Tensors at the edge. The tensor layer is loaded once, lazily tolerant: if it (or
// its native addon) cannot be loaded, only the Tensor-returning helpers fail, with the cause.
import type { Tensor } from '../torch/index.js';
import { DataError } from './errors.js';

type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;
type TorchModule = {
  tensor: (data: TensorData, shape: number[]) => Tensor;
  pinnedTensor: (data: TensorData, shape: number[]) => Tensor;
};

let torch: TorchModule | undefined;
let loadError: unknown;
try {
  torch = (await import('../torch/index.js')) as unknown as TorchModule;
} catch (err) {
  loadError = err;
}

/**
 * Wraps a typed array as a Tensor of the given shape (dtype from the array type); in pinned host
 * memory with `pinned`, for an asynchronous copy to CUDA.
 */
export function toTensor(data: TensorData, shape: number[], pinned = false): Tensor {
  if (!torch) {
    const why = loadError instanceof Error ? loadError.message : String(loadError);
    throw new DataError(
      'TENSOR_UNAVAILABLE',
      `toTensor: the tensor layer (src/torch/index.js) could not be loaded: ${why}. ` +
        `Use the typed-array APIs (batchArrays, clip.frames) or build the native addon ('npm run build:native').`,
      { cause: loadError },
    );
  }
  return pinned ? torch.pinnedTensor(data, shape) : torch.tensor(data, shape);
}

export type { Tensor };

/**
 * The tensor layer: a PyTorch-shaped API over libtorch. Tensors and their factories, scopes for
 * deterministic memory, autograd controls, nn modules, optimizers, checkpoint IO and collectives.
 */
export { Tensor, type Scalar, type TensorOrScalar } from './tensor.js';
export type { DType, TypedArrayOf, AnyTypedArray } from './dtype.js';
export { DTYPES, DTYPE_SIZE, isFloating } from './dtype.js';
export {
  tensor,
  pinnedTensor,
  fromBytes,
  scalarTensor,
  zeros,
  ones,
  empty,
  full,
  eye,
  linspace,
  arange,
  rand,
  randn,
  randint,
  randperm,
  zerosLike,
  onesLike,
  fullLike,
  randLike,
  randnLike,
  multinomial,
  bernoulli,
  cat,
  stack,
  where,
} from './creation.js';
export { withDevice, defaultDevice, parseDevice, cuda, DeviceError, type Device } from './device.js';
export { scope, keep, unkeep, isKept, scopeDepth, ScopeError, SCOPE_TENSORS, type HoldsTensors } from './scope.js';
export { noGrad, enableGrad, isGradEnabled, clipGradNorm, gradScale } from './autograd.js';
export { ActivationCheckpoints, type CheckpointSegment, type CheckpointRunOptions } from './activation-checkpoint.js';
export {
  setNumThreads,
  getNumThreads,
  manualSeed,
  getRngState,
  setRngState,
  libtorchVersion,
  cudaAvailable,
  cudaDeviceCount,
  memoryStats,
} from './system.js';
export type { MemoryStats, CudaMemoryStats } from './native.js';
export { hostMemory, resetPeakHostMemory, type HostMemory } from './host-memory.js';
export { NativeAddonError } from './native.js';
export { TorchError, TorchTypeError, TORCH_ERROR_CODES, type TorchErrorCode } from './errors.js';
export * as nn from './nn/index.js';
export * as F from './nn/functional.js';
export * as optim from './optim/index.js';
export {
  autocast,
  autocastState,
  quantizeDynamicInt8,
  isQuantized,
  dequantize,
  PrecisionError,
  type AutocastDType,
  type AutocastOptions,
  type PrecisionErrorCode,
} from './precision/index.js';
export * as dist from './distributed.js';
export { saveTensors, loadTensors, loadSafetensors, disposeAll, toRaw, fromRaw } from './tensor-files.js';
export { CheckpointError } from './io/index.js';

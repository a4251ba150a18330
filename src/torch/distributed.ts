/**
 * Multi-process collectives over libtorch's c10d: TCPStore rendezvous, then Gloo for CPU tensors
 * or NCCL for CUDA tensors (one GPU per process). One process group per process, initialised
 * once; every call blocks until all ranks take part or the time-out passes, and a dead peer makes
 * the others fail with an error rather than hang.
 *
 *   initProcessGroup({ rank, worldSize, host: '127.0.0.1', port: 29500 });
 *   initProcessGroup({ rank, worldSize, backend: 'nccl', deviceIndex: localRank });  // tensors on cuda:localRank
 *   allReduce(grad, 'sum');          // in place
 *   const all = allGatherWithGrad(features);  // [worldSize * B, D], gradient flows to the local slice
 */
import { gradScale, noGrad } from './autograd.js';
import { cat } from './creation.js';
import { native } from './native.js';
import { scope } from './scope.js';
import { Tensor } from './tensor.js';

export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** Address of rank 0's store (default 127.0.0.1). */
  host?: string;
  port?: number;
  /** Time-out for rendezvous and for every collective (default 60 s). */
  timeoutMs?: number;
  /** 'gloo' (CPU tensors, the default) or 'nccl' (CUDA tensors; needs a CUDA build with NCCL). */
  backend?: DistributedBackend;
  /**
   * nccl: the CUDA device of this process, where its tensors live; the group and the process's
   * current CUDA device are bound to it. Default: rank modulo the number of CUDA devices.
   */
  deviceIndex?: number;
}

export type DistributedBackend = 'gloo' | 'nccl';

export class DistributedError extends Error {
  constructor(
    readonly code: 'NOT_AVAILABLE' | 'NOT_INITIALISED' | 'BAD_OPTIONS' | 'COLLECTIVE_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'DistributedError';
  }
}

let current: { rank: number; worldSize: number } | null = null;

/** The backends this build of the addon has: 'gloo' with Gloo's headers, 'nccl' with a CUDA libtorch and nccl.h. */
export const distributedBackends = (): DistributedBackend[] => native.distBackends() as DistributedBackend[];
/** Whether this build has any collective backend. */
export const distributedAvailable = (): boolean => distributedBackends().length > 0;
export const isInitialized = (): boolean => current !== null;
export const getRank = (): number => current?.rank ?? 0;
export const getWorldSize = (): number => current?.worldSize ?? 1;

export function initProcessGroup(o: ProcessGroupOptions): void {
  if (!Number.isInteger(o.worldSize) || o.worldSize < 1)
    throw new DistributedError('BAD_OPTIONS', `initProcessGroup: worldSize must be a positive integer, got ${o.worldSize}`);
  if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize)
    throw new DistributedError('BAD_OPTIONS', `initProcessGroup: rank must be in [0, ${o.worldSize}), got ${o.rank}`);
  const backend = o.backend ?? 'gloo';
  if (backend !== 'gloo' && backend !== 'nccl')
    throw new DistributedError('BAD_OPTIONS', `initProcessGroup: backend must be 'gloo' or 'nccl', got '${String(backend)}'`);
  const built = distributedBackends();
  if (!built.includes(backend))
    throw new DistributedError(
      'NOT_AVAILABLE',
      `initProcessGroup: this build of the t2vlp addon has no ${backend} backend (it has: ${built.join(', ') || 'none'}); ` +
        (backend === 'nccl'
          ? 'NCCL needs the addon built against a CUDA libtorch with nccl.h and the CUDA headers (`node native/find-libtorch.mjs info` says what is missing), then npm run build:native'
          : 'apt-get install libgloo-dev, then npm run build:native'),
    );
  let deviceIndex = 0;
  if (backend === 'nccl') {
    const n = native.cudaDeviceCount();
    deviceIndex = o.deviceIndex ?? (n > 0 ? o.rank % n : 0);
    if (!Number.isInteger(deviceIndex) || deviceIndex < 0)
      throw new DistributedError('BAD_OPTIONS', `initProcessGroup: deviceIndex must be a CUDA device index (0, 1, ...), got ${o.deviceIndex}`);
  }
  native.distInit({
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 29500,
    rank: o.rank,
    worldSize: o.worldSize,
    timeoutMs: o.timeoutMs ?? 60_000,
    backend,
    deviceIndex,
  });
  current = { rank: o.rank, worldSize: o.worldSize };
}

export function destroyProcessGroup(): void {
  native.distDestroy();
  current = null;
}

function run<T>(op: string, f: () => T): T {
  if (!current) throw new DistributedError('NOT_INITIALISED', `${op}: call initProcessGroup first`);
  try {
    return f();
  } catch (e) {
    throw new DistributedError('COLLECTIVE_FAILED', `${op} failed on rank ${current.rank}/${current.worldSize}: ${(e as Error).message}`);
  }
}

/** Reduces `t` across ranks in place ('sum' | 'max' | 'min' | 'product'). */
export function allReduce(t: Tensor, op: 'sum' | 'max' | 'min' | 'product' = 'sum'): Tensor {
  run('allReduce', () => native.distAllReduce(t.handleFor('allReduce'), op));
  return t;
}

/** Copies rank `root`'s `t` into every rank's `t`, in place. */
export function broadcast(t: Tensor, root = 0): Tensor {
  run('broadcast', () => native.distBroadcast(t.handleFor('broadcast'), root));
  return t;
}

/** Concatenation along dim 0 of every rank's `t` (rank 0 first); no gradient. */
export function allGather(t: Tensor): Tensor {
  return run('allGather', () => new Tensor(native.distAllGather(t.handleFor('allGather'))));
}

export function barrier(): void {
  run('barrier', () => native.distBarrier());
}

/**
 * All-gather whose backward passes the gradient of the local slice to `t`. Every rank computes
 * the same loss from the gathered batch, so the gradient arriving at each slice is the same on all
 * ranks; it is multiplied by the world size so that, after gradients are averaged across ranks,
 * each parameter gets exactly the gradient one process would compute on the global batch.
 * (The reference's AllGather returns the slice unscaled, which makes the contrastive gradient
 * 1/worldSize of the single-process one under averaging.)
 */
export function allGatherWithGrad(t: Tensor): Tensor {
  if (!current || current.worldSize === 1) return t.clone();
  return scope(() => {
    const all = allGather(t);
    const b = t.shape[0]!;
    const parts: Tensor[] = [];
    const r = current!.rank;
    if (r > 0) parts.push(all.narrow(0, 0, r * b));
    parts.push(gradScale(t, current!.worldSize));
    const after = all.shape[0]! - (r + 1) * b;
    if (after > 0) parts.push(all.narrow(0, (r + 1) * b, after));
    return cat(parts, 0);
  });
}

/** Averages every parameter's gradient across ranks (data-parallel training). */
export function averageGradients(params: Iterable<Tensor>): void {
  if (!current || current.worldSize === 1) return;
  const n = current.worldSize;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    allReduce(g, 'sum');
    g.div_(n);
    g.dispose();
  }
}

/** Makes every rank's parameters equal to rank 0's. */
export function broadcastParameters(params: Iterable<Tensor>): void {
  if (!current || current.worldSize === 1) return;
  noGrad(() => {
    for (const p of params) broadcast(p, 0);
  });
}

/**
 * Tensors to and from checkpoint files: the glue between the byte-level readers and writers in
 * io/ and native tensors (named tensor dictionaries, not models: `T2VLP.load` / `model.save` build
 * on these). `saveTensors` writes a t2vlp safetensors file (atomically) with string metadata;
 * `loadTensors` reads safetensors, torch.save zip checkpoints or TorchScript archives, chosen
 * by content. Loaded tensors are not in any scope: the caller owns and disposes them.
 */
import { fromBytes } from './creation.js';
import { readCheckpointFile, readSafetensors, writeSafetensors, type RawTensor } from './io/index.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

export function toRaw(t: Tensor): RawTensor {
  return { dtype: t.dtype, shape: t.shape, data: t.toBytes() };
}

export function fromRaw(r: RawTensor): Tensor {
  return fromBytes(r.data, r.shape, r.dtype);
}

/** Writes named tensors to a safetensors file atomically; metadata values are strings. */
export async function saveTensors(
  path: string,
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const raw = new Map<string, RawTensor>();
  for (const [k, t] of map) raw.set(k, toRaw(t));
  await writeSafetensors(path, raw, metadata);
}

function toTensors(raw: Map<string, RawTensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, r] of raw) out.set(k, keep(fromRaw(r)));
  return out;
}

/** Reads every tensor of a checkpoint (safetensors, torch.save zip, TorchScript archive). */
export async function loadTensors(path: string): Promise<Map<string, Tensor>> {
  return toTensors(await readCheckpointFile(path));
}

/** Reads a safetensors file with its metadata. */
export async function loadSafetensors(
  path: string,
  names?: string[],
): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  const r = await readSafetensors(path, names ? { names } : {});
  return { tensors: toTensors(r.tensors), metadata: r.metadata };
}

/** Disposes every tensor of a map returned by `loadTensors`. */
export function disposeAll(tensors: Map<string, Tensor>): void {
  for (const t of tensors.values()) t.dispose();
}

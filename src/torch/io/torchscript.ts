/**
 * TorchScript archives written by torch.jit.save, such as OpenAI's released CLIP `ViT-B-16.pt`.
 * `data.pkl` pickles the module tree: each module is an instance of a `__torch__.*` class
 * (an inert placeholder here) whose BUILD state maps attribute names to parameters, buffers,
 * submodules and plain values. The tensors reachable through that tree are named by attribute
 * path (`visual.conv1.weight`, `transformer.resblocks.0.attn.in_proj_weight`), which for
 * ordinary modules are exactly the `state_dict()` names; plain tensor attributes (a scripted
 * `attn_mask`) are included too, non-tensor attributes (`training`) are skipped. Constants of
 * the compiled code live apart in `constants.pkl` / `constants/`.
 */
import { CheckpointError, q } from './errors.js';
import { flattenTensors } from './flatten.js';
import { describe, PickleObject } from './pickle.js';
import { openTorchFile } from './pt.js';
import type { RawTensor } from './raw-tensor.js';
import { loadPickle, readTensors, type TorchArchive } from './torch-archive.js';
import { isTensorRef, type TensorRef } from './torch-pickle.js';

function requireTorchScript(a: TorchArchive): void {
  if (a.kind !== 'torchscript')
    throw new CheckpointError(
      'INVALID_ARGUMENT',
      a.zip.path,
      `${a.op}: ${q(a.zip.path)} is a torch.save checkpoint, not a TorchScript archive (no code/ or constants.pkl); read it with readTorchCheckpoint, or readCheckpointFile which tells them apart`,
    );
}

/** The module tensors of an open TorchScript archive (shared with readCheckpointFile). */
export async function readModuleTensorsFrom(a: TorchArchive): Promise<Map<string, RawTensor>> {
  requireTorchScript(a);
  const root = await loadPickle(a, 'data.pkl');
  if (!(root instanceof PickleObject) || !root.cls.module.startsWith('__torch__'))
    throw new CheckpointError(
      'BAD_PICKLE',
      a.zip.path,
      `${a.op}: ${q(a.prefix + 'data.pkl')} in ${q(a.zip.path)} holds a ${describe(root)}; a TorchScript archive holds a __torch__ module object`,
    );
  return readTensors(a, flattenTensors(root, isTensorRef, a.zip.path));
}

/** Reads the parameters and buffers of a TorchScript archive, named by attribute path. */
export async function readTorchScript(path: string): Promise<Map<string, RawTensor>> {
  const a = await openTorchFile(path, 'readTorchScript');
  try {
    return await readModuleTensorsFrom(a);
  } finally {
    await a.zip.close();
  }
}

/**
 * The tensor constants of the archive's compiled code (`CONSTANTS.c<i>` in code/), by index:
 * `c0`, `c1`, ... Traced modules keep tensors captured from Python here (OpenAI's attention
 * masks, for example). Non-tensor constants are skipped, keeping the indices.
 */
export async function readTorchScriptConstants(path: string): Promise<Map<string, RawTensor>> {
  const a = await openTorchFile(path, 'readTorchScriptConstants');
  try {
    requireTorchScript(a);
    if (!a.zip.has(`${a.prefix}constants.pkl`)) return new Map();
    const constants = await loadPickle(a, 'constants.pkl');
    if (!Array.isArray(constants))
      throw new CheckpointError(
        'BAD_PICKLE',
        a.zip.path,
        `${a.op}: ${q(a.prefix + 'constants.pkl')} in ${q(a.zip.path)} holds a ${describe(constants)}, expected a tuple`,
      );
    const refs = new Map<string, TensorRef>();
    constants.forEach((c: unknown, i: number) => {
      if (isTensorRef(c)) refs.set(`c${i}`, c);
    });
    return await readTensors(a, refs, 'constants/');
  } finally {
    await a.zip.close();
  }
}

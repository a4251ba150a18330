/**
 * Checkpoint IO at the byte level, in pure TypeScript: safetensors read/write, torch.save zip
 * checkpoints, TorchScript archives, and a reader that tells them apart by content. Everything
 * deals in `RawTensor` records (dtype, shape, C-contiguous little-endian bytes) that the tensor
 * layer turns into tensors; nothing here executes code from a file.
 */
import { EXPECTED_ANY, legacyTorchError, notACheckpointError, sniffFile } from './detect.js';
import { readWeightsFrom } from './pt.js';
import type { RawTensor } from './raw-tensor.js';
import { readSafetensors } from './safetensors.js';
import { openTorchArchive } from './torch-archive.js';
import { readModuleTensorsFrom } from './torchscript.js';

export { writeFileAtomic, type AtomicWriteData } from './atomic.js';
export { CheckpointError, type CheckpointErrorCode } from './errors.js';
export { flattenTensors } from './flatten.js';
export {
  PickleFunction,
  PickleGlobal,
  PickleObject,
  unpickle,
  type UnpickleOptions,
} from './pickle.js';
export {
  readTorchCheckpoint,
  readTorchObject,
  WRAPPER_KEYS,
  type ReadTorchCheckpointOptions,
} from './pt.js';
export {
  bfloat16ToNumber,
  checkRawTensor,
  float16ToNumber,
  isRawTensor,
  numelOf,
  rawTensorToNumbers,
  type RawTensor,
} from './raw-tensor.js';
export {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type ReadSafetensorsOptions,
  type SafetensorsContents,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors.js';
export { readTorchScript, readTorchScriptConstants } from './torchscript.js';
export { ZipArchive, type ZipEntry } from './zip.js';

export type CheckpointFormat = 'safetensors' | 'torch' | 'torchscript';

/** The format of `path`, from its content; 'NOT_A_CHECKPOINT' / 'LEGACY_FORMAT' otherwise. */
export async function detectCheckpointFormat(path: string): Promise<CheckpointFormat> {
  const op = 'detectCheckpointFormat';
  const s = await sniffFile(path, op);
  if (s.kind === 'safetensors') return 'safetensors';
  if (s.kind === 'legacy-torch') throw legacyTorchError(path, op);
  if (s.kind !== 'zip') throw notACheckpointError(path, op, s, EXPECTED_ANY);
  const a = await openTorchArchive(path, op);
  await a.zip.close();
  return a.kind;
}

/**
 * Reads every tensor of a checkpoint of any supported format, chosen by content: safetensors
 * (all tensors), torch.save (the weights, through `state_dict`/`model` wrappers) or TorchScript
 * (the module's tensors by attribute path).
 */
export async function readCheckpointFile(path: string): Promise<Map<string, RawTensor>> {
  const op = 'readCheckpointFile';
  const s = await sniffFile(path, op);
  if (s.kind === 'safetensors') return (await readSafetensors(path)).tensors;
  if (s.kind === 'legacy-torch') throw legacyTorchError(path, op);
  if (s.kind !== 'zip') throw notACheckpointError(path, op, s, EXPECTED_ANY);
  const a = await openTorchArchive(path, op);
  try {
    return a.kind === 'torchscript' ? await readModuleTensorsFrom(a) : await readWeightsFrom(a);
  } finally {
    await a.zip.close();
  }
}

/**
 * Recognising a checkpoint file by its first bytes, without trusting its name: a safetensors
 * header (8-byte length, then '{'), a zip archive (`PK\x03\x04`: torch.save since 1.6 and
 * torch.jit.save), or PyTorch's legacy pre-1.6 format (a pickle starting with its magic number,
 * or a tar archive from 0.1-0.3). Anything else gets a 'NOT_A_CHECKPOINT' error naming the
 * file and showing the bytes found.
 */
import { CheckpointError, q } from './errors.js';
import { describeBytes, readBytes, withFile } from './file-read.js';
import { MAX_HEADER_BYTES } from './safetensors-header.js';

export type FileKind = 'safetensors' | 'zip' | 'legacy-torch' | 'pickle' | 'unknown';

/** torch.save's legacy format: PROTO 2, LONG1 of 10 bytes = the magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

export interface Sniffed {
  kind: FileKind;
  /** Up to the first 16 bytes. */
  head: Uint8Array;
  size: number;
}

export function kindOf(head: Uint8Array, size: number, ustar = false): FileKind {
  if (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
  )
    return 'zip';
  if (LEGACY_MAGIC.every((b, i) => head[i] === b) || ustar) return 'legacy-torch';
  if (head.length >= 9 && head[8] === 0x7b) {
    const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (n >= 2n && n <= BigInt(MAX_HEADER_BYTES)) return 'safetensors';
  }
  if (size >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) return 'pickle';
  return 'unknown';
}

/** Reads the first bytes of `path` and classifies them. */
export async function sniffFile(path: string, op: string): Promise<Sniffed> {
  return withFile(path, op, async (f) => {
    const head = await readBytes(f, 0, Math.min(16, f.size), 'the first bytes');
    let ustar = false;
    if (f.size >= 262)
      ustar = new TextDecoder().decode(await readBytes(f, 257, 5, 'a tar header')) === 'ustar';
    return { kind: kindOf(head, f.size, ustar), head, size: f.size };
  });
}

/** The error for a torch.save file in the legacy format. */
export function legacyTorchError(path: string, op: string): CheckpointError {
  return new CheckpointError(
    'LEGACY_FORMAT',
    path,
    `${op}: ${q(path)} was written by torch.save in the legacy format of PyTorch < 1.6 (not a zip archive), which t2vlp does not read. Re-save it with PyTorch >= 1.6: python -c "import torch; torch.save(torch.load('${path}', weights_only=True), 'resaved.pt')"`,
  );
}

/** The error for a file of none of the known kinds (or of a kind `op` does not read). */
export function notACheckpointError(
  path: string,
  op: string,
  s: Sniffed,
  expected: string,
): CheckpointError {
  let found: string;
  if (s.size === 0) found = 'an empty file';
  else if (s.kind === 'pickle')
    found = 'a plain Python pickle (t2vlp never loads arbitrary pickles)';
  else if (s.kind === 'safetensors')
    found = 'a safetensors file (use readSafetensors or readCheckpointFile)';
  else if (s.kind === 'zip')
    found = 'a zip archive (use readTorchCheckpoint or readCheckpointFile)';
  else found = `${s.size} bytes starting ${describeBytes(s.head)}`;
  return new CheckpointError(
    'NOT_A_CHECKPOINT',
    path,
    `${op}: ${q(path)} is not a checkpoint: expected ${expected}, found ${found}`,
  );
}

export const EXPECTED_ANY =
  'a safetensors file (8-byte header length, then JSON) or a PyTorch zip archive (PK\\x03\\x04)';

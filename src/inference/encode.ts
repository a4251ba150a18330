/**
 * Batched inference over lists: texts → normalised embeddings, video files → meanP embeddings
 * plus per-frame features and masks (the contents of an embeddings file). Videos are decoded
 * ahead of the model through the VideoReader's concurrency limit, in a bounded window so memory
 * stays at a few batches of clips; a video that fails to decode is reported and left out (never
 * replaced by zeros), any other error stops the run. On CUDA the frames go through pinned host
 * memory with an asynchronous copy, and a batch's forward pass runs on the GPU while the next
 * batch is gathered from the decoders; its results are read back only then.
 */
import {
  DataError,
  VideoDecodeError,
  VideoReader,
  type ClipTokenizer,
  type VideoClip,
  type VideoSource,
} from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { noGrad, pinnedTensor, scope, tensor, type Tensor } from '../torch/index.js';
import { InferenceError, type InferenceErrorCode } from './errors.js';
import type { SkippedInput } from './embeddings.js';

export interface VideoSamplingOptions {
  /** Frames sampled per video, at most the model's numFrames (default numFrames); the remaining slots are padded and masked. */
  frames?: number;
  /** Frames taken per second of video (the reference's feature_framerate; default 2, its MSR-VTT retrieval setting). */
  fps?: number;
  /** Videos decoded at once (ffmpeg processes; default 2). */
  concurrency?: number;
}

/** A VideoReader that samples and preprocesses clips the way `model` expects them. */
export function videoReaderFor(model: T2VLP, o: VideoSamplingOptions = {}): VideoReader {
  const { numFrames, imageResolution } = model.config;
  const bad = (msg: string, code: InferenceErrorCode = 'BAD_OPTION'): never => {
    throw new InferenceError(code, msg);
  };
  const frames = o.frames ?? numFrames;
  if (!(Number.isInteger(frames) && frames >= 1 && frames <= numFrames))
    bad(`frames must be an integer from 1 to the model's numFrames (${numFrames}); got ${frames}`);
  const fps = o.fps ?? 2;
  if (!(Number.isInteger(fps) && fps >= 0))
    bad(`fps must be an integer >= 0 (0: every frame); got ${fps}`);
  const concurrency = o.concurrency ?? 2;
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    bad(`concurrency must be an integer >= 1; got ${concurrency}`);
  return new VideoReader({
    maxFrames: frames,
    imageSize: imageResolution,
    featureFramerate: fps,
    concurrency,
  });
}

export interface EncodedTexts {
  /** [N, E], L2-normalised. */
  embeddings: Float32Array;
  dim: number;
}

/** Encodes texts in batches (rows of `maxWords` tokens, default 32 as the reference). */
export function encodeTexts(
  model: T2VLP,
  tokenizer: ClipTokenizer,
  texts: readonly string[],
  o: { batchSize?: number; maxWords?: number } = {},
): EncodedTexts {
  const B = o.batchSize ?? 64;
  const E = model.config.embedDim;
  const out = new Float32Array(texts.length * E);
  for (let i = 0; i < texts.length; i += B) {
    const part = texts.slice(i, i + B);
    const emb = noGrad(() =>
      scope(() => {
        const t = tokenizer.batch(part, { maxWords: o.maxWords ?? 32 });
        return model.encodeText(t.inputIds, t.attentionMask, { eotOnly: true }).embedding.toArray() as Float32Array;
      }),
    );
    out.set(emb, i * E);
  }
  return { embeddings: out, dim: E };
}

export interface EncodedVideos {
  /** Ids of the videos encoded, in input order (skipped ones left out). */
  ids: string[];
  /** [N, E], L2-normalised meanP embeddings. */
  embeddings: Float32Array;
  /** [N, T, E] per-frame features. */
  frames: Float32Array;
  /** [N, T]. */
  videoMask: Uint8Array;
  numFrames: number;
  dim: number;
  skipped: SkippedInput[];
}

export interface VideoEncodeOptions {
  reader: VideoReader;
  /** Videos per forward pass (default 16). */
  batchSize?: number;
  /** After each batch. */
  onProgress?: (p: { done: number; total: number; skipped: number }) => void;
  /** For each video that fails to decode. */
  onSkip?: (s: SkippedInput) => void;
  signal?: AbortSignal;
}

type ReadResult = { clip: VideoClip } | { failed: SkippedInput };

/** Decode failures skip a video; other errors (ffmpeg missing, aborted, bad options) stop the run. */
const isDecodeFailure = (e: unknown) =>
  e instanceof VideoDecodeError ||
  (e instanceof DataError && ['VIDEO_OPEN', 'VIDEO_EMPTY', 'TRUNCATED', 'ENOENT'].includes(e.code));

export async function encodeVideos(
  model: T2VLP,
  videos: readonly { id: string; source: VideoSource | string }[],
  o: VideoEncodeOptions,
): Promise<EncodedVideos> {
  const { numFrames: T, imageResolution: R, embedDim: E } = model.config;
  const B = o.batchSize ?? 16;
  if (!(Number.isInteger(B) && B >= 1))
    throw new InferenceError('BAD_OPTION', `batch size must be an integer >= 1; got ${B}`);
  const plane = 3 * R * R;
  const window = Math.max(2 * B, o.reader.options.concurrency ?? 2);
  const abort = new AbortController();
  const onAbort = () => abort.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort);
  const reads: (Promise<ReadResult> | null)[] = [];
  const launch = (upTo: number) => {
    while (reads.length < Math.min(upTo, videos.length)) {
      const v = videos[reads.length]!;
      reads.push(
        o.reader.read(v.source, { signal: abort.signal }).then(
          (clip) => ({ clip }),
          (e: unknown) => {
            if (!isDecodeFailure(e)) throw e;
            return { failed: { id: v.id, reason: (e as Error).message } };
          },
        ),
      );
      // A run stopped by another error must not leave unhandled rejections behind.
      reads[reads.length - 1]!.catch(() => undefined);
    }
  };
  const ids: string[] = [];
  const embParts: Float32Array[] = [];
  const frameParts: Float32Array[] = [];
  const maskParts: Uint8Array[] = [];
  const skipped: SkippedInput[] = [];
  // The batch whose forward pass was queued last; on CUDA it computes while the next batch is gathered.
  let pending: PendingBatch | null = null;
  const collect = () => {
    if (!pending) return;
    const p = pending;
    pending = null;
    const { emb, frames } = p.collect();
    ids.push(...p.ids);
    embParts.push(emb);
    frameParts.push(frames);
    maskParts.push(p.mask);
    o.onProgress?.({ done: p.done, total: videos.length, skipped: p.skipped });
  };
  try {
    let next = 0;
    while (next < videos.length) {
      const batch: { id: string; clip: VideoClip }[] = [];
      while (batch.length < B && next < videos.length) {
        launch(next + window);
        const r = await reads[next]!;
        reads[next] = null; // let the clip's memory go once it is in a batch
        if ('failed' in r) {
          skipped.push(r.failed);
          o.onSkip?.(r.failed);
        } else batch.push({ id: videos[next]!.id, clip: r.clip });
        next++;
      }
      collect();
      if (batch.length) pending = submitClipBatch(model, batch, T, R, plane, { done: next, skipped: skipped.length });
      else o.onProgress?.({ done: next, total: videos.length, skipped: skipped.length });
    }
    collect();
  } finally {
    pending?.dispose();
    abort.abort();
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (!ids.length)
    throw new InferenceError(
      'NO_VIDEOS',
      `none of the ${videos.length} videos could be decoded; first failure: ${skipped[0]?.id}: ${skipped[0]?.reason}`,
    );
  return {
    ids,
    embeddings: concat(embParts, Float32Array),
    frames: concat(frameParts, Float32Array),
    videoMask: concat(maskParts, Uint8Array),
    numFrames: T,
    dim: E,
    skipped,
  };
}

interface PendingBatch {
  ids: string[];
  mask: Uint8Array;
  /** Videos read and skipped when this batch was queued (for progress). */
  done: number;
  skipped: number;
  /** Waits for the forward pass and copies its results to the host (then frees them). */
  collect(): { emb: Float32Array; frames: Float32Array };
  dispose(): void;
}

/**
 * Queues one forward pass over decoded clips, padding clips of fewer than T slots. On the CPU it
 * computes here; on CUDA the frames are copied from pinned memory without waiting and the kernels
 * are queued, so the caller can gather the next batch before `collect()` waits for this one.
 */
function submitClipBatch(
  model: T2VLP,
  batch: { id: string; clip: VideoClip }[],
  T: number,
  R: number,
  plane: number,
  at: { done: number; skipped: number },
): PendingBatch {
  const n = batch.length;
  const pixels = new Float32Array(n * T * plane);
  const mask = new Uint8Array(n * T);
  batch.forEach(({ id, clip }, b) => {
    const [slots, , h, w] = clip.shape;
    if (slots > T || h !== R || w !== R)
      throw new InferenceError(
        'BAD_OPTION',
        `video '${id}' was read as [${clip.shape.join(', ')}]; the model takes at most ${T} frames of ${R}×${R}`,
      );
    pixels.set(clip.frames, b * T * plane);
    mask.set(clip.mask, b * T);
  });
  const maskI64 = BigInt64Array.from(mask, (v) => BigInt(v));
  const onCuda = model.device !== 'cpu';
  const out: { emb: Tensor; frames: Tensor } = noGrad(() =>
    scope(() => {
      const x = onCuda ? pinnedTensor(pixels, [n, T, 3, R, R]) : tensor(pixels, [n, T, 3, R, R]);
      const v = model.encodeVideo(x, tensor(maskI64, [n, T]));
      return { emb: v.embedding, frames: v.frames.contiguous() };
    }),
  );
  const dispose = () => {
    out.emb.dispose();
    out.frames.dispose();
  };
  return {
    ids: batch.map((b) => b.id),
    mask,
    ...at,
    collect: () => {
      try {
        return { emb: out.emb.toArray() as Float32Array, frames: out.frames.toArray() as Float32Array };
      } finally {
        dispose();
      }
    },
    dispose,
  };
}

function concat<A extends Float32Array | Uint8Array>(parts: A[], Ctor: { new (n: number): A }): A {
  const out = new Ctor(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

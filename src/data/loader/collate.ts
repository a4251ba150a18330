// Stacks model items into batch arrays in the layouts the model code expects (docs/DATA.md §6):
// text [B, L] int64 (the reference's [B, 1, L] is the same data), video [B, M, 3, S, S] float32
// (reference [B, 1, M, 1, 3, S, S]), video mask [B, M] int64, and the QA / MLM extras.
// `batchToTensors` wraps the arrays as Tensors at the edge.
import { toTensor, type Tensor } from '../torch-edge.js';
import type { ModelItem } from './items.js';

export interface CollatedBatch {
  size: number;
  videoIds: string[];
  sampleIndices: number[];
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  textShape: [number, number];
  video: Float32Array;
  videoShape: [number, number, number, number, number];
  videoMask: BigInt64Array;
  videoMaskShape: [number, number];
  answerLabels?: BigInt64Array;
  answerTokenIds?: BigInt64Array;
  alignIds?: BigInt64Array;
  alignMask?: BigInt64Array;
  /** [B, 1 + M + L] */
  fusionLabels?: BigInt64Array;
}

function rows(items: readonly ModelItem[], pick: (it: ModelItem) => number[]): BigInt64Array {
  const L = pick(items[0]!).length;
  const out = new BigInt64Array(items.length * L);
  items.forEach((it, b) => pick(it).forEach((v, j) => (out[b * L + j] = BigInt(v))));
  return out;
}

export function collate(items: readonly ModelItem[]): CollatedBatch {
  if (!items.length) throw new RangeError('collate: empty batch');
  const B = items.length;
  const L = items[0]!.text.ids.length;
  const [M, C, H, W] = items[0]!.clip.shape;
  const plane = M * C * H * W;
  const video = new Float32Array(B * plane);
  const videoMask = new BigInt64Array(B * M);
  items.forEach((it, b) => {
    video.set(it.clip.frames, b * plane);
    it.clip.mask.forEach((v, t) => (videoMask[b * M + t] = BigInt(v)));
  });
  const out: CollatedBatch = {
    size: B,
    videoIds: items.map((i) => i.videoId),
    sampleIndices: items.map((i) => i.sampleIndex),
    inputIds: rows(items, (i) => i.text.ids),
    attentionMask: rows(items, (i) => i.text.mask),
    tokenTypeIds: rows(items, (i) => i.text.segment),
    textShape: [B, L],
    video,
    videoShape: [B, M, C, H, W],
    videoMask,
    videoMaskShape: [B, M],
  };
  if (items[0]!.align) {
    out.answerLabels = BigInt64Array.from(items, (i) => BigInt(i.answerLabel ?? -1));
    out.answerTokenIds = BigInt64Array.from(items, (i) => BigInt(i.answerTokenId ?? 0));
    out.alignIds = rows(items, (i) => i.align!.ids);
    out.alignMask = rows(items, (i) => i.align!.mask);
  }
  if (items[0]!.fusionLabels) out.fusionLabels = rows(items, (i) => Array.from(i.fusionLabels!));
  return out;
}

export interface TensorBatch {
  inputIds: Tensor;
  attentionMask: Tensor;
  tokenTypeIds: Tensor;
  video: Tensor;
  videoMask: Tensor;
  /** QA: [B] answer-vocabulary labels (-1: not in the vocabulary). */
  answerLabels?: Tensor;
  /** QA: [B] id of each answer's first BPE token (the reference's answer class). */
  answerTokenIds?: Tensor;
  alignIds?: Tensor;
  alignMask?: Tensor;
  fusionLabels?: Tensor;
}

/** `pinVideo`: the frames in pinned host memory, for a model on CUDA (an asynchronous copy). */
export function batchToTensors(b: CollatedBatch, o: { pinVideo?: boolean } = {}): TensorBatch {
  const t: TensorBatch = {
    inputIds: toTensor(b.inputIds, b.textShape),
    attentionMask: toTensor(b.attentionMask, b.textShape),
    tokenTypeIds: toTensor(b.tokenTypeIds, b.textShape),
    video: toTensor(b.video, b.videoShape, o.pinVideo),
    videoMask: toTensor(b.videoMask, b.videoMaskShape),
  };
  if (b.answerLabels) t.answerLabels = toTensor(b.answerLabels, [b.size]);
  if (b.answerTokenIds) t.answerTokenIds = toTensor(b.answerTokenIds, [b.size]);
  if (b.alignIds) t.alignIds = toTensor(b.alignIds, b.textShape);
  if (b.alignMask) t.alignMask = toTensor(b.alignMask, b.textShape);
  if (b.fusionLabels)
    t.fusionLabels = toTensor(b.fusionLabels, [b.size, b.fusionLabels.length / b.size]);
  return t;
}

// The WebVid pre-training loader's masked-LM indicator labels (docs/DATA.md §4.3,
// `get_pretrain_mask`): a row of length 1 + M + L over [leading slot | M video slots | L text
// slots] holding 1/0 validity flags, with each text token strictly between CLS and EOT
// selected with probability 0.15 and set to -1. If none is selected the reference's fallback
// marks index M + 2 (its random fallback crashes on an unimported name); reproduced for parity.
import type { Rng } from '../random.js';

export const MLM_PROBABILITY = 0.15;

export function pretrainMaskLabels(
  videoMask: ArrayLike<number>,
  textMask: ArrayLike<number>,
  rng: Rng,
  probability = MLM_PROBABILITY,
): Int32Array {
  const M = videoMask.length;
  const L = textMask.length;
  const labels = new Int32Array(1 + M + L);
  labels[0] = videoMask[0]!;
  for (let i = 0; i < M; i++) labels[1 + i] = videoMask[i]!;
  let realTokens = 0;
  for (let j = 0; j < L; j++) {
    labels[1 + M + j] = textMask[j]!;
    realTokens += textMask[j]! ? 1 : 0;
  }
  let any = false;
  for (let p = M + 2; p <= M + realTokens - 1; p++) {
    if (rng.next() < probability) {
      labels[p] = -1;
      any = true;
    }
  }
  if (!any) labels[M + 2] = -1;
  return labels;
}

/**
 * Caption decoding benchmark, ViT-B/16 sizes with random weights (text width 512, 49408-token
 * vocabulary, 12 frames, 8 tubes, 6 fusion blocks): greedy decoding time per video, 31 steps as
 * the reference (greedy always runs all its steps), with the key/value cache (default) and
 * re-encoding the whole prefix at every step (the reference's way), at batch 1 and 4; the video
 * encoding is timed apart. `T2VLP_BENCH_CAPTION_STEPS` (default 31) sets the steps,
 * `T2VLP_BENCH_CAPTION_BATCHES` (default "1,4") the batch sizes; `T2VLP_BENCH_CAPTION_SMALL=1`
 * runs a small configuration (a smoke test of the bench).
 */
import { greedyCaptionIds } from '../src/model/caption.js';
import { T2VLP } from '../src/model/index.js';
import { getNumThreads, manualSeed, noGrad, ones, randn, scope } from '../src/torch/index.js';

export default async function bench(): Promise<void> {
  const steps = Number(process.env.T2VLP_BENCH_CAPTION_STEPS ?? 31);
  const small = process.env.T2VLP_BENCH_CAPTION_SMALL === '1';
  console.log(`threads: ${getNumThreads()}`);
  manualSeed(0);
  const config = small
    ? { embedDim: 64, textWidth: 64, textHeads: 1, textLayers: 6, visionWidth: 64, visionLayers: 4, imageResolution: 32, visionPatchSize: 16 }
    : {};
  if (small) console.log('SMALL configuration (not ViT-B/16): a smoke test of this bench');
  const model = new T2VLP({ ...config, fusion: true }).eval();
  const { numFrames: T, imageResolution: R } = model.config;
  try {
    const batches = (process.env.T2VLP_BENCH_CAPTION_BATCHES ?? '1,4').split(',').map(Number);
    for (const B of batches) {
      const video = randn([B, T, 3, R, R]).keep();
      const mask = ones([B, T], 'int64').keep();
      try {
        const t0 = performance.now();
        noGrad(() => scope(() => model.encodeVideo(video, mask)));
        const encode = (performance.now() - t0) / 1000;
        // Decoding time = the steps after the first (timed between onStep calls, so the video
        // encoding and the visual prefix are left out), scaled to all steps.
        const time = (cache: boolean) => {
          const marks: number[] = [];
          const ids = scope(() =>
            greedyCaptionIds(model, video, mask, { cache, maxSteps: steps, onStep: () => void marks.push(performance.now()) }).ids.toArray(),
          );
          const perStep = marks.length > 1 ? (marks.at(-1)! - marks[0]!) / 1000 / (marks.length - 1) : NaN;
          return { s: perStep * steps, ids: Array.from(ids as BigInt64Array, Number) };
        };
        time(true); // warm-up
        const cached = time(true);
        const full = time(false);
        const same = cached.ids.every((x, i) => x === full.ids[i]);
        console.log(
          `batch ${B}, ${steps} decoding steps: cached ${(cached.s / B).toFixed(3)} s/video, re-encoded ${(full.s / B).toFixed(3)} s/video ` +
            `(speed-up ×${(full.s / cached.s).toFixed(2)}; plus video encoding ${(encode / B).toFixed(3)} s/video; ids identical: ${same})`,
        );
      } finally {
        video.dispose();
        mask.dispose();
      }
    }
  } finally {
    model.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();

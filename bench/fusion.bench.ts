/**
 * Fusion benchmark, ViT-B/16 sizes with random weights (text width 512, 12 frames, 8 tubes,
 * 32 text positions: 53-position fusion sequences, 6 fusion blocks):
 * - re-ranking cost per query at K = 32 (one query = 32 candidate sequences through the fusion
 *   encoder plus the matching head), float32, at 1 and 8 queries per forward pass;
 * - one stage-2 training step (stage2Loss forward + backward, batch 2) and the peak RSS.
 * `T2VLP_BENCH_FUSION_QUERIES` (default 4) sets how many queries are timed per setting;
 * `T2VLP_BENCH_FUSION_SMALL=1` runs a small configuration instead (a smoke test of the bench).
 */
import { readFileSync } from 'node:fs';
import { T2VLP, type Stage2Batch } from '../src/model/index.js';
import { getNumThreads, manualSeed, ones, randint, randn, scope, tensor, type Tensor } from '../src/torch/index.js';

const K = 32;
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
/** The kernel's high-water mark of this process's resident set (Linux), else the current RSS. */
function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return rssMb();
}

class Enough extends Error {}

/** Seconds per query for `queries` text→video queries, timed between progress reports (after one warm-up query). */
function rerankSecondsPerQuery(model: T2VLP, queriesPerChunk: number, queries: number): number {
  const { embedDim: E, numFrames: T, numCenters: C } = model.config;
  const N = K; // K candidates need at least K videos and K texts
  const text = { tokens: randn([N, 32, E]).keep(), attentionMask: ones([N, 32], 'int64').keep() };
  const video = { frames: randn([N, T, E]).keep(), tubes: randn([N, C, E]).keep(), videoMask: ones([N, T], 'int64').keep() };
  const sim = randn([N, N]).keep();
  const marks: number[] = [];
  try {
    model.rerank(sim, text, video, {
      topK: K,
      sequencesPerChunk: K * queriesPerChunk,
      onProgress: (done) => {
        marks.push(performance.now());
        if (done >= queries + queriesPerChunk) throw new Enough();
      },
    });
  } catch (e) {
    if (!(e instanceof Enough)) throw e;
  } finally {
    for (const t of [...Object.values(text), ...Object.values(video), sim]) t.dispose();
  }
  // marks[0] ends the warm-up chunk; the others each end one chunk of queriesPerChunk queries.
  return (marks.at(-1)! - marks[0]!) / 1000 / ((marks.length - 1) * queriesPerChunk);
}

function stage2Batch(model: T2VLP): Stage2Batch {
  const { numFrames: T, imageResolution: R, vocabSize: V, eotTokenId } = model.config;
  const L = 32;
  const ids = randint(1, V - 2, [2, L]).toArray() as BigInt64Array;
  ids[L - 1] = BigInt(eotTokenId);
  ids[2 * L - 1] = BigInt(eotTokenId);
  const text = Array.from({ length: L }, (_, j) => (j === 3 || j === 9 ? -1 : 1)); // two masked-LM positions
  const row = [1, ...new Array<number>(T).fill(1), ...text];
  return scope(() => ({
    video: randn([2, T, 3, R, R]).keep(),
    videoMask: ones([2, T], 'int64').keep(),
    inputIds: tensor(ids, [2, L]).keep(),
    attentionMask: ones([2, L], 'int64').keep(),
    fusionLabels: tensor([row, row], undefined, 'int64').keep(),
  }));
}

export default async function bench(): Promise<void> {
  const queries = Number(process.env.T2VLP_BENCH_FUSION_QUERIES ?? 4);
  console.log(`threads: ${getNumThreads()}`);
  manualSeed(0);
  const small = process.env.T2VLP_BENCH_FUSION_SMALL === '1';
  const config = small
    ? { embedDim: 64, textWidth: 64, textHeads: 1, textLayers: 6, visionWidth: 64, visionLayers: 4, imageResolution: 32, visionPatchSize: 16, vocabSize: 1000, eotTokenId: 999 }
    : {};
  if (small) console.log('SMALL configuration (not ViT-B/16): a smoke test of this bench');
  const model = new T2VLP({ ...config, fusion: true }).eval();
  try {
    for (const q of [1, 8]) {
      const s = rerankSecondsPerQuery(model, q, Math.max(q, queries));
      console.log(`re-ranking, K = ${K}, ${q} quer${q === 1 ? 'y' : 'ies'} per pass: ${s.toFixed(3)} s/query (${(K / s).toFixed(0)} sequences/s)`);
      if (q === 8) {
        const perSplit = (s * 2000) / 60;
        console.log(`  → MSR-VTT 1k-A (1000 texts + 1000 videos) on this machine: about ${perSplit.toFixed(0)} min`);
      }
    }
    const before = peakRssMb();
    const batch = stage2Batch(model);
    model.train();
    const t0 = performance.now();
    scope(() => {
      const r = model.stage2Loss(batch);
      r.loss.backward();
      console.log(
        `  losses: mlm ${r.mlm.item().toFixed(3)}, plm ${r.plm.item().toFixed(3)}, vtm ${r.vtm.item().toFixed(3)}, align ${r.align.item().toFixed(3)}`,
      );
    });
    const s = (performance.now() - t0) / 1000;
    model.zeroGrad();
    for (const t of Object.values(batch) as Tensor[]) t.dispose();
    console.log(`stage-2 training step (batch 2, forward + backward, float32): ${s.toFixed(2)} s`);
    console.log(`peak RSS: ${peakRssMb().toFixed(0)} MB (${before.toFixed(0)} MB before the step)`);
  } finally {
    model.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();

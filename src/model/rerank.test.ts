/**
 * Parity of the retrieval model with the reference (fixture retrieval_head, model = params_stage1 +
 * params_stage2): training losses (vtm + sim + align, dropout off, recorded hard negatives), eval
 * encodings and loose similarity, and the re-ranked t2v / v2t matrices with the metrics stored in
 * the fixture's metadata. Tolerance max|diff| ≤ 1e-5·max|ref| + 1e-6 per tensor (on values near
 * 1000 for the re-ranked matrices: 1.1e-2, the fixture's fp32-vs-fp64 gap being 1.7e-4).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSafetensors, memoryStats, randn, scope, tensor, type Tensor } from '../torch/index.js';
import { FusionError, T2VLP } from './index.js';
import { fusionCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR, assertClose, fixtureTensor, intValues } from './testing/parity.js';

const tmp = mkdtempSync(join(tmpdir(), 't2vlp-rerank-'));
let model: T2VLP;
let f: Map<string, Tensor>;
let meta: Record<string, string>;
before(async () => {
  model = await T2VLP.load(await fusionCheckpoint(tmp));
  const r = await loadSafetensors(REFERENCE_DIR + 'retrieval_head.safetensors');
  f = r.tensors;
  meta = r.metadata;
});
after(() => {
  model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const g = fixtureTensor(() => f);
const ints = (k: string): number[] => intValues(g(k));
const batch = () => ({
  video: g('input.video'),
  videoMask: g('input.video_mask'),
  inputIds: g('input.input_ids'),
  attentionMask: g('input.attention_mask'),
});
const rerankInputs = () => ({
  text: { tokens: g('rerank.text_tokens'), eot: g('rerank.sequence_output').reshape(32, -1), attentionMask: g('rerank.input_mask') },
  video: { frames: g('rerank.visual_output'), tubes: g('rerank.tube_token'), videoMask: g('rerank.video_mask') },
});

/**
 * `compute_metrics` of the reference on a matrix without ties at the diagonal: the rank of each
 * row's diagonal entry (0-based), R@k in percent, median and mean rank (1-based).
 */
function metrics(m: Tensor): { cols: number[]; R1: number; R5: number; R10: number; MR: number; MeanR: number } {
  const n = m.shape[0]!;
  const a = m.toArray() as Float32Array;
  const cols: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = a[i * n + i]!;
    let rank = 0;
    for (let j = 0; j < n; j++) if (a[i * n + j]! > d) rank++;
    cols.push(rank);
  }
  const r = (k: number) => (100 * cols.filter((c) => c < k).length) / n;
  const sorted = [...cols].sort((x, y) => x - y);
  const med = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { cols, R1: r(1), R5: r(5), R10: r(10), MR: med + 1, MeanR: cols.reduce((x, y) => x + y, 0) / n + 1 };
}

describe('retrieval parity with the reference (retrieval_head)', () => {
  test('training losses vtm + sim + align with the recorded hard negatives', () => {
    model.eval();
    scope(() => {
      const r = model.retrievalLoss(batch(), {
        draws: { t2vHard: ints('train.random.t2v_hard_idx'), v2tHard: ints('train.random.v2t_hard_idx') },
      });
      assertClose(r.vtm, g('train.vtm_loss'), 'train.vtm_loss');
      assertClose(r.contrastive, g('train.sim_loss'), 'train.sim_loss');
      assertClose(r.align, g('train.align_loss'), 'train.align_loss');
      assertClose(r.loss, g('train.total_loss'), 'train.total_loss');
      // Differentiable through both towers (the sim and align terms) and the fusion encoder (vtm).
      r.loss.backward();
      const sd = model.stateDict();
      for (const k of ['clip.visual.proj', 'clip.text_projection', 'clip.fusion_match_matrix', 'clip.fusion_transformer.resblocks.0.attn.in_proj_weight'])
        assert.ok(sd.get(k)!.grad, `${k} received a gradient`);
    });
    model.zeroGrad();
  });

  test('eval encodings and the loose similarity', () => {
    scope(() => {
      const v = model.encodeVideo(g('input.video'), g('input.video_mask'));
      const t = model.encodeText(g('input.input_ids'), g('input.attention_mask'));
      assertClose(v.frames, g('eval.visual_output'), 'eval.visual_output');
      assertClose(v.tubes, g('eval.tube_token'), 'eval.tube_token');
      assertClose(t.tokens, g('eval.text_tokens'), 'eval.text_tokens');
      assertClose(t.eot.unsqueeze(1), g('eval.sequence_output'), 'eval.sequence_output');
      assertClose(model.similarity(t, v), g('eval.sim_logits'), 'eval.sim_logits');
    });
  });

  test('re-ranked t2v and v2t matrices and their metrics', () => {
    scope(() => {
      const { text, video } = rerankInputs();
      const sim = g('rerank.sim_matrix');
      // 5 queries per chunk: the last chunk is partial; chunks hold whole queries.
      const calls: number[] = [];
      const r = model.rerank(sim, text, video, { topK: 32, sequencesPerChunk: 32 * 5, onProgress: (done) => calls.push(done) });
      assertClose(r.t2v, g('rerank.t2v_matrix'), 't2v_matrix');
      assertClose(r.v2t, g('rerank.v2t_matrix'), 'v2t_matrix');
      assert.deepEqual(calls, [5, 10, 15, 20, 25, 30, 32, 37, 42, 47, 52, 57, 62, 64], 'progress over Nt + Nv queries');
      for (const [dir, m] of [['t2v', r.t2v], ['v2t', r.v2t]] as const) {
        const ref = JSON.parse(meta[`rerank_${dir}_metrics`]!) as ReturnType<typeof metrics>;
        const got = metrics(m);
        assert.deepEqual(got.cols, ref.cols, `${dir} ranks`);
        for (const k of ['R1', 'R5', 'R10', 'MR', 'MeanR'] as const) assert.ok(Math.abs(got[k] - ref[k]) < 1e-9, `${dir} ${k}: ${got[k]} vs ${ref[k]}`);
      }
    });
  });

  test('a smaller topK re-scores only the top candidates: they outrank all others', () => {
    scope(() => {
      const { text, video } = rerankInputs();
      const sim = g('rerank.sim_matrix');
      const r = model.rerank(sim, text, video, { topK: 4 });
      const above = r.t2v.ge(1000).to('int64').sum(1).toArray() as BigInt64Array;
      assert.deepEqual(Array.from(above, Number), new Array(32).fill(4));
      const untouched = r.t2v.lt(1000);
      assert.ok(r.t2v.maskedSelect(untouched).equal(sim.maskedSelect(untouched)), 'other entries keep S');
      const top = sim.topk(4, 1).indices;
      assert.ok(r.t2v.gather(1, top).ge(1000).all().item() === 1, 'the re-scored entries are the loose top 4');
      // Other chunk sizes give the same numbers: the matching head normalises within a query.
      const one = model.rerank(sim, text, video, { topK: 4, sequencesPerChunk: 40 }); // 10 queries per chunk, the last one partial
      assert.ok(one.t2v.equal(r.t2v) && one.v2t.equal(r.v2t), 'independent of the chunk size');
    });
  });
});

describe('rerank memory and precision', () => {
  test('more texts than videos; leaves no tensor behind but its result', () => {
    const { text, video } = scope(() => {
      const { text, video: v } = rerankInputs();
      const video = { frames: v.frames.narrow(0, 0, 20).keep(), tubes: v.tubes.narrow(0, 0, 20).keep(), videoMask: v.videoMask.narrow(0, 0, 20).keep() };
      return { text, video };
    });
    const sim = g('rerank.sim_matrix').narrow(1, 0, 20).keep();
    const before = memoryStats().liveTensors;
    const r = model.rerank(sim, text, video, { topK: 2 });
    assert.equal(memoryStats().liveTensors - before, 2, 't2v and v2t only');
    assert.deepEqual(r.t2v.shape, [32, 20]);
    assert.deepEqual(r.v2t.shape, [20, 32]);
    scope(() => {
      assert.deepEqual(Array.from(r.t2v.ge(1000).to('int64').sum(1).toArray() as BigInt64Array, Number), new Array(32).fill(2));
      assert.deepEqual(Array.from(r.v2t.ge(1000).to('int64').sum(1).toArray() as BigInt64Array, Number), new Array(20).fill(2));
    });
    for (const t of [r.t2v, r.v2t, sim, ...Object.values(video)]) t.dispose();
  });

  test('a bfloat16 model re-ranks close to float32', async () => {
    const bf = await T2VLP.load(join(tmp, 'fusion.safetensors'), { dtype: 'bfloat16' });
    try {
      scope(() => {
        const { text, video } = rerankInputs();
        const r = bf.rerank(g('rerank.sim_matrix'), text, video, { topK: 4 });
        const ref = model.rerank(g('rerank.sim_matrix'), text, video, { topK: 4 });
        assert.equal(r.t2v.dtype, 'float32');
        const d = r.t2v.sub(ref.t2v).abs().max().item();
        assert.ok(d < 25, `max |bf16 - fp32| ${d} (scores 1000..2000)`);
      });
    } finally {
      bf.dispose();
    }
  });
});

describe('rerank bad input', () => {
  test('topK larger than the candidate count', () => {
    scope(() => {
      const { text, video } = rerankInputs();
      assert.throws(
        () => model.rerank(g('rerank.sim_matrix'), text, video, { topK: 33 }),
        (e: unknown) => e instanceof FusionError && e.code === 'BAD_TOP_K' && /topK 33 exceeds the candidate count \(32 videos per text, 32 texts per video\)/.test(e.message),
      );
    });
  });

  test('mis-shaped encodings name the tensor', () => {
    scope(() => {
      const { text, video } = rerankInputs();
      assert.throws(
        () => model.rerank(g('rerank.sim_matrix'), text, { ...video, tubes: randn([32, 7, 128]) }),
        /rerank: video.tubes must be \[32, 8, 128\], got \[32, 7, 128\]/,
      );
      assert.throws(() => model.rerank(tensor([1, 2, 3]), text, video), /rerank: sim must be \[Nt, Nv\]/);
    });
  });

  test('a stage-1 model cannot re-rank', async () => {
    const stage1 = await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors');
    try {
      scope(() => {
        const { text, video } = rerankInputs();
        assert.throws(() => stage1.rerank(g('rerank.sim_matrix'), text, video), /rerank: this model has no fusion encoder/);
      });
    } finally {
      stage1.dispose();
    }
  });
});

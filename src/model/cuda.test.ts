/**
 * The model on a CUDA device: the reference fixtures reproduced on the GPU in float32 (stage-1
 * encoders, losses and gradients; stage-2 losses and gradients; re-ranking; greedy captions and QA logits) within
 * max|diff| ≤ 1e-4·max|ref| + 1e-5 (cuBLAS/cuDNN kernels differ from the CPU's), with TF32 off
 * for both matmuls and convolutions (libtorch allows it for cuDNN convolutions by default, which
 * moves the patch embedding by ~1e-3 relative). Inputs stay on the CPU: the model moves them, asynchronously
 * from pinned memory (same embedding as from pageable memory, exactly). Skipped, saying so, when this
 * build of the addon sees no CUDA device (CPU-only libtorch or no GPU); the device checks run them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cuda, loadSafetensors, memoryStats, ones, pinnedTensor, scope, withDevice, type Tensor } from '../torch/index.js';
import { T2VLP } from './index.js';
import { captionCheckpoint, fusionCheckpoint } from './testing/checkpoints.js';
import { REFERENCE_DIR, assertClose, fixture } from './testing/parity.js';

const skip = cuda.isAvailable() ? false : 'no CUDA device: this addon was built against a CPU-only libtorch or no GPU is visible';
const close = (a: Tensor, e: Tensor, what: string) => assertClose(a, e, what, 1e-4, 1e-5);

describe('on CUDA', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 't2vlp-cuda-'));
  let stage1: T2VLP;
  let fusion: T2VLP;
  let tf32 = { matmul: false, conv: true };
  before(async () => {
    tf32 = cuda.allowTF32();
    cuda.setAllowTF32({ matmul: false, conv: false });
    stage1 = (await T2VLP.load(REFERENCE_DIR + 'params_stage1.safetensors')).to('cuda');
    fusion = (await T2VLP.load(await fusionCheckpoint(tmp))).to('cuda');
  });
  after(() => {
    cuda.setAllowTF32(tf32);
    stage1?.dispose();
    fusion?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('factories follow withDevice; the model reports its device', () => {
    assert.match(stage1.device, /^cuda/);
    scope(() => {
      assert.match(withDevice('cuda', () => ones([2])).device, /^cuda/);
      assert.equal(ones([2]).device, 'cpu');
    });
  });

  test('stage-1 encoders, similarity, losses and gradients (stage1_loss)', async () => {
    const f = await fixture('stage1_loss.safetensors');
    const g = (k: string) => f.get(k)!;
    stage1.train();
    stage1.zeroGrad();
    try {
      scope(() => {
        const r = stage1.stage1Loss({ video: g('input.video'), videoMask: g('input.video_mask'), inputIds: g('input.input_ids'), attentionMask: g('input.attention_mask') });
        assert.match(r.loss.device, /^cuda/);
        close(r.sim, g('sim_matrix'), 'sim_matrix');
        close(r.contrastive, g('sim_loss'), 'sim_loss');
        close(r.align, g('align_loss'), 'align_loss');
        r.loss.backward();
      });
      const params = stage1.stateDict();
      let n = 0;
      for (const [k, ref] of f)
        if (k.startsWith('grad.')) {
          const grad = params.get(k.slice(5))!.grad!;
          close(grad, ref, k);
          grad.dispose();
          n++;
        }
      assert.ok(n >= 20, `compared ${n} gradients`);
    } finally {
      stage1.zeroGrad();
      stage1.eval();
    }
    scope(() => {
      const v = stage1.encodeVideo(g('input.video'), g('input.video_mask'));
      close(v.frames, g('visual_output'), 'frames');
      close(v.tubes, g('tube_token'), 'tubes');
      const t = stage1.encodeText(g('input.input_ids'), g('input.attention_mask'));
      close(stage1.similarity(t, v), g('sim_matrix'), 'similarity');
    });
  });

  test('stage-2 losses and gradients (stage2_fusion)', async () => {
    const r0 = await loadSafetensors(REFERENCE_DIR + 'stage2_fusion.safetensors');
    const f = r0.tensors;
    const g = (k: string) => f.get(k)!;
    const ints = (k: string) => Array.from(g(k).reshape(-1).toArray() as BigInt64Array, Number);
    fusion.eval();
    fusion.zeroGrad();
    try {
      scope(() => {
        const r = fusion.stage2Loss(
          { video: g('input.video'), videoMask: g('input.video_mask'), inputIds: g('input.input_ids'), attentionMask: g('input.attention_mask'), fusionLabels: g('input.fusion_labels') },
          { draws: { plmStart: ints('random.plm_start_idx'), t2vHard: ints('random.t2v_hard_idx'), v2tHard: ints('random.v2t_hard_idx') } },
        );
        for (const k of ['mlm', 'plm', 'vtm', 'align'] as const) close(r[k], g(`${k}_loss`), `${k}_loss`);
        r.loss.backward();
      });
      const params = fusion.stateDict();
      for (const [k, ref] of f)
        if (k.startsWith('grad.')) {
          const grad = params.get(k.slice(5))!.grad!;
          close(grad, ref, k);
          grad.dispose();
        }
    } finally {
      fusion.zeroGrad();
    }
  });

  test('re-ranked t2v and v2t (retrieval_head)', async () => {
    const f = (await loadSafetensors(REFERENCE_DIR + 'retrieval_head.safetensors')).tensors;
    const g = (k: string) => f.get(k)!;
    scope(() => {
      const r = fusion.rerank(
        g('rerank.sim_matrix'),
        { tokens: g('rerank.text_tokens'), eot: g('rerank.sequence_output').reshape(32, -1), attentionMask: g('rerank.input_mask') },
        { frames: g('rerank.visual_output'), tubes: g('rerank.tube_token'), videoMask: g('rerank.video_mask') },
        { topK: 32 },
      );
      close(r.t2v, g('rerank.t2v_matrix'), 't2v_matrix');
      close(r.v2t, g('rerank.v2t_matrix'), 'v2t_matrix');
    });
  });

  test('caption head: greedy ids (caption_head) and QA answer logits (qa_head)', async () => {
    const c = await fixture('caption_head.safetensors');
    const q = await fixture('qa_head.safetensors');
    const captioner = (await T2VLP.load(await captionCheckpoint(tmp))).to('cuda');
    fusion.eval();
    captioner.eval();
    try {
      scope(() => {
        const { ids } = captioner.generateCaption(c.get('input.video')!, c.get('input.video_mask')!.reshape(2, 12));
        assert.ok(ids.to('cpu').equal(c.get('greedy.ids')!), 'greedy ids equal the reference');
        const logits = fusion.answerLogits({
          video: q.get('input.video')!,
          videoMask: q.get('input.video_mask')!,
          questionIds: q.get('input.question_ids')!,
          questionMask: q.get('input.question_mask')!,
        });
        assert.match(logits.device, /^cuda/);
        close(logits, q.get('eval.answer_logits')!, 'eval.answer_logits');
      });
    } finally {
      captioner.dispose();
    }
  });

  test('pinned host memory: asynchronous copies give the same values and the same encoding', async () => {
    const f = await fixture('stage1_loss.safetensors');
    scope(() => {
      const video = f.get('input.video')!;
      const pinned = pinnedTensor(video.contiguous().toArray() as Float32Array, video.shape);
      assert.equal(pinned.isPinned, true);
      assert.equal(video.isPinned, false);
      assert.equal(video.pinMemory().isPinned, true);
      const copied = pinned.to('cuda', { nonBlocking: true });
      assert.equal(copied.device, 'cuda:0');
      assert.equal(copied.to('cpu').equal(video), true, 'an asynchronous copy from pinned memory holds the same values');
      const fromPinned = stage1.encodeVideo(pinned, f.get('input.video_mask')).embedding.to('cpu');
      const fromPageable = stage1.encodeVideo(video, f.get('input.video_mask')).embedding.to('cpu');
      assert.equal(fromPinned.equal(fromPageable), true);
    });
  });

  test('no tensor is left behind by a CUDA forward', async () => {
    const f = await fixture('stage1_loss.safetensors');
    scope(() => stage1.encodeVideo(f.get('input.video')!, f.get('input.video_mask')).embedding.sum().item());
    const before = memoryStats().liveTensors;
    for (let i = 0; i < 20; i++) scope(() => stage1.encodeVideo(f.get('input.video')!, f.get('input.video_mask')).embedding.sum().item());
    assert.equal(memoryStats().liveTensors, before);
  });
});

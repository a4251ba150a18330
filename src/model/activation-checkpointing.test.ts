/**
 * Activation checkpointing of the visual blocks on the real model (small configurations of the
 * same code): after `model.backward(loss)` every parameter's gradient equals the one of a plain
 * `loss.backward()` within max|diff| ≤ 1e-6·max|grad| (recomputation runs the same float32 ops;
 * only the order of summing the gradient contributions differs) for the stage-1 objective and the
 * retrieval objective (VTM through the fusion encoder; its video path goes through the visual
 * blocks, unlike stage 2's, which detaches them), with per-frame and joint blocks and with joint
 * blocks only. Eval mode and no-grad forwards keep nothing; training steps leave the live tensor
 * count flat. On a CUDA device (skipped, saying so, without one) the gradients match too and the
 * caching allocator's peak of a step is lower with checkpointing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cuda, manualSeed, memoryStats, noGrad, randint, randn, scope, tensor, type Device, type Tensor } from '../torch/index.js';
import { TINY_CONFIG } from '../../test/fixtures/cli/tiny-model.js';
import { T2VLP } from './index.js';
import type { T2VLPConfig } from './config.js';

const TOL = 1e-6;
const STAGE1: Partial<T2VLPConfig> = { ...TINY_CONFIG, visionLayers: 3, jointLayers: 1, vocabSize: 1000, eotTokenId: 999 };
const FUSION: Partial<T2VLPConfig> = { ...STAGE1, textWidth: 32, fusion: true };

function batch() {
  manualSeed(5);
  return {
    video: randn([2, 4, 3, 32, 32]),
    videoMask: tensor([[1, 1, 1, 0], [1, 1, 1, 1]], undefined, 'int64'),
    inputIds: randint(1, 998, [2, 8]),
    attentionMask: tensor([[1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0]], undefined, 'int64'),
  };
}

type Loss = (m: T2VLP, b: ReturnType<typeof batch>) => Tensor;
const stage1: Loss = (m, b) => m.stage1Loss(b).loss;
const retrieval: Loss = (m, b) => m.retrievalLoss(b).loss;

/** Every parameter's gradient (name → values) after one backward, checkpointed or not. */
function gradients(config: Partial<T2VLPConfig>, loss: Loss, checkpointed: boolean, device: Device = 'cpu'): Map<string, Float32Array> {
  manualSeed(1);
  const model = new T2VLP(config).train().setActivationCheckpointing(checkpointed);
  if (device !== 'cpu') model.to(device);
  try {
    return scope(() => {
      const b = batch();
      manualSeed(2); // the retrieval objective draws hard negatives
      model.backward(loss(model, b));
      assert.equal(model.clip.visual.checkpoints?.pending ?? 0, 0);
      return new Map(model.namedParameters().map(([k, p]) => [k, p.grad ? (p.grad.toArray() as Float32Array) : new Float32Array()]));
    });
  } finally {
    model.dispose();
  }
}

function assertSameGradients(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [k, ga] of a) {
    const gb = b.get(k)!;
    assert.equal(gb.length, ga.length, `${k}: gradient present in both or neither`);
    let scale = 1e-30;
    let diff = 0;
    for (let i = 0; i < ga.length; i++) {
      scale = Math.max(scale, Math.abs(ga[i]!));
      diff = Math.max(diff, Math.abs(ga[i]! - gb[i]!));
    }
    assert.ok(diff <= TOL * scale, `${k}: max|diff| ${diff} > ${TOL}·${scale}`);
  }
}

const visualBlockGrads = (g: Map<string, Float32Array>) =>
  [...g].filter(([k]) => k.startsWith('clip.visual.transformer.resblocks.'));

describe('activation checkpointing of the visual blocks', () => {
  it('stage-1 gradients of every parameter equal plain autograd (2 per-frame + 1 joint block)', () => {
    const plain = gradients(STAGE1, stage1, false);
    const blocks = visualBlockGrads(plain);
    assert.ok(blocks.length > 0 && blocks.every(([, g]) => g.length > 0 && g.some((v) => v !== 0)), 'the visual blocks get gradients');
    assert.ok(plain.get('clip.visual.conv1.weight')!.some((v) => v !== 0), 'so does the patch embedding before them');
    assertSameGradients(gradients(STAGE1, stage1, true), plain);
  });

  it('stage-1 gradients with joint blocks only (the chain starts at the joint regrouping)', () => {
    const config = { ...STAGE1, visionLayers: 2, jointLayers: 2 };
    assertSameGradients(gradients(config, stage1, true), gradients(config, stage1, false));
  });

  it('retrieval objective (VTM through the fusion encoder + sim + align): same gradients', () => {
    const plain = gradients(FUSION, retrieval, false);
    assert.ok(visualBlockGrads(plain).every(([, g]) => g.some((v) => v !== 0)));
    assertSameGradients(gradients(FUSION, retrieval, true), plain);
  });

  it('eval mode and no-grad forwards keep nothing; training steps leave live tensors flat', () => {
    manualSeed(3);
    const model = new T2VLP(STAGE1).setActivationCheckpointing(true);
    const b = batch();
    try {
      const tape = model.clip.visual.checkpoints!;
      scope(() => model.eval().encodeVideo(b.video, b.videoMask).embedding.sum().item());
      scope(() => noGrad(() => model.train().encodeVideo(b.video, b.videoMask).embedding.sum().item()));
      assert.equal(tape.pending, 0);
      const step = () =>
        scope(() => {
          model.backward(model.stage1Loss(b).loss);
          model.zeroGrad();
        });
      step();
      const base = memoryStats();
      for (let i = 0; i < 5; i++) step();
      const now = memoryStats();
      assert.equal(now.liveTensors, base.liveTensors);
      assert.equal(now.liveBytes, base.liveBytes);
      // a forward that is never back-propagated is freed by turning checkpointing off
      scope(() => model.stage1Loss(b).loss.item());
      assert.equal(tape.pending, 1);
      model.setActivationCheckpointing(false);
      assert.equal(memoryStats().liveTensors, base.liveTensors);
      assert.equal(model.activationCheckpointing, false);
    } finally {
      Object.values(b).forEach((t) => t.dispose());
      model.dispose();
    }
  });

  const skip = cuda.isAvailable() ? false : 'no CUDA device: this addon was built against a CPU-only libtorch or no GPU is visible';
  it('on CUDA: the same gradients, and a lower allocator peak', { skip }, () => {
    assertSameGradients(gradients(STAGE1, stage1, true, 'cuda'), gradients(STAGE1, stage1, false, 'cuda'));
    const peak = (checkpointed: boolean) => {
      manualSeed(1);
      const model = new T2VLP({ ...STAGE1, visionLayers: 6, jointLayers: 1 }).train().setActivationCheckpointing(checkpointed).to('cuda');
      try {
        return scope(() => {
          const b = { ...batch(), video: randn([8, 4, 3, 32, 32]), videoMask: tensor(Array(32).fill(1), [8, 4], 'int64') };
          b.inputIds = randint(1, 998, [8, 8]);
          b.attentionMask = tensor(Array(64).fill(1), [8, 8], 'int64');
          cuda.resetPeakMemoryStats('cuda');
          const before = cuda.memoryStats('cuda').allocatedBytes;
          model.backward(stage1(model, b));
          return cuda.memoryStats('cuda').peakAllocatedBytes - before;
        });
      } finally {
        model.dispose();
      }
    };
    const plain = peak(false);
    const checkpointed = peak(true);
    assert.ok(checkpointed < plain, `peak allocated during a step: ${checkpointed} bytes checkpointed vs ${plain} plain`);
  });
});

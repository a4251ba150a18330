// The mutations `npm run mutate` applies, one at a time: each is a small deliberate bug (a list of
// exact-text edits, every `find` must occur exactly once in its file) with the test files that
// should catch it. Add one whenever a bug slips past the suite: the next gap is then found by the
// tool. Keep the tests per mutation few and fast; a mutation's tests run with a time limit.
export const MUTATIONS = [
  // The gaps listed in issue 13.
  {
    id: 'no-all-gather',
    description: 'the contrastive loss uses the local batch only (all-gather removed)',
    file: 'src/model/losses.ts',
    edits: [{ find: 'if (world === 1) return t;', replace: 'if (world >= 1) return t;' }],
    tests: ['src/train/distributed-grad.test.ts'],
  },
  {
    id: 'sum-gradients',
    description: 'gradients summed across processes instead of averaged',
    file: 'src/torch/distributed.ts',
    edits: [{ find: '    g.div_(n);\n', replace: '' }],
    tests: ['src/train/distributed-grad.test.ts'],
  },
  {
    id: 'demo-zero-lr',
    description: "the demo trains with both learning rates set to 0",
    file: 'src/cli/commands/demo.ts',
    edits: [
      { find: 'videos, settings: stage1, outDir', replace: "videos, settings: { ...stage1, lr: 0 }, outDir" },
      { find: 'lr: stage1.lr / 4,', replace: 'lr: 0,' },
    ],
    tests: ['src/cli/demo.test.ts'],
  },
  {
    id: 'v2t-is-t2v',
    description: 'video→text metrics computed from the text→video matrix',
    file: 'src/eval/retrieval-eval.ts',
    edits: [{ find: 'v2t: retrievalMetrics({ data: transpose(sim, shape), shape: [shape[1], shape[0]] }),', replace: 'v2t: retrievalMetrics({ data: sim, shape }),' }],
    tests: ['src/eval', 'src/cli/cli.test.ts'],
  },
  {
    id: 'tube-leak',
    description: 'one tensor leaked on every pass through the tube-token code',
    file: 'src/model/clip.ts',
    edits: [
      { find: "import { arange, cat, full, nn, scope, where, type Tensor } from '../torch/index.js';", replace: "import { arange, cat, full, keep, nn, scope, where, type Tensor } from '../torch/index.js';" },
      { find: 'const regions = tokens.narrow(2, 1, n1 - 1); // [B, T, N, Wv]', replace: 'const regions = tokens.narrow(2, 1, n1 - 1); keep(regions.clone());' },
    ],
    tests: ['src/model/memory.test.ts'],
  },
  {
    id: 'bf16-mask-float32',
    description: 'maskPaddedFrames builds its frame mask in float32 (fails in bfloat16)',
    file: 'src/model/clip.ts',
    edits: [{ find: 'const m = videoMask.to(cls.dtype).reshape(B, T, 1);', replace: "const m = videoMask.to('float32').reshape(B, T, 1);" }],
    tests: ['src/model/load.test.ts'],
  },
  {
    id: 'text-center-unmasked',
    description: 'text centers attend to padding tokens (mask fill 0 instead of -inf)',
    file: 'src/model/losses.ts',
    edits: [{ find: 'logits.maskedFill(invalid, -Infinity)', replace: 'logits.maskedFill(invalid, 0)' }],
    tests: ['src/model/t2vlp.test.ts'],
  },
  // Losses, masks, normalisation, transpositions.
  {
    id: 'contrastive-one-direction',
    description: 'the symmetric contrastive loss uses the text→video direction twice',
    file: 'src/model/losses.ts',
    edits: [{ find: 'F.crossEntropy(sim.t(), target)', replace: 'F.crossEntropy(sim, target)' }],
    tests: ['src/model/t2vlp.test.ts'],
  },
  {
    id: 'mean-pool-unmasked',
    description: 'mean pooling over frames ignores the video mask',
    file: 'src/model/t2vlp.ts',
    edits: [{ find: 'return F.normalize(f.mul(m).sum(1).div(count), 2, -1);', replace: 'return F.normalize(f.sum(1).div(count), 2, -1);' }],
    tests: ['src/model/t2vlp.test.ts'],
  },
  {
    id: 'mean-pool-unnormalised',
    description: 'the pooled video embedding is not L2-normalised',
    file: 'src/model/t2vlp.ts',
    edits: [{ find: 'return F.normalize(f.mul(m).sum(1).div(count), 2, -1);', replace: 'return f.mul(m).sum(1).div(count);' }],
    tests: ['src/model/t2vlp.test.ts'],
  },
  {
    id: 'frame-normalise-dropped',
    description: 'frame features are pooled before L2 normalisation',
    file: 'src/model/t2vlp.ts',
    edits: [{ find: 'const f = F.normalize(frames, 2, -1);', replace: 'const f = frames;' }],
    tests: ['src/model/t2vlp.test.ts'],
  },
  {
    id: 'tube-key-mask-inverted',
    description: 'the tube encoder masks the valid frames instead of the padded ones',
    file: 'src/model/clip.ts',
    edits: [{ find: 'maskedFill(valid.lt(0.5), -Infinity)', replace: 'maskedFill(valid.gt(0.5), -Infinity)' }],
    tests: ['src/model/t2vlp.test.ts', 'src/model/load.test.ts'],
  },
  {
    id: 'tube-assign-transposed',
    description: 'tube assignment softmax over centers instead of patches',
    file: 'src/model/clip.ts',
    edits: [{ find: 'regions.transpose(-1, -2)).softmax(-1); // [B, T, K, N]', replace: 'regions.transpose(-1, -2)).softmax(-2); // [B, T, K, N]' }],
    tests: ['src/model/t2vlp.test.ts'],
  },
  // Data: sampling, framing, tokenizer.
  {
    id: 'linspace-off-by-one',
    description: 'frame sampling by linspace spaces n/m instead of (n-1)/(m-1)',
    file: 'src/data/video/sampling.ts',
    edits: [{ find: 'const step = (n - 1) / (m - 1);', replace: 'const step = n / m;' }],
    tests: ['src/data/video/sampling.test.ts'],
  },
  {
    id: 'sample-interval-off-by-one',
    description: 'the frame interval at a feature frame rate is one too large',
    file: 'src/data/video/sampling.ts',
    edits: [{ find: 'interval = Math.floor(fps / sampleFp);', replace: 'interval = Math.floor(fps / sampleFp) + 1;' }],
    tests: ['src/data/video/sampling.test.ts'],
  },
  {
    id: 'tfrecord-crc-ignored',
    description: 'TFRecord payload CRCs are not checked',
    file: 'src/data/tfrecord/tfrecord.ts',
    edits: [{ find: 'maskedCrc32c(payload) !== body.readUInt32LE(n)', replace: 'false' }],
    tests: ['src/data/tfrecord/tfrecord.test.ts'],
  },
  {
    id: 'tokenizer-no-lowercase',
    description: 'the tokenizer does not lower-case',
    file: 'src/data/tokenizer/clean.ts',
    edits: [{ find: 'return whitespaceClean(basicClean(text)).toLowerCase();', replace: 'return whitespaceClean(basicClean(text));' }],
    tests: ['src/data/tokenizer/clip-tokenizer.test.ts'],
  },
  // Readers and optimisation.
  {
    id: 'safetensors-truncation-unchecked',
    description: 'a safetensors file shorter than its header claims is accepted',
    file: 'src/torch/io/safetensors-header.ts',
    edits: [{ find: '  if (at > dataSize)\n', replace: '  if (false)\n' }],
    tests: ['src/torch/io/safetensors.test.ts'],
  },
  {
    id: 'adam-eps-inside-sqrt',
    description: 'BertAdam adds eps inside the square root',
    file: 'src/torch/optim/bert-adam.ts',
    edits: [{ find: 'm.div(v.sqrt().add(this.eps))', replace: 'm.div(v.add(this.eps).sqrt())' }],
    tests: ['src/torch/optim/optimizer.test.ts'],
  },
  {
    id: 'resume-without-rng',
    // Survives today: stage 1 draws no libtorch random numbers after initialisation (the data order
    // has its own generator, restored from the data position). Stage 2's head dropout does: its
    // resume test should catch this.
    description: 'a resumed run does not restore the random generator state',
    file: 'src/train/checkpoint.ts',
    edits: [{ find: 'if (rng) setRngState(rng);', replace: 'void setRngState;' }],
    tests: ['src/train/trainer.test.ts'],
  },
  {
    id: 'atomic-temp-left',
    description: 'a failed atomic write leaves its temporary file behind',
    file: 'src/torch/io/atomic.ts',
    edits: [{ find: '    await unlink(tmp).catch(() => {});\n', replace: '' }],
    tests: ['src/torch/io/atomic.test.ts'],
  },
  {
    id: 'atomic-stale-temporaries-kept',
    description: 'temporary files of writers killed mid-write are never removed',
    file: 'src/torch/io/atomic.ts',
    edits: [{ find: '  await removeStaleTemporaries(path);\n', replace: '' }],
    tests: ['src/torch/io/atomic.test.ts'],
  },
  {
    id: 'huge-caption-accepted',
    description: 'captions of megabytes are tokenized in full',
    file: 'src/data/tokenizer/clip-tokenizer.ts',
    edits: [{ find: 'if (text.length > MAX_TEXT_CHARS)', replace: 'if (false)' }],
    tests: ['src/data/tokenizer/clip-tokenizer.test.ts'],
  },
];

/**
 * `t2vlp demo`: the main job on an embedded default. Generates the synthetic dataset, trains a
 * small T2VLP from scratch with the stage-1 objective, adds the fusion encoder and pre-trains it
 * briefly (stage 2: vtm + mlm + plm + align), fine-tunes for retrieval (vtm + sim + align),
 * evaluates text-to-video and video-to-text retrieval on the test split, loose and re-ranked by
 * the fusion encoder, next to chance and the untrained model, and answers one text query
 * against the test videos; then fine-tunes captioning and QA from the stage-2 model and scores
 * them beside the untrained model and chance (demo-tasks.ts). `--json` ends with one JSON line.
 */
import { join, resolve } from 'node:path';
import { ClipTokenizer, generateSyntheticDataset } from '../../data/index.js';
import { chanceRetrievalMetrics, evaluateRetrieval, formatRetrievalTable, type RetrievalMetrics } from '../../eval/index.js';
import { T2VLP } from '../../model/index.js';
import { manualSeed, noGrad, scope, setNumThreads, tensor } from '../../torch/index.js';
import { FUSION_NEW_MODULES, PRESETS, Progress, trainModel, type TrainResult, type TrainSettings } from '../../train/index.js';
import type { Args, CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';
import { commandDevice, onDevice } from '../device.js';
import { DEVICE_OPTION } from '../options.js';
import { demoCaptioning, demoQa, formatDemoCaptioning, formatDemoQa, type DemoCaptioning, type DemoQa } from '../demo-tasks.js';
import { readSplit, trainingVideoReader } from '../setup.js';

/**
 * Stage-2 epochs of the demo: one, as a stage-2 step costs about nine stage-1 steps (the masked-LM
 * and prefix-LM vocabulary logits); with the caption and QA stages the whole demo stays within 6
 * minutes on 2 cores (measured: stage 1 144 s, one stage-2 epoch 82 s, captioning 42 s, QA 35 s).
 */
const DEMO_FUSION_EPOCHS = 1;

/** Caption and QA fine-tuning epochs of the demo (each branches from the stage-2 model). */
const DEMO_TASK_EPOCHS = 1;

const spec = {
  name: 'demo',
  usage: 't2vlp demo [--dir DIR] [--epochs N] [--fusion-epochs N] [--finetune-epochs N] [--caption-epochs N] [--qa-epochs N] [--videos N] [--json]',
  options: {
    dir: { type: 'string', help: 'working folder (dataset, checkpoints: stage1/, fusion/, retrieval/)', default: '.t2vlp-cache/demo' },
    videos: { type: 'int', help: 'synthetic videos to generate', default: 300 },
    epochs: { type: 'int', help: 'stage-1 epochs', default: PRESETS.demo!.epochs },
    'fusion-epochs': { type: 'int', help: 'stage-2 (fusion encoder) epochs', default: DEMO_FUSION_EPOCHS },
    'finetune-epochs': { type: 'int', help: 'retrieval fine-tuning epochs (vtm + sim + align)', default: 1 },
    'caption-epochs': { type: 'int', help: 'caption fine-tuning epochs from the stage-2 model (0: skip)', default: DEMO_TASK_EPOCHS },
    'qa-epochs': { type: 'int', help: 'QA fine-tuning epochs from the stage-2 model (0: skip)', default: DEMO_TASK_EPOCHS },
    rerank: { type: 'int', help: "candidates re-scored per query by the fusion encoder (0: off)", default: 32 },
    'batch-size': { type: 'int', help: 'batch size', default: PRESETS.demo!.batchSize },
    seed: { type: 'int', help: 'seed of the dataset and the model', default: 0 },
    query: { type: 'string', help: 'text query for the final search (default: a test caption)' },
    threads: { type: 'int', help: 'libtorch threads' },
    device: DEVICE_OPTION,
    json: { type: 'boolean', help: 'print one JSON object as the last line' },
    quiet: { type: 'boolean', help: 'no progress output' },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

const pick = (m: RetrievalMetrics) => ({ R1: m.R1, R5: m.R5, R10: m.R10, MedianR: m.MedianR, MeanR: m.MeanR });

/** Mean of the first and of the last few step losses of a run. */
const lossTrend = (r: TrainResult) => {
  const n = Math.min(3, r.losses.length);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return { steps: r.steps, first: mean(r.losses.slice(0, n)), last: mean(r.losses.slice(-n)) };
};

async function run(a: Options): Promise<number> {
  const started = Date.now();
  if (a.threads) setNumThreads(a.threads);
  const device = commandDevice(a.device);
  const dir = resolve(a.dir);
  const say = (s: string) => {
    if (!a.quiet) console.error(s);
  };
  const seed = a.seed;
  say(`demo: generating the synthetic dataset in ${join(dir, 'data')} ...`);
  const ds = await generateSyntheticDataset({ outDir: join(dir, 'data'), numVideos: a.videos, seed, overwrite: true }); // the demo's own folder: other settings or an older version are regenerated
  say(`demo: ${ds.counts.train} train / ${ds.counts.val} val / ${ds.counts.test} test videos (${ds.created ? 'generated' : 'already there'})`);

  const stage1: TrainSettings = { ...PRESETS.demo!, epochs: a.epochs, batchSize: a.batchSize, seed };
  manualSeed(seed);
  let model = onDevice(new T2VLP(stage1.model), device);
  try {
    const tokenizer = await ClipTokenizer.load();
    const videos = trainingVideoReader(model.config, { ...stage1, cache: true });
    const train = await readSplit('msrvtt', join(dir, 'data'), 'train');
    const test = await readSplit('msrvtt', join(dir, 'data'), 'test');
    const rerank = a.rerank;
    const evaluate = () =>
      evaluateRetrieval(model, test, { tokenizer, videoReader: videos, maxWords: stage1.maxWords, rerank: model.hasFusion ? rerank : 0 });

    const untrained = await evaluate();
    say(`demo: untrained model: text→video R@1 ${untrained.t2v.R1.toFixed(1)}%`);
    const progress = new Progress({ quiet: !!a.quiet, metricsFile: undefined });
    say(`demo: stage-1 training (contrastive + tube alignment), ${stage1.epochs} epochs ...`);
    const train1 = (settings: TrainSettings, sub: string) =>
      trainModel({ model, samples: train.samples, tokenizer, videos, settings, outDir: join(dir, sub), progress });
    const r1 = await train1(stage1, 'stage1');
    const stage1Path = join(dir, 'stage1', 'model.safetensors');
    await model.save(stage1Path);

    // Stage 2 (docs/TRAINING.md): the stage-1 model plus a fresh fusion encoder, its modules at their own lr.
    model.dispose();
    manualSeed(seed + 1);
    model = onDevice(await T2VLP.load(stage1Path, { fusion: true }), device);
    const stage2: TrainSettings = {
      ...stage1,
      objective: 'fusion',
      epochs: a.fusionEpochs,
      newModulePatterns: FUSION_NEW_MODULES,
      newModuleLr: stage1.lr,
      coefLr: 0.1,
      warmup: 0.1,
      seed: seed + 1,
    };
    say(`demo: stage-2 training (fusion encoder: vtm + mlm + plm + align), ${stage2.epochs} epochs ...`);
    const r2 = stage2.epochs > 0 ? await train1(stage2, 'fusion') : undefined;
    const fusionCheckpoint = join(dir, 'fusion', 'model.safetensors');
    await model.save(fusionCheckpoint);

    const finetune: TrainSettings = { ...stage2, objective: 'retrieval', epochs: a.finetuneEpochs, lr: stage1.lr / 4, coefLr: stage1.coefLr, newModuleLr: stage1.lr / 4, warmup: 0, seed: seed + 2 };
    say(`demo: retrieval fine-tuning (vtm + sim + align), ${finetune.epochs} epochs ...`);
    const r3 = await train1(finetune, 'retrieval');
    await model.save(join(dir, 'retrieval', 'model.safetensors'));
    if (rerank) say(`demo: evaluating, re-ranking each query's top ${rerank} with the fusion encoder ...`);
    const result = await evaluate();
    const chance = chanceRetrievalMetrics(result.shape[1]);
    const rr = result.reranked;

    console.log(
      formatRetrievalTable([
        { label: 'text→video', metrics: result.t2v },
        { label: 'video→text', metrics: result.v2t },
        ...(rr
          ? [
              { label: `text→video re-ranked (top ${rr.topK})`, metrics: rr.t2v },
              { label: `video→text re-ranked (top ${rr.topK})`, metrics: rr.v2t },
            ]
          : []),
        { label: 'untrained t→v', metrics: untrained.t2v },
        { label: 'chance', metrics: chance },
      ]),
    );

    // The query: a test caption (its row of the evaluation matrix), or --query encoded afresh.
    const query = a.query ?? result.captions[0]!;
    const scores = a.query ? queryScores(model, tokenizer, result.videoEmbeddings, query, stage1.maxWords) : result.sim;
    const ranked = result.videoIds.map((videoId, j) => ({ videoId, score: scores[j]! }));
    ranked.sort((x, y) => y.score - x.score);
    console.log(`\nquery: "${query}"`);
    const captionOf = new Map(test.samples.map((s) => [s.videoId, s.caption ?? '']));
    ranked.slice(0, 5).forEach((r, i) => console.log(`  ${i + 1}. ${r.videoId}  ${r.score.toFixed(2)}  "${captionOf.get(r.videoId)}"`));

    // Captioning and QA each fine-tune the stage-2 model (docs/TRAINING.md "Captioning and QA").
    const task = { dir, fusionCheckpoint, base: finetune, tokenizer, progress, device };
    let caption: DemoCaptioning | undefined;
    if (a.captionEpochs > 0) {
      say(`demo: caption fine-tuning (caption + sim + align) from the stage-2 model, ${a.captionEpochs} epochs ...`);
      caption = await demoCaptioning(task, a.captionEpochs, seed + 3);
      console.log(formatDemoCaptioning(caption));
    }
    let qa: DemoQa | undefined;
    if (a.qaEpochs > 0) {
      say(`demo: QA fine-tuning (answer + sim) from the stage-2 model, ${a.qaEpochs} epochs ...`);
      qa = await demoQa(task, a.qaEpochs, seed + 4);
      console.log(formatDemoQa(qa));
    }

    const seconds = (Date.now() - started) / 1000;
    const steps = r1.steps + (r2?.steps ?? 0) + r3.steps + (caption?.training.steps ?? 0) + (qa?.training.steps ?? 0);
    say(`demo: done in ${seconds.toFixed(0)} s (${steps} training steps)`);
    if (a.json)
      console.log(
        JSON.stringify({
          retrieval: {
            t2v: pick(result.t2v),
            v2t: pick(result.v2t),
            untrained: { t2v: pick(untrained.t2v), v2t: pick(untrained.v2t) },
            chance: pick(chance as RetrievalMetrics),
            reranked: rr ? { topK: rr.topK, t2v: pick(rr.t2v), v2t: pick(rr.v2t), seconds: rr.seconds } : null,
          },
          training: {
            stage1: lossTrend(r1),
            fusion: r2 ? lossTrend(r2) : null,
            retrieval: lossTrend(r3),
            caption: caption ? lossTrend(caption.training) : null,
            qa: qa ? lossTrend(qa.training) : null,
          },
          captioning: caption ? { metrics: caption.metrics, untrained: caption.untrained, example: caption.example } : null,
          qa: qa ? { accuracy: qa.accuracy, untrained: qa.untrained, chance: qa.chance, example: qa.example } : null,
          query: { text: query, top: ranked.slice(0, 5) },
          seconds,
        }),
      );
    return 0;
  } finally {
    model.dispose();
  }
}

/** exp(logit_scale) · query · videosᵀ against the embeddings the evaluation already computed. */
function queryScores(
  model: T2VLP,
  tokenizer: ClipTokenizer,
  videos: { data: Float32Array; shape: [number, number] },
  query: string,
  maxWords: number,
): Float32Array {
  return noGrad(() =>
    scope(() => {
      const t = tokenizer.batch([query], { maxWords });
      const q = model.encodeText(t.inputIds, t.attentionMask, { eotOnly: true }).embedding;
      const v = tensor(videos.data, videos.shape);
      return q.matmul(v.t()).mul(model.clip.logit_scale.exp()).toArray() as Float32Array;
    }),
  );
}

export default defineCommand(spec, run);

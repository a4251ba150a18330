/**
 * `t2vlp train`: stage-1 pre-training, stage-2 (fusion) pre-training, retrieval, captioning or QA
 * fine-tuning on an MSR-VTT, LSMDC, DiDeMo, WebVid, MSVD, MSRVTT-QA or MSVD-QA folder, with the
 * reference hyper-parameters, objective and data format as preset defaults (every one
 * overridable), `--nproc N` data-parallel processes, checkpoints every N steps, and `--resume`.
 * Stage 2 from a stage-1 checkpoint starts the fusion encoder from fresh parameters. QA training
 * writes the answer vocabulary beside the model (OUT/train_ans2label.json).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClipTokenizer } from '../../data/index.js';
import { ANSWER_VOCABULARY_FILE, type AnswerVocabulary } from '../../model/index.js';
import { cuda, dist, manualSeed, setNumThreads } from '../../torch/index.js';
import {
  answerVocabularyOf,
  launchWorkers,
  OBJECTIVES,
  PRESETS,
  Progress,
  trainModel,
  workerEnv,
  type AmpMode,
  type Objective,
  type TrainSettings,
} from '../../train/index.js';
import { UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';
import { commandDevice, distBackendFor, onDevice, processDevice } from '../device.js';
import { DEVICE_OPTION } from '../options.js';
import { readSplit, startingModel, TRAIN_DATASETS, trainingVideoReader, type DatasetName } from '../setup.js';

const spec = {
  name: 'train',
  usage: `t2vlp train --data DIR --out DIR [--preset ${Object.keys(PRESETS).join('|')}] [--init CKPT] [options]`,
  options: {
    data: { type: 'string', help: 'dataset folder (annotation files; videos in DIR/videos; WebVid: frozen_train.json + TFRecord shards)' },
    'video-dir': { type: 'string', help: 'video folder, if not DATA/videos (WebVid: the folder with path.index)' },
    dataset: { type: 'string', help: "annotation format (default: the preset's, else msrvtt)", choices: [...TRAIN_DATASETS] },
    out: { type: 'string', help: 'output folder: checkpoints, model.safetensors, metrics.jsonl' },
    preset: {
      type: 'string',
      help:
        'hyper-parameter defaults and objective (stage1: sim+align; fusion: vtm+mlm+plm+align; msrvtt/lsmdc/didemo: vtm+sim+align; ' +
        'msvd-caption/msrvtt-caption: caption+sim+align; msrvtt-qa/msvd-qa: answer+sim)',
      default: 'stage1',
      choices: Object.keys(PRESETS),
    },
    objective: { type: 'string', help: "what to back-propagate, if not the preset's", choices: [...OBJECTIVES] },
    init: {
      type: 'string',
      help: 'start from this checkpoint (t2vlp, PyTorch state dict or CLIP ViT-B-16.pt; --preset fusion adds fresh fusion parameters to a stage-1 one)',
    },
    'qa-answers': {
      type: 'string',
      help: "QA: score whole answers of the answer vocabulary (train_ans2label.json, else the training answers) or the answer's first token (the reference)",
      choices: ['vocabulary', 'first-token'],
    },
    epochs: { type: 'int', help: 'epochs' },
    'batch-size': { type: 'int', help: 'global batch size (all processes)' },
    lr: { type: 'number', help: 'learning rate' },
    'coef-lr': { type: 'number', help: 'learning-rate factor of the CLIP parameters' },
    warmup: { type: 'number', help: 'warmup proportion' },
    'weight-decay': { type: 'number', help: 'weight decay' },
    'max-words': { type: 'int', help: 'caption length in tokens' },
    'max-frames': { type: 'int', help: 'frames per video' },
    'feature-framerate': { type: 'number', help: 'frames sampled per second' },
    'grad-accum': { type: 'int', help: 'gradient accumulation steps' },
    'freeze-layer-num': { type: 'int', help: 'freeze CLIP layers below this index' },
    seed: { type: 'int', help: 'random seed' },
    'checkpoint-every': { type: 'int', help: 'checkpoint every N optimizer steps (0: epoch ends only)', default: 0 },
    resume: { type: 'boolean', help: "continue from OUT's last checkpoint" },
    'max-steps': { type: 'int', help: 'stop after this many optimizer steps' },
    'cache-videos': { type: 'boolean', help: 'decode each video once and keep it in memory (small datasets)' },
    nproc: { type: 'int', help: 'data-parallel processes on this machine', default: 1 },
    'world-size': { type: 'int', help: 'total processes over all machines (multi-machine runs)' },
    'rank-offset': { type: 'int', help: "first rank of this machine's processes", default: 0 },
    'master-addr': { type: 'string', help: 'address of rank 0', default: '127.0.0.1' },
    'master-port': { type: 'int', help: 'port of rank 0 (default: a free port)' },
    'dist-backend': {
      type: 'string',
      help: 'collectives between processes (default: nccl on CUDA, one GPU per process; gloo on the CPU)',
      choices: ['gloo', 'nccl'],
    },
    amp: {
      type: 'string',
      help: "mixed precision: autocast matmuls to bfloat16 (bf16) or float16 with loss scaling (fp16); 'off' trains in float32",
      default: 'off',
      choices: ['off', 'bf16', 'fp16'],
    },
    threads: { type: 'int', help: 'libtorch threads per process' },
    device: DEVICE_OPTION,
    'checkpoint-activations': {
      type: 'boolean',
      help: 'recompute the visual blocks during backward instead of keeping their activations (less memory, ~1/3 more compute)',
    },
    json: { type: 'boolean', help: 'JSON log lines instead of a progress bar' },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

export function settingsFrom(a: Options): TrainSettings {
  const base = PRESETS[a.preset]!;
  const pick = <K extends keyof TrainSettings>(k: K, v: unknown) => (v === undefined ? base[k] : (v as TrainSettings[K]));
  return {
    ...base,
    objective: pick('objective', a.objective as Objective | undefined),
    epochs: pick('epochs', a.epochs),
    batchSize: pick('batchSize', a.batchSize),
    lr: pick('lr', a.lr),
    coefLr: pick('coefLr', a.coefLr),
    warmup: pick('warmup', a.warmup),
    weightDecay: pick('weightDecay', a.weightDecay),
    maxWords: pick('maxWords', a.maxWords),
    maxFrames: pick('maxFrames', a.maxFrames),
    featureFramerate: pick('featureFramerate', a.featureFramerate),
    gradAccum: pick('gradAccum', a.gradAccum),
    freezeLayerNum: pick('freezeLayerNum', a.freezeLayerNum),
    seed: pick('seed', a.seed),
    qaAnswers: pick('qaAnswers', a.qaAnswers as TrainSettings['qaAnswers']),
  };
}

async function run(a: Options): Promise<number> {
  if (!a.data) throw new UsageError('--data is required');
  if (!a.out) throw new UsageError('--out is required');
  const nproc = a.nproc;
  if (nproc < 1) throw new UsageError(`--nproc must be at least 1, got ${nproc}`);
  const env = workerEnv();
  // Checked before any process starts: the device each process takes, and the backend that reduces its tensors.
  const local = env ? { rank: env.localRank, n: env.localWorldSize } : { rank: 0, n: nproc };
  const device = processDevice({ requested: a.device, device: commandDevice(a.device), localRank: local.rank, nproc: local.n, deviceCount: cuda.deviceCount() });
  const backend = distBackendFor(device, a.distBackend);
  if (nproc > 1 && !env) {
    const argv = process.argv.slice(2).filter((x, i, all) => x !== '--nproc' && all[i - 1] !== '--nproc' && !x.startsWith('--nproc='));
    return launchWorkers({
      nproc,
      argv,
      masterAddr: a.masterAddr,
      masterPort: a.masterPort,
      rankOffset: a.rankOffset,
      worldSize: a.worldSize ?? nproc,
    });
  }
  if (env) {
    dist.initProcessGroup({
      rank: env.rank,
      worldSize: env.worldSize,
      host: env.masterAddr,
      port: env.masterPort,
      timeoutMs: 120_000,
      backend,
      deviceIndex: device === 'cpu' ? undefined : cuda.indexOf(device),
    });
    // Fault injection for the launcher's tests: this rank dies right after joining the group.
    if (process.env.T2VLP_FAULT_EXIT_RANK === String(env.rank)) process.exit(3);
  }
  if (a.threads) setNumThreads(a.threads);
  const s = settingsFrom(a);
  manualSeed(s.seed);
  if (a.init && !existsSync(a.init)) throw new UsageError(`checkpoint '${a.init}' does not exist`);
  if (!a.init && !s.model)
    throw new UsageError(`preset '${a.preset}' starts from a checkpoint: pass --init (a t2vlp checkpoint or OpenAI CLIP ViT-B-16.pt)`);
  const dataset = (a.dataset ?? s.dataset ?? 'msrvtt') as DatasetName;
  if (!(TRAIN_DATASETS as readonly string[]).includes(dataset))
    throw new UsageError(`preset '${a.preset}' names dataset '${dataset}'; expected one of ${TRAIN_DATASETS.join(', ')}`);
  const data = await readSplit(dataset, a.data, 'train', a.videoDir);
  // Stage 2 adds fresh fusion parameters to a stage-1 model; retrieval fine-tuning needs trained ones (the trainer says so).
  const model = onDevice(await startingModel(a.init, s.model, { fusion: s.objective === 'fusion' }), device);
  try {
    if (a.init && a.maxFrames === undefined) s.maxFrames = model.config.numFrames;
    const tokenizer = await ClipTokenizer.load();
    const answers: AnswerVocabulary | undefined =
      s.objective === 'qa' && s.qaAnswers !== 'first-token' ? answerVocabularyOf(data, (t) => tokenizer.encode(t)) : undefined;
    const videos = trainingVideoReader(model.config, { ...s, cache: !!a.cacheVideos });
    const out = a.out;
    const rank = dist.getRank();
    const progress = new Progress({ json: !!a.json, quiet: rank !== 0, metricsFile: rank === 0 ? join(out, 'metrics.jsonl') : undefined });
    const r = await trainModel({
      model,
      samples: data.samples,
      tokenizer,
      videos,
      settings: s,
      textStyle: data.name === 'webvid' ? 'webvid' : undefined,
      outDir: out,
      checkpointEvery: a.checkpointEvery,
      resume: !!a.resume,
      maxSteps: a.maxSteps,
      amp: a.amp === 'off' ? undefined : (a.amp as AmpMode),
      checkpointActivations: !!a.checkpointActivations,
      progress,
      answers,
    });
    if (rank === 0) {
      await model.save(join(out, 'model.safetensors'));
      const qa = answers ? { answers: join(out, ANSWER_VOCABULARY_FILE), answerVocabulary: answers.size, outOfVocabulary: r.outOfVocabulary ?? 0 } : {};
      console.log(
        JSON.stringify({ objective: s.objective, steps: r.steps, totalSteps: r.totalSteps, finalLoss: r.losses.at(-1) ?? null, skipped: r.skipped.skipped, seconds: r.seconds, model: join(out, 'model.safetensors'), ...qa }),
      );
    }
    return 0;
  } finally {
    model.dispose();
    if (env) dist.destroyProcessGroup();
  }
}

export default defineCommand(spec, run);

/**
 * The captioning and QA stages of `t2vlp demo` (docs/TRAINING.md "Captioning and QA"): each
 * branches from the stage-2 checkpoint, as the reference fine-tunes every task from it, trains a
 * short caption (caption + sim + align) or QA (answer + sim) run, and evaluates the test split
 * beside the untrained model (the same backbone with a fresh fusion encoder, as `t2vlp eval`
 * does; docs/EVAL.md "Captioning and QA evaluation") and, for QA, chance.
 */
import { join } from 'node:path';
import type { ClipTokenizer } from '../data/index.js';
import { evaluateCaptioning, evaluateQa, qaChance, resetFusionEncoder, type CaptionScores, type QaChance } from '../eval/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed, type Device } from '../torch/index.js';
import { answerVocabularyOf, trainModel, type Progress, type TrainResult, type TrainSettings } from '../train/index.js';
import { onDevice } from './device.js';
import { readCaptionEvalSplit, readQaEvalSplit } from './eval-task-data.js';
import { readSplit, trainingVideoReader } from './setup.js';

export interface DemoTaskContext {
  /** The demo's working folder: data/ and the checkpoints. */
  dir: string;
  /** The stage-2 checkpoint both tasks start from. */
  fusionCheckpoint: string;
  /** The retrieval fine-tuning settings, which the tasks adapt. */
  base: TrainSettings;
  tokenizer: ClipTokenizer;
  progress: Progress;
  /** Where the tasks train and evaluate (the demo's --device). */
  device: Device;
}

export interface DemoCaptioning {
  metrics: CaptionScores;
  untrained: CaptionScores;
  example: { videoId: string; caption: string; references: string[] };
  training: TrainResult;
}

export interface DemoQa {
  accuracy: number;
  untrained: number;
  chance: QaChance;
  example: { videoId: string; question: string; answer: string; predicted: string };
  training: TrainResult;
}

/** Frames of short clips repeated, as the caption and QA loaders do (docs/DATA.md §5). */
function taskSettings(c: DemoTaskContext, objective: 'caption' | 'qa', epochs: number, seed: number): TrainSettings {
  return { ...c.base, objective, epochs, lr: c.base.lr * 4, newModuleLr: c.base.lr * 4, warmup: 0.1, frameFill: 'repeat', seed };
}

async function withStage2<T>(c: DemoTaskContext, seed: number, f: (model: T2VLP) => Promise<T>): Promise<T> {
  manualSeed(seed);
  const model = onDevice(await T2VLP.load(c.fusionCheckpoint), c.device);
  try {
    return await f(model);
  } finally {
    model.dispose();
  }
}

/** Caption fine-tuning on the training captions, scored on the test videos (greedy decoding). */
export async function demoCaptioning(c: DemoTaskContext, epochs: number, seed: number): Promise<DemoCaptioning> {
  const data = join(c.dir, 'data');
  const train = await readSplit('msrvtt', data, 'train');
  const test = await readCaptionEvalSplit('msrvtt', data, 'test', join(data, 'videos'));
  return withStage2(c, seed, async (model) => {
    const settings = taskSettings(c, 'caption', epochs, seed);
    const videos = trainingVideoReader(model.config, { ...settings, cache: true });
    const training = await trainModel({ model, samples: train.samples, tokenizer: c.tokenizer, videos, settings, outDir: join(c.dir, 'caption'), progress: c.progress });
    await model.save(join(c.dir, 'caption', 'model.safetensors'));
    const evaluate = () => evaluateCaptioning(model, test.samples, { tokenizer: c.tokenizer, videoReader: videos, batchSize: settings.batchSize });
    const trained = await evaluate();
    resetFusionEncoder(model, { seed });
    const untrained = await evaluate();
    const p = trained.predictions[0]!;
    return { metrics: trained.metrics, untrained: untrained.metrics, example: { videoId: p.videoId, caption: p.caption, references: p.references }, training };
  });
}

/** QA fine-tuning over the answer vocabulary (train_ans2label.json), scored on the test questions. */
export async function demoQa(c: DemoTaskContext, epochs: number, seed: number): Promise<DemoQa> {
  const data = join(c.dir, 'data');
  const train = await readSplit('msrvtt-qa', data, 'train');
  const { dataset: test, trainAnswers } = await readQaEvalSplit('msrvtt', data, 'test', join(data, 'videos'));
  const vocabulary = answerVocabularyOf(train, (t) => c.tokenizer.encode(t));
  return withStage2(c, seed, async (model) => {
    const settings = taskSettings(c, 'qa', epochs, seed);
    const videos = trainingVideoReader(model.config, { ...settings, cache: true });
    const training = await trainModel({ model, samples: train.samples, tokenizer: c.tokenizer, videos, settings, outDir: join(c.dir, 'qa'), progress: c.progress, answers: vocabulary });
    await model.save(join(c.dir, 'qa', 'model.safetensors'));
    const evaluate = () => evaluateQa(model, test.samples, { tokenizer: c.tokenizer, videoReader: videos, vocabulary, batchSize: settings.batchSize, maxWords: settings.maxWords });
    const trained = await evaluate();
    resetFusionEncoder(model, { seed });
    const untrained = await evaluate();
    const chance = qaChance(
      test.samples.map((s) => s.qa!.answer),
      { vocabularySize: vocabulary.size, vocabulary, trainAnswers },
    );
    const p = trained.predictions[0]!;
    return {
      accuracy: trained.accuracy,
      untrained: untrained.accuracy,
      chance,
      example: { videoId: p.videoId ?? '', question: p.question, answer: p.answer, predicted: p.predicted },
      training,
    };
  });
}

const pct = (x: number | undefined) => (x === undefined ? '—' : (x * 100).toFixed(1));

/** The captioning rows (× 100, as papers print them) and the example caption. */
export function formatDemoCaptioning(r: DemoCaptioning): string {
  const cols: [string, keyof CaptionScores][] = [
    ['BLEU-4', 'Bleu_4'],
    ['METEOR', 'METEOR'],
    ['ROUGE-L', 'ROUGE_L'],
    ['CIDEr', 'CIDEr'],
  ];
  const line = (label: string, m: CaptionScores | null) =>
    [label.padEnd(22), ...cols.map(([h, k]) => (m ? pct(m[k]) : h).padStart(Math.max(h.length, 6)))].join('  ');
  return [
    '\ncaptioning (test videos):',
    line('', null),
    line('caption fine-tuned', r.metrics),
    line('untrained (fresh head)', r.untrained),
    ...(r.metrics.METEOR === undefined ? ['(no METEOR: java or meteor-1.5.jar not found; set T2VLP_METEOR_JAR)'] : []),
    `  ${r.example.videoId}: "${r.example.caption}"`,
    `  reference: "${r.example.references[0] ?? ''}"`,
  ].join('\n');
}

/** QA accuracy beside the untrained model and chance, and the example answer. */
export function formatDemoQa(r: DemoQa): string {
  return [
    '\nquestion answering (test questions), accuracy:',
    `  QA fine-tuned            ${pct(r.accuracy)}%`,
    `  untrained (fresh head)   ${pct(r.untrained)}%`,
    `  chance: always '${r.chance.mostFrequent.answer}'`.padEnd(27) + `${pct(r.chance.mostFrequent.accuracy)}%`,
    `  ${r.example.videoId}: "${r.example.question}" → "${r.example.predicted}" (true: "${r.example.answer}")`,
  ].join('\n');
}

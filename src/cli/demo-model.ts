/**
 * The small model `t2vlp serve --demo` searches with: the synthetic dataset and the training of
 * `t2vlp demo` (stage 1, then retrieval fine-tuning, preset `demo`), without the evaluation,
 * cached in `<dir>/serve-model/` with the settings it was trained with, so the next
 * `serve --demo` with the same settings starts at once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClipTokenizer, generateSyntheticDataset } from '../data/index.js';
import { T2VLP } from '../model/index.js';
import { manualSeed } from '../torch/index.js';
import { PRESETS, Progress, trainStage1, type TrainSettings } from '../train/index.js';
import { readSplit, trainingVideoReader } from './setup.js';

export interface DemoModelOptions {
  dir: string;
  videos?: number;
  epochs?: number;
  finetuneEpochs?: number;
  batchSize?: number;
  seed?: number;
  quiet?: boolean;
}

export interface DemoModel {
  checkpoint: string;
  /** The synthetic videos (the library to serve). */
  videosDir: string;
  dataDir: string;
  /** Frames per second the model was trained with. */
  fps: number;
  trained: boolean;
}

export async function prepareDemoModel(o: DemoModelOptions): Promise<DemoModel> {
  const dir = resolve(o.dir);
  const say = (s: string) => {
    if (!o.quiet) console.error(s);
  };
  const seed = o.seed ?? 0;
  const numVideos = o.videos ?? 300;
  const demo = PRESETS.demo!;
  const stage1: TrainSettings = { ...demo, epochs: o.epochs ?? demo.epochs, batchSize: o.batchSize ?? demo.batchSize, seed };
  const finetuneEpochs = o.finetuneEpochs ?? 1;
  const dataDir = join(dir, 'data');
  const ds = await generateSyntheticDataset({ outDir: dataDir, numVideos, seed, overwrite: true }); // its own folder: other settings or an older version are regenerated
  const outDir = join(dir, 'serve-model');
  const checkpoint = join(outDir, 'model.safetensors');
  const settingsFile = join(outDir, 'settings.json');
  const settings = JSON.stringify({ numVideos, seed, stage1, finetuneEpochs, dataset: ds.settings });
  const result = { checkpoint, videosDir: join(dataDir, 'videos'), dataDir, fps: stage1.featureFramerate };
  if (existsSync(checkpoint) && existsSync(settingsFile) && readFileSync(settingsFile, 'utf8') === settings) {
    say(`serve --demo: using the demo model trained before (${checkpoint})`);
    return { ...result, trained: false };
  }
  say(`serve --demo: training the demo model on ${ds.counts.train} synthetic videos (${stage1.epochs} + ${finetuneEpochs} epochs; cached in ${outDir}) ...`);
  manualSeed(seed);
  const model = new T2VLP(stage1.model);
  try {
    const tokenizer = await ClipTokenizer.load();
    const videos = trainingVideoReader(model.config, { ...stage1, cache: true });
    const train = await readSplit('msrvtt', dataDir, 'train');
    const progress = new Progress({ quiet: !!o.quiet });
    await trainStage1({ model, samples: train.samples, tokenizer, videos, settings: stage1, outDir: join(outDir, 'stage1'), progress });
    const finetune: TrainSettings = { ...stage1, epochs: finetuneEpochs, lr: stage1.lr / 4, warmup: 0, seed: seed + 1 };
    if (finetuneEpochs > 0)
      await trainStage1({ model, samples: train.samples, tokenizer, videos, settings: finetune, outDir: join(outDir, 'retrieval'), progress });
    await model.save(checkpoint);
    writeFileSync(settingsFile, settings);
    return { ...result, trained: true };
  } finally {
    model.dispose();
  }
}

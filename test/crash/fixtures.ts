/**
 * Inputs for the crash tests, made in the test process: a small synthetic dataset (8 videos of 8
 * frames, 32x32) and a tiny untrained model checkpoint (src/train/testing/tiny.ts's configuration).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticDataset } from '../../src/data/index.js';
import { T2VLP } from '../../src/model/index.js';
import { manualSeed } from '../../src/torch/index.js';
import { TINY_MODEL } from '../../src/train/testing/tiny.js';

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `t2vlp-crash-${prefix}-`));

export async function crashInputs(): Promise<{ dataDir: string; checkpoint: string }> {
  const dir = tmp('inputs');
  const dataDir = join(dir, 'data');
  await generateSyntheticDataset({ outDir: dataDir, numVideos: 8, numFrames: 8, fps: 8, width: 32, height: 32, seed: 3, captionsPerVideo: 2 });
  manualSeed(5);
  const model = new T2VLP(TINY_MODEL);
  const checkpoint = join(dir, 'tiny.safetensors');
  try {
    await model.save(checkpoint);
  } finally {
    model.dispose();
  }
  return { dataDir, checkpoint };
}

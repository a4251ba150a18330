/**
 * `t2vlp generate-data`: writes the synthetic video-text dataset (MSR-VTT, MSVD, MSRVTT-QA and
 * MSVD-QA file formats) that the demo, the tests and quick experiments train and evaluate on.
 * Re-running with the same options on a complete dataset does nothing and says so.
 */
import { DataError, generateSyntheticDataset } from '../../data/index.js';
import {UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';

const spec = {
  name: 'generate-data',
  usage:
    't2vlp generate-data --out DIR [--videos N] [--frames N] [--size PX] [--seed S] [--captions N]',
  options: {
    out: { type: 'string', help: 'dataset folder to create' },
    videos: { type: 'int', help: 'number of videos (70% train, 10% val, 20% test)', default: 300 },
    frames: { type: 'int', help: 'frames per video', default: 32 },
    fps: { type: 'int', help: 'frame rate of the videos', default: 8 },
    size: { type: 'int', help: 'width and height in pixels (even)', default: 64 },
    seed: { type: 'int', help: 'random seed (same options + seed = same dataset)', default: 0 },
    captions: { type: 'int', help: 'captions per video', default: 5 },
    overwrite: { type: 'boolean', help: 'replace a dataset made with other options' },
    concurrency: { type: 'int', help: 'videos encoded at once', default: 2 },
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

function atLeast(v: number, name: string, min: number): number {
  if (v < min) throw new UsageError(`--${name} must be at least ${min}, got ${v}`);
  return v;
}

async function run(args: Options): Promise<number> {
  if (args._.length) throw new UsageError(`unexpected argument '${args._[0]}'`);
  const out = args.out;
  if (!out) throw new UsageError("--out DIR is required (see 't2vlp generate-data --help')");
  const size = atLeast(args.size, 'size', 16);
  if (size % 2) throw new UsageError(`--size must be even (the videos are yuv420p), got ${size}`);
  const t0 = Date.now();
  const r = await generateSyntheticDataset({
    outDir: out,
    numVideos: atLeast(args.videos, 'videos', 2),
    numFrames: atLeast(args.frames, 'frames', 1),
    fps: atLeast(args.fps, 'fps', 1),
    width: size,
    height: size,
    seed: args.seed,
    captionsPerVideo: atLeast(args.captions, 'captions', 1),
    concurrency: atLeast(args.concurrency, 'concurrency', 1),
    overwrite: args.overwrite === true,
  }).catch((e: unknown) => {
    if (e instanceof DataError && e.code === 'DATASET_EXISTS')
      throw new DataError(
        'DATASET_EXISTS',
        `'${out}' already holds something other than a synthetic dataset with these options; pass --overwrite to replace it, or choose another --out`,
        { cause: e },
      );
    throw e;
  });
  const s = r.settings;
  const c = r.counts;
  const what = r.created
    ? `created in ${((Date.now() - t0) / 1000).toFixed(1)} s`
    : 'already there, unchanged';
  console.log(
    `synthetic dataset ${r.dir}: ${s.numVideos} videos (${c.train} train, ${c.val} val, ${c.test} test), ` +
      `${s.numFrames} frames of ${s.width}x${s.height} at ${s.fps} fps, ${s.captionsPerVideo} captions each; ${what}`,
  );
  return 0;
}

export default defineCommand(spec, run);

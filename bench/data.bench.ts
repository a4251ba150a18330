// Data-layer throughput: tokenizer tokens/s; seconds to turn a 10 s 640x360 clip into the
// model's 12x3x224x224 input (both resize paths, both frame-access paths); clips/s with 1, 2
// and 4 decoders in parallel; and the select-vs-seek crossover on a 120 s clip that sets
// DecodeOptions.seekThresholdSec. Test clips are made with ffmpeg's testsrc in a temp folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipTokenizer } from '../src/data/tokenizer/clip-tokenizer.js';
import { readVideoClip, type VideoReadOptions } from '../src/data/video/decode-video.js';
import { ffmpegPath } from '../src/data/video/ffmpeg.js';
import { VideoReader } from '../src/data/video/video-reader.js';

function makeClip(path: string, seconds: number): void {
  const r = spawnSync(ffmpegPath(), [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=duration=${seconds}:size=640x360:rate=30`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '60',
    path,
  ]);
  if (r.status !== 0) throw new Error(`bench: ffmpeg testsrc failed: ${r.stderr.toString()}`);
}

async function time<T>(fn: () => Promise<T>, repeats = 3): Promise<number> {
  await fn(); // warm-up (page cache, JIT)
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - t0) / repeats / 1000;
}

export default async function bench(): Promise<void> {
  // Tokenizer: fixture captions, a cold cache (every word new) and a warm one.
  const fixture = JSON.parse(
    readFileSync(new URL('../test/fixtures/data/tokenizer.json', import.meta.url), 'utf8'),
  ) as { cases: { text: string }[] };
  const texts = fixture.cases.map((c) => c.text).filter(Boolean);
  const tok = await ClipTokenizer.load();
  const cold = await ClipTokenizer.load();
  let t0 = performance.now();
  let tokens = 0;
  for (const t of texts) tokens += cold.encode(t).length;
  const coldSec = (performance.now() - t0) / 1000;
  t0 = performance.now();
  let warmTokens = 0;
  for (let r = 0; r < 200; r++) for (const t of texts) warmTokens += tok.encode(t).length;
  const warmSec = (performance.now() - t0) / 1000;
  console.log(
    `tokenizer: ${(warmTokens / warmSec / 1e3).toFixed(0)}k tokens/s (BPE cache warm), ${(tokens / coldSec / 1e3).toFixed(0)}k tokens/s (cold, incl. text cleaning)`,
  );

  const dir = mkdtempSync(join(tmpdir(), 't2vlp-bench-'));
  try {
    const short = join(dir, 'testsrc-10s.mp4');
    const long = join(dir, 'testsrc-120s.mp4');
    makeClip(short, 10);
    makeClip(long, 120);
    // featureFramerate 2 (MSR-VTT fine-tuning) gives 20 candidates, 12 kept uniformly.
    const base: VideoReadOptions = { featureFramerate: 2, maxFrames: 12, slicePos: 2 };
    for (const [label, o] of [
      ['resize in TS (Pillow-exact), select', { resize: 'reference', access: 'select' }],
      ['resize in TS (Pillow-exact), seek', { resize: 'reference', access: 'seek' }],
      ['resize in ffmpeg (swscale), select', { resize: 'ffmpeg', access: 'select' }],
      ['resize in ffmpeg (swscale), seek', { resize: 'ffmpeg', access: 'seek' }],
    ] as const) {
      const sec = await time(() => readVideoClip(short, { ...base, ...o }));
      console.log(`10 s 640x360 clip -> 12x3x224x224, ${label}: ${sec.toFixed(3)} s`);
    }
    for (const access of ['select', 'seek'] as const) {
      const sec = await time(() => readVideoClip(long, { ...base, access }), 1);
      console.log(`120 s 640x360 clip -> 12x3x224x224, ${access}: ${sec.toFixed(3)} s`);
    }
    for (const decoders of [1, 2, 4]) {
      const reader = new VideoReader({ ...base, concurrency: decoders });
      const n = 12;
      const sec = await time(
        () => Promise.all(Array.from({ length: n }, () => reader.read(short))),
        1,
      );
      console.log(
        `${decoders} decoder(s) in parallel: ${(n / sec).toFixed(2)} clips/s (10 s 640x360 clips)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();

/**
 * Incremental, resumable indexing of a library into a MomentIndex.
 *
 * 1. Scan the library and compare with the catalog: new files and files whose size or mtime
 *    changed are (re)indexed (a changed mtime with the same content hash only updates the row),
 *    files gone from the library lose their windows, a file that failed before is retried only
 *    when it changed, and a file left half-done by a killed indexer resumes at its first missing
 *    window.
 * 2. Windows flow through a bounded pipeline: up to `decodeAhead` windows are being decoded
 *    (ffmpeg processes, at most `concurrency` at a time) while the model encodes the previous
 *    batch, so the model does not wait for ffmpeg; `overlap: false` decodes each batch only
 *    after the previous one is encoded (the bench's baseline).
 * 3. Each encoded batch is committed in one SQLite transaction, then added to the vector store;
 *    the ANN file is saved every `saveEverySec` and at the end. An aborted run (signal) stops
 *    after the batch being written, so nothing is lost or written twice.
 *
 * A file that cannot be probed, or none of whose windows decodes, is recorded as failed with the
 * reason; a window that fails in an otherwise readable file is skipped and noted on the video.
 */
import { DataError, VideoDecodeError, VideoReader, probeVideo, type VideoClip } from '../data/index.js';
import type { T2VLP } from '../model/index.js';
import { contentHash } from './content-hash.js';
import { encodeWindows } from './encode-windows.js';
import type { MomentIndex } from './moment-index.js';
import { scanLibrary, type LibraryFile } from './scan.js';
import { planWindows, type TimeWindow } from './windows.js';

export interface IndexProgress {
  phase: 'scanning' | 'indexing' | 'done' | 'stopped';
  /** Files in the library. */
  videos: number;
  /** Files to (re)index in this run, and those finished (indexed or failed). */
  toIndex: number;
  indexed: number;
  /** Windows encoded in this run. */
  windowsEncoded: number;
  /** Seconds of video covered by the windows encoded in this run (window lengths, overlap included). */
  secondsEncoded: number;
  removed: number;
  failed: { video: string; reason: string }[];
  current?: string;
  elapsedSec: number;
}

export interface IndexerOptions {
  model: T2VLP;
  /** Frames taken per second within a window (default 2). */
  fps?: number;
  /** Windows per forward pass (default 8). */
  batchSize?: number;
  /** Windows decoded ahead of the model (default 2 × batchSize). */
  decodeAhead?: number;
  /** ffmpeg processes at once (default 2). */
  concurrency?: number;
  /** Decode while the model encodes (default true). */
  overlap?: boolean;
  /** Seconds between ANN saves while indexing (default 30). */
  saveEverySec?: number;
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Awaited before each forward pass (the service waits here while queries are queued). */
  beforeBatch?: () => Promise<void>;
}

interface Job {
  file: LibraryFile;
  videoId: number;
  fps: number;
  windows: TimeWindow[];
  /** Whole video in one window: sampled without a range, as the reference samples a video. */
  whole: boolean;
  remaining: number;
  ok: number;
  errors: string[];
}

interface Task {
  job: Job;
  window: TimeWindow;
  clip: Promise<VideoClip | Error>;
}

const isDecodeFailure = (e: unknown) =>
  e instanceof VideoDecodeError ||
  (e instanceof DataError && ['VIDEO_OPEN', 'VIDEO_EMPTY', 'TRUNCATED', 'ENOENT'].includes(e.code));

/**
 * The reference's whole-second range (start_time/end_time take seconds start..end inclusive)
 * that covers the window [start, end) and nothing after it.
 */
export function referenceRange(w: TimeWindow): { startSec: number; endSec: number } {
  return { startSec: w.start, endSec: Math.max(w.start, Math.ceil(w.end) - 1) };
}

export async function indexLibrary(index: MomentIndex, o: IndexerOptions): Promise<IndexProgress> {
  const started = Date.now();
  const { catalog, vectors } = index;
  const batchSize = o.batchSize ?? 8;
  const ahead = Math.max(batchSize, o.decodeAhead ?? 2 * batchSize);
  const overlap = o.overlap ?? true;
  const p: IndexProgress = {
    phase: 'scanning',
    videos: 0,
    toIndex: 0,
    indexed: 0,
    windowsEncoded: 0,
    secondsEncoded: 0,
    removed: 0,
    failed: [],
    elapsedSec: 0,
  };
  const report = () => {
    p.elapsedSec = (Date.now() - started) / 1000;
    o.onProgress?.({ ...p, failed: [...p.failed] });
  };
  report();

  // 1. What changed.
  const files = await scanLibrary(index.root, { exclude: index.dir });
  p.videos = files.length;
  const present = new Set(files.map((f) => f.path));
  for (const row of catalog.videos())
    if (!present.has(row.path)) {
      vectors.remove(catalog.windowsOf(row.id).map((w) => w.id));
      catalog.removeVideo(row.id);
      p.removed++;
    }
  const todo: LibraryFile[] = [];
  for (const f of files) {
    const row = catalog.video(f.path);
    if (row && row.size === f.size && row.mtime_ms === f.mtimeMs) {
      if (row.state === 'indexing') todo.push(f);
      else if (row.state === 'failed') p.failed.push({ video: f.path, reason: row.error ?? 'unknown error' });
      continue;
    }
    if (row?.state === 'done' && row.size === f.size) {
      const hash = await contentHash(f.absPath).catch(() => undefined);
      if (hash && hash === row.hash) {
        catalog.touchVideo(row.id, f.size, f.mtimeMs);
        continue;
      }
    }
    todo.push(f);
  }
  p.toIndex = todo.length;
  p.phase = 'indexing';
  report();

  const reader = new VideoReader({
    maxFrames: o.model.config.numFrames,
    imageSize: o.model.config.imageResolution,
    featureFramerate: o.fps ?? 2,
    concurrency: o.concurrency ?? 2,
    // ffmpeg writes frames to a file, so it keeps decoding while this thread runs the model.
    spool: true,
  });
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  o.signal?.addEventListener('abort', onAbort);

  const dropWindows = (path: string) => {
    const row = catalog.video(path);
    if (row) vectors.remove(catalog.windowsOf(row.id).map((w) => w.id));
  };
  const fail = (f: LibraryFile, why: string, hash?: string) => {
    const reason = why.split(f.absPath).join(f.path);
    dropWindows(f.path);
    catalog.failVideo({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, hash }, reason);
    p.failed.push({ video: f.path, reason });
    p.indexed++;
  };

  // Jobs: hash, probe, plan and open (or resume) each file, lazily as the pipeline needs them.
  async function* jobs(): AsyncGenerator<Job> {
    for (const f of todo) {
      if (abort.signal.aborted) return;
      p.current = f.path;
      let hash: string | undefined;
      try {
        hash = await contentHash(f.absPath);
        const probe = await probeVideo(f.absPath, abort.signal);
        if (!(probe.durationSec > 0) || !(probe.fps > 0))
          throw new VideoDecodeError('VIDEO_EMPTY', `'${f.path}' reports no duration or frame rate`);
        const windows = planWindows(probe.durationSec, index.identity.windows);
        const row = catalog.video(f.path);
        let videoId: number;
        let done = new Set<number>();
        if (row && row.state === 'indexing' && row.size === f.size && row.mtime_ms === f.mtimeMs && row.hash === hash) {
          videoId = row.id;
          done = catalog.windowStarts(row.id);
        } else {
          dropWindows(f.path);
          videoId = catalog.beginVideo({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, hash, duration: probe.durationSec, planned: windows.length });
        }
        const left = windows.filter((w) => !done.has(w.start));
        const job: Job = { file: f, videoId, fps: probe.fps, windows: left, whole: windows.length === 1, remaining: left.length, ok: done.size, errors: [] };
        if (!left.length) {
          catalog.finishVideo(videoId);
          p.indexed++;
          continue;
        }
        yield job;
      } catch (e) {
        if (abort.signal.aborted) return;
        if (!isDecodeFailure(e) && !(e instanceof Error && 'code' in e && (e as NodeJS.ErrnoException).code === 'ENOENT')) throw e;
        fail(f, (e as Error).message, hash);
        report();
      }
    }
  }

  const decode = (job: Job, w: TimeWindow): Promise<VideoClip | Error> =>
    reader
      .read(job.whole ? job.file.absPath : { kind: 'file', path: job.file.absPath, ...referenceRange(w) }, { signal: abort.signal })
      .catch((e: unknown) => {
        if (isDecodeFailure(e) || abort.signal.aborted) return e as Error;
        throw e;
      });

  // 2. The pipeline.
  const source = jobs();
  let pendingJob: Job | undefined;
  let nextWindow = 0;
  let exhausted = false;
  const queue: Task[] = [];
  const launch = async (upTo: number) => {
    while (queue.length < upTo && !exhausted && !abort.signal.aborted) {
      if (!pendingJob || nextWindow >= pendingJob.windows.length) {
        const n = await source.next();
        if (n.done) {
          exhausted = true;
          break;
        }
        pendingJob = n.value;
        nextWindow = 0;
      }
      const w = pendingJob.windows[nextWindow++]!;
      const t: Task = { job: pendingJob, window: w, clip: decode(pendingJob, w) };
      t.clip.catch(() => undefined);
      queue.push(t);
    }
  };

  let lastSave = Date.now();
  try {
    for (;;) {
      await launch(overlap ? ahead : batchSize);
      if (!queue.length) break;
      const batch = queue.splice(0, batchSize);
      const clips = await Promise.all(batch.map((t) => t.clip));
      if (abort.signal.aborted) break;
      // Decode the next windows while this batch is encoded.
      if (overlap) await launch(ahead);
      await o.beforeBatch?.();
      const good = batch.map((t, i) => ({ t, clip: clips[i]! })).filter((x): x is { t: Task; clip: VideoClip } => !(x.clip instanceof Error));
      batch.forEach((t, i) => {
        const c = clips[i];
        if (c instanceof Error) t.job.errors.push(`${t.window.start}-${t.window.end} s: ${c.message}`);
      });
      const enc = encodeWindows(o.model, good.map((g) => g.clip));
      // Commit per video, in one transaction each; a batch holds at most a few videos.
      const byVideo = new Map<Job, number[]>();
      good.forEach((g, i) => byVideo.set(g.t.job, [...(byVideo.get(g.t.job) ?? []), i]));
      for (const [job, idx] of byVideo) {
        const rows = idx.map((i) => {
          const { t, clip } = good[i]!;
          return {
            start: t.window.start,
            end: t.window.end,
            embedding: enc[i]!.embedding,
            frames: enc[i]!.frames,
            frameTimes: clip.frameIndices.map((fi) => Math.round((fi / job.fps) * 1000) / 1000),
          };
        });
        const ids = catalog.addWindows(job.videoId, rows);
        const flat = new Float32Array(ids.length * vectors.dim);
        rows.forEach((r, i) => flat.set(r.embedding, i * vectors.dim));
        vectors.add(ids, flat);
        job.ok += ids.length;
        p.windowsEncoded += ids.length;
        p.secondsEncoded += rows.reduce((s, r) => s + (r.end - r.start), 0);
      }
      for (const t of batch) {
        t.job.remaining--;
        if (t.job.remaining === 0) {
          if (t.job.ok === 0) fail(t.job.file, `no window could be decoded: ${t.job.errors[0] ?? 'unknown error'}`, undefined);
          else {
            catalog.finishVideo(t.job.videoId, t.job.errors.length ? `${t.job.errors.length} window(s) skipped: ${t.job.errors[0]}` : undefined);
            p.indexed++;
          }
        }
      }
      report();
      if (Date.now() - lastSave > (o.saveEverySec ?? 30) * 1000) {
        await index.save();
        lastSave = Date.now();
      }
      // Let the event loop run (HTTP requests, progress) between forward passes.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    abort.abort();
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(queue.map((t) => t.clip));
    await source.return(undefined);
    await index.save();
  }
  p.current = undefined;
  p.phase = o.signal?.aborted ? 'stopped' : 'done';
  report();
  return p;
}

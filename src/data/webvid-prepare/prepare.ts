// `prepareWebvid`: WebVid CSVs + a folder of clips -> the TFRecord shards, index and caption
// JSON that the WebVid reader trains on (docs/DATA.md §3.5, §4.1), like frozen_tfrecord.py after
// its download step. Clips are decoded `concurrency` at a time, but consumed in CSV order, so
// the bytes written do not depend on the concurrency. A clip that is missing, does not decode or
// is too short is skipped and listed in skipped.tsv. Shards become visible only when complete
// and each finished shard is recorded (state.ts), so a killed run, rerun with the same options,
// continues after its last finished shard and ends with the same bytes as an uninterrupted run.
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataAbortError, DataError, DataOptionError, throwIfAborted } from '../errors.js';
import { Limiter } from '../limiter.js';
import { webvidShardName, WebvidShardWriter } from '../tfrecord/webvid-shards.js';
import { ClipTooShortError, extractWebvidFrames } from './extract-frames.js';
import { writeOutputs, WEBVID_CAPTIONS_FILE, SKIPPED_FILE } from './outputs.js';
import { PrepareState, type PrepareSettings, type SkippedClip, type SkipReason } from './state.js';
import { readWebvidCsvs, type WebvidCsvRow } from './webvid-csv.js';

export interface PrepareWebvidOptions {
  /** WebVid metadata CSVs (results_2M_train.csv, results_2M_val.csv), read in this order. */
  csvPaths: readonly string[];
  /** Clips as `<clipsDir>/<page_dir>/<videoid>.mp4` or `<clipsDir>/<videoid>.mp4`. */
  clipsDir: string;
  outDir: string;
  /** Shard and index name (`path`: path-00000.tfrecord, path.index, as the reader expects). */
  name?: string;
  /** Frames per clip (12). */
  numFrames?: number;
  /** Examples per shard (1000). */
  shardSize?: number;
  /** Clips decoded at once (2). */
  concurrency?: number;
  /** Only the first N CSV rows (all files together). */
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (e: PrepareEvent) => void;
}

export interface PrepareCounts {
  /** CSV rows handled so far, resumed ones included. */
  rows: number;
  written: number;
  skipped: number;
}

export type PrepareEvent =
  | ({ kind: 'start'; resumedShards: number } & PrepareCounts)
  | ({ kind: 'clip' } & PrepareCounts)
  | ({ kind: 'skip'; clip: SkippedClip } & PrepareCounts)
  | ({ kind: 'shard'; shard: number; file: string; examples: number } & PrepareCounts);

export interface PrepareWebvidResult extends PrepareCounts {
  outDir: string;
  shards: number;
  /** Shards kept from an earlier, interrupted run. */
  resumedShards: number;
  /** The folder was already complete: nothing was done. */
  alreadyComplete: boolean;
  skippedByReason: Partial<Record<SkipReason, number>>;
  indexFile: string;
  captionsFile: string;
  skippedFile: string;
}

const isFile = (p: string) =>
  stat(p).then(
    (st) => st.isFile(),
    () => false,
  );

function check(ok: boolean, msg: string): void {
  if (!ok) throw new DataOptionError('BAD_OPTION', `prepareWebvid: ${msg}`);
}

async function validate(o: PrepareWebvidOptions): Promise<PrepareSettings> {
  const posInt = (v: number | undefined, what: string) =>
    check(
      v === undefined || (Number.isInteger(v) && v >= 1),
      `${what} must be an integer >= 1, got ${v}`,
    );
  posInt(o.numFrames, 'numFrames');
  posInt(o.shardSize, 'shardSize');
  posInt(o.concurrency, 'concurrency');
  posInt(o.limit, 'limit');
  check(o.csvPaths.length > 0, 'give at least one WebVid CSV (results_2M_train.csv)');
  const name = o.name ?? 'path';
  check(
    /^[\w.-]+$/.test(name) && !name.startsWith('.'),
    `name must be a plain file name, got '${name}'`,
  );
  for (const p of o.csvPaths) check(await isFile(p), `CSV file '${p}' does not exist`);
  const isDir = await stat(o.clipsDir).then(
    (st) => st.isDirectory(),
    () => false,
  );
  check(isDir, `clips folder '${o.clipsDir}' does not exist`);
  return {
    version: 1,
    csv: o.csvPaths.map((p) => resolve(p)),
    clipsDir: resolve(o.clipsDir),
    name,
    numFrames: o.numFrames ?? 12,
    shardSize: o.shardSize ?? 1000,
    limit: o.limit ?? null,
  };
}

interface Outcome {
  row: WebvidCsvRow;
  bgr?: Uint8Array;
  skip?: SkippedClip;
}

function skipReason(err: unknown): SkipReason | undefined {
  if (err instanceof ClipTooShortError) return 'too-short';
  if (!(err instanceof DataError)) return undefined;
  if (err.code === 'ENOENT') return 'missing';
  if (err.code === 'VIDEO_EMPTY' || err.code === 'VIDEO_OPEN') return 'undecodable';
  return undefined;
}

/** Decodes one row's clip; decoding failures become skips, anything else (abort, no ffmpeg) throws. */
async function processRow(
  row: WebvidCsvRow,
  s: PrepareSettings,
  signal: AbortSignal,
): Promise<Outcome> {
  const skip = (reason: SkipReason, message: string): Outcome => ({
    row,
    skip: { videoId: row.videoId, csv: row.file, line: row.line, reason, message },
  });
  if (row.problem) return skip('bad-row', row.problem);
  const tried = [
    ...(row.pageDir ? [join(s.clipsDir, row.pageDir, `${row.videoId}.mp4`)] : []),
    join(s.clipsDir, `${row.videoId}.mp4`),
  ];
  let path: string | undefined;
  for (const p of tried) if (!path && (await isFile(p))) path = p;
  if (!path) return skip('missing', `no clip at ${tried.map((p) => `'${p}'`).join(' or ')}`);
  try {
    return { row, bgr: await extractWebvidFrames(path, { numFrames: s.numFrames, signal }) };
  } catch (err) {
    const reason = skipReason(err);
    if (!reason || signal.aborted) throw err;
    return skip(reason, (err as Error).message.replace(/^\w+: /, ''));
  }
}

export async function prepareWebvid(o: PrepareWebvidOptions): Promise<PrepareWebvidResult> {
  const s = await validate(o);
  const outDir = resolve(o.outDir);
  await mkdir(outDir, { recursive: true });
  const state = await PrepareState.open(outDir, s);
  const files = {
    indexFile: join(outDir, `${s.name}.index`),
    captionsFile: join(outDir, WEBVID_CAPTIONS_FILE),
    skippedFile: join(outDir, SKIPPED_FILE),
  };
  const emit = o.onProgress ?? (() => {});
  const done = await state.done();
  if (done) {
    return {
      outDir,
      ...files,
      shards: done.shards,
      rows: 0,
      written: done.written,
      skipped: done.skipped,
      resumedShards: done.shards,
      alreadyComplete: true,
      skippedByReason: {},
    };
  }
  const kept = await state.finishedShards();
  const resumeRow = kept.at(-1)?.rowsEnd ?? 0;
  const counts: PrepareCounts = {
    rows: resumeRow,
    written: kept.reduce((n, k) => n + k.examples, 0),
    skipped: kept.reduce((n, k) => n + k.skipped, 0),
  };
  emit({ kind: 'start', resumedShards: kept.length, ...counts });

  // One controller for this run's decoders: the caller's abort or our own failure stops them all.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const limiter = new Limiter(o.concurrency ?? 2);
  const window: Promise<Outcome>[] = [];
  const trailing: SkippedClip[] = [];
  let shard = kept.length;
  let writer: WebvidShardWriter | undefined;
  let examples: [string, string, number][] = [];

  const finishShard = async (rowsEnd: number) => {
    const w = writer!;
    await w.close();
    writer = undefined;
    await state.writeShard({
      shard,
      file: webvidShardName(s.name, shard),
      bytes: w.bytes,
      rowsEnd,
      examples,
      skipped: trailing.splice(0),
    });
    emit({ kind: 'shard', shard, file: w.path, examples: examples.length, ...counts });
    shard++;
    examples = [];
  };
  const consume = async (out: Outcome) => {
    throwIfAborted(ctl.signal, 'prepareWebvid');
    counts.rows = out.row.ordinal + 1;
    if (out.skip) {
      counts.skipped++;
      trailing.push(out.skip);
      emit({ kind: 'skip', clip: out.skip, ...counts });
    } else {
      writer ??= await WebvidShardWriter.open(join(outDir, webvidShardName(s.name, shard)));
      examples.push([out.row.videoId, out.row.caption, await writer.append(out.bgr!)]);
      counts.written++;
      emit({ kind: 'clip', ...counts });
      if (examples.length === s.shardSize) await finishShard(out.row.ordinal + 1);
    }
  };

  try {
    const rows = readWebvidCsvs(s.csv, { limit: s.limit ?? undefined, signal: ctl.signal });
    for await (const row of rows) {
      if (row.ordinal < resumeRow) continue;
      const p = limiter.run(() => processRow(row, s, ctl.signal));
      p.catch(() => {}); // awaited in order below; this only keeps an early failure from being unhandled
      window.push(p);
      if (window.length >= 2 * limiter.concurrency) await consume(await window.shift()!);
    }
    while (window.length) await consume(await window.shift()!);
    if (examples.length) await finishShard(counts.rows);
  } catch (err) {
    ctl.abort(err);
    await Promise.allSettled(window);
    await writer?.abort();
    if (o.signal?.aborted && !(err instanceof DataAbortError))
      throw new DataAbortError('prepareWebvid', { cause: err });
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  const totals = await writeOutputs(state, shard, trailing, files);
  await state.markDone({ shards: shard, written: totals.written, skipped: totals.skipped.length });
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const c of totals.skipped) skippedByReason[c.reason] = (skippedByReason[c.reason] ?? 0) + 1;
  return {
    outDir,
    ...files,
    shards: shard,
    rows: counts.rows,
    written: totals.written,
    skipped: totals.skipped.length,
    resumedShards: kept.length,
    alreadyComplete: false,
    skippedByReason,
  };
}

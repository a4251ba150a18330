// What makes `prepare-webvid` resumable: a folder `.prepare-webvid/` inside the output with the
// settings the shards were made with, one record per finished shard (written after the shard
// was renamed into place: its examples, the clips skipped before it, and the CSV row it ends
// at), and `done.json` once the index and annotation files are written. A rerun keeps the
// finished shards whose files are intact, drops anything after the first gap, and continues
// from the row the last kept shard ends at; with `done.json` there is nothing left to do.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { webvidShardName } from '../tfrecord/webvid-shards.js';

export const STATE_DIR = '.prepare-webvid';

export type SkipReason = 'missing' | 'undecodable' | 'too-short' | 'bad-row';

export interface SkippedClip {
  videoId: string;
  csv: string;
  line: number;
  reason: SkipReason;
  message: string;
}

/** Everything that decides the bytes of the output; a rerun must match it. */
export interface PrepareSettings {
  version: 1;
  csv: string[];
  clipsDir: string;
  name: string;
  numFrames: number;
  shardSize: number;
  limit: number | null;
}

export interface ShardRecord {
  shard: number;
  file: string;
  bytes: number;
  /** Ordinal of the first CSV row after this shard's last example. */
  rowsEnd: number;
  /** [videoId, caption, byte offset] per example, in shard order. */
  examples: [string, string, number][];
  /** Clips skipped since the previous shard. */
  skipped: SkippedClip[];
}

export interface DoneRecord {
  shards: number;
  written: number;
  skipped: number;
}

/** Writes a file whole or not at all (temp file + rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/**
 * A state file as a JSON object. They are written atomically, but a disk can still hand back
 * anything: a file that is not a JSON object is 'BAD_FORMAT' naming it, never a SyntaxError.
 */
async function readStateJson(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DataError(
      'BAD_FORMAT',
      `prepareWebvid: state file '${file}' is not valid JSON (${(err as Error).message}); delete it to redo that part`,
      { cause: err },
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DataError(
      'BAD_FORMAT',
      `prepareWebvid: state file '${file}' holds ${Array.isArray(v) ? 'an array' : String(v)}, expected a JSON object; delete it to redo that part`,
    );
  return v as Record<string, unknown>;
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

const recordName = (shard: number) => `shard-${String(shard).padStart(5, '0')}.json`;

function describeDiff(a: PrepareSettings, b: PrepareSettings): string {
  return (Object.keys(b) as (keyof PrepareSettings)[])
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} before, ${JSON.stringify(b[k])} now`)
    .join('; ');
}

export class PrepareState {
  private constructor(
    readonly outDir: string,
    readonly settings: PrepareSettings,
  ) {}

  private get dir(): string {
    return join(this.outDir, STATE_DIR);
  }

  /** Opens (or starts) the state of `outDir`; refuses a folder prepared with other settings. */
  static async open(outDir: string, settings: PrepareSettings): Promise<PrepareState> {
    const s = new PrepareState(outDir, settings);
    const file = join(s.dir, 'settings.json');
    if (existsSync(file)) {
      const before = (await readStateJson(file)) as unknown as PrepareSettings;
      const diff = describeDiff(before, settings);
      if (diff)
        throw new DataError(
          'DATASET_EXISTS',
          `prepareWebvid: '${outDir}' holds shards prepared with other settings (${diff}); use the same options to resume, or another output folder`,
        );
    } else {
      if (existsSync(join(outDir, `${settings.name}.index`)))
        throw new DataError(
          'DATASET_EXISTS',
          `prepareWebvid: '${outDir}' already holds '${settings.name}.index' that this command did not write; choose an empty output folder`,
        );
      await mkdir(s.dir, { recursive: true });
      await writeFileAtomic(file, JSON.stringify(settings, null, 1) + '\n');
    }
    return s;
  }

  async done(): Promise<DoneRecord | undefined> {
    const file = join(this.dir, 'done.json');
    if (!existsSync(file)) return undefined;
    const d = await readStateJson(file);
    if (!isCount(d.shards) || !isCount(d.written) || !isCount(d.skipped))
      throw new DataError(
        'BAD_FORMAT',
        `prepareWebvid: state file '${file}' lacks the counts shards, written, skipped; delete it to redo the index`,
      );
    return d as unknown as DoneRecord;
  }

  async markDone(d: DoneRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, 'done.json'), JSON.stringify(d) + '\n');
  }

  /**
   * The finished shards 0..k-1 whose files are intact (summaries only), after removing every
   * later record, shard and temp file, which a rerun writes again.
   */
  async finishedShards(): Promise<
    { shard: number; rowsEnd: number; examples: number; skipped: number }[]
  > {
    const kept: { shard: number; rowsEnd: number; examples: number; skipped: number }[] = [];
    for (let k = 0; ; k++) {
      const rec = await this.readShard(k).catch(() => undefined);
      const size = await stat(join(this.outDir, webvidShardName(this.settings.name, k)))
        .then((st) => st.size)
        .catch(() => -1);
      if (!rec || rec.bytes !== size) break;
      kept.push({
        shard: k,
        rowsEnd: rec.rowsEnd,
        examples: rec.examples.length,
        skipped: rec.skipped.length,
      });
    }
    const prefix = `${this.settings.name}-`;
    for (const f of await readdir(this.outDir)) {
      const m = /^(\d{5})\.tfrecord(\.tmp)?$/.exec(
        f.startsWith(prefix) ? f.slice(prefix.length) : '',
      );
      if (m && (m[2] || Number(m[1]) >= kept.length))
        await rm(join(this.outDir, f), { force: true });
    }
    for (const f of await readdir(this.dir)) {
      const m = /^shard-(\d{5})\.json(\.tmp)?$/.exec(f);
      if (m && (m[2] || Number(m[1]) >= kept.length)) await rm(join(this.dir, f), { force: true });
    }
    return kept;
  }

  async readShard(k: number): Promise<ShardRecord> {
    const file = join(this.dir, recordName(k));
    const r = await readStateJson(file);
    if (
      r.shard !== k ||
      typeof r.file !== 'string' ||
      !isCount(r.bytes) ||
      !isCount(r.rowsEnd) ||
      !Array.isArray(r.examples) ||
      !r.examples.every(
        (e) =>
          Array.isArray(e) &&
          e.length === 3 &&
          typeof e[0] === 'string' &&
          typeof e[1] === 'string' &&
          isCount(e[2]),
      ) ||
      !Array.isArray(r.skipped)
    )
      throw new DataError(
        'BAD_FORMAT',
        `prepareWebvid: state file '${file}' is not a record of shard ${k} (shard, bytes, rowsEnd, examples, skipped); delete it to redo that shard`,
      );
    return r as unknown as ShardRecord;
  }

  /** Records a shard whose file is already complete and in place. */
  async writeShard(rec: ShardRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, recordName(rec.shard)), JSON.stringify(rec));
  }
}

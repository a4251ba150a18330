/**
 * The index's metadata in SQLite (better-sqlite3, WAL mode): the model the index belongs to,
 * one row per library file (path, size, mtime, content hash, state, failure) and one per window
 * (start, end, the window's meanP embedding, its frames' embeddings and times). SQLite is the
 * source of truth: the ANN file is derived from it and reconciled on open (vector-store.ts).
 *
 * Crash safety: every change is one transaction, so a killed process leaves each video either
 * with the windows committed so far (state 'indexing', resumed at the next window) or finished.
 * A trigger records every deleted window id in `ann_removed` in the same transaction, so a
 * removal that had not reached the saved ANN file yet is replayed on the next open.
 */
import Database from 'better-sqlite3';
import { LibraryError } from './errors.js';

export const CATALOG_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  hash TEXT,
  duration REAL,
  state TEXT NOT NULL CHECK (state IN ('indexing', 'done', 'failed')),
  planned INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS windows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  video_id INTEGER NOT NULL REFERENCES videos(id),
  start REAL NOT NULL,
  end REAL NOT NULL,
  embedding BLOB NOT NULL,
  frames BLOB NOT NULL,
  frame_times TEXT NOT NULL,
  UNIQUE (video_id, start)
);
CREATE TABLE IF NOT EXISTS ann_removed (window_id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS windows_removed AFTER DELETE ON windows
  BEGIN INSERT OR IGNORE INTO ann_removed VALUES (old.id); END;
`;

export type VideoState = 'indexing' | 'done' | 'failed';

export interface VideoRow {
  id: number;
  path: string;
  size: number;
  mtime_ms: number;
  hash: string | null;
  duration: number | null;
  state: VideoState;
  planned: number;
  error: string | null;
}

export interface WindowRow {
  id: number;
  video_id: number;
  start: number;
  end: number;
}

export interface WindowDetail extends WindowRow {
  path: string;
  /** [n, E] L2-normalised frame embeddings. */
  frames: Float32Array;
  /** [n] seconds from the start of the video. */
  frameTimes: number[];
}

export interface NewWindow {
  start: number;
  end: number;
  /** [E], L2-normalised. */
  embedding: Float32Array;
  frames: Float32Array;
  frameTimes: number[];
}

const blob = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export class Catalog {
  readonly db: Database.Database;

  constructor(file: string, o: { readonly?: boolean } = {}) {
    try {
      this.db = new Database(file, { readonly: !!o.readonly, fileMustExist: !!o.readonly });
      if (!o.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.db.exec(SCHEMA);
      }
      this.db.pragma('busy_timeout = 5000');
    } catch (e) {
      throw new LibraryError(
        'INDEX_CORRUPT',
        `cannot open the index database '${file}': ${(e as Error).message}; delete the index folder to rebuild it`,
        { cause: e },
      );
    }
    const v = this.getMeta('catalog_version');
    if (v === undefined && !o.readonly) this.setMeta('catalog_version', String(CATALOG_VERSION));
    else if (v !== undefined && Number(v) !== CATALOG_VERSION)
      throw new LibraryError(
        'INDEX_CORRUPT',
        `index database '${file}' has format ${v}; this t2vlp reads format ${CATALOG_VERSION}. Delete the index folder to rebuild it`,
      );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  getMeta(key: string): string | undefined {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  videos(): VideoRow[] {
    return this.db.prepare('SELECT id, path, size, mtime_ms, hash, duration, state, planned, error FROM videos ORDER BY path').all() as VideoRow[];
  }

  video(path: string): VideoRow | undefined {
    return this.db.prepare('SELECT id, path, size, mtime_ms, hash, duration, state, planned, error FROM videos WHERE path = ?').get(path) as VideoRow | undefined;
  }

  /** Starts (or restarts, dropping its windows) indexing a file. */
  beginVideo(f: { path: string; size: number; mtimeMs: number; hash: string; duration: number; planned: number }): number {
    return this.db.transaction(() => {
      const old = this.video(f.path);
      if (old) this.db.prepare('DELETE FROM windows WHERE video_id = ?').run(old.id);
      const now = Date.now();
      if (old) {
        this.db
          .prepare("UPDATE videos SET size = ?, mtime_ms = ?, hash = ?, duration = ?, state = 'indexing', planned = ?, error = NULL, updated_ms = ? WHERE id = ?")
          .run(f.size, f.mtimeMs, f.hash, f.duration, f.planned, now, old.id);
        return old.id;
      }
      const r = this.db
        .prepare("INSERT INTO videos (path, size, mtime_ms, hash, duration, state, planned, updated_ms) VALUES (?, ?, ?, ?, ?, 'indexing', ?, ?)")
        .run(f.path, f.size, f.mtimeMs, f.hash, f.duration, f.planned, now);
      return Number(r.lastInsertRowid);
    })();
  }

  /** Windows of one video already committed (start times), for resuming. */
  windowStarts(videoId: number): Set<number> {
    const rows = this.db.prepare('SELECT start FROM windows WHERE video_id = ?').all(videoId) as { start: number }[];
    return new Set(rows.map((r) => r.start));
  }

  /** Commits windows of one video in one transaction; returns their ids (the ANN keys). */
  addWindows(videoId: number, ws: readonly NewWindow[]): number[] {
    const ins = this.db.prepare('INSERT INTO windows (video_id, start, end, embedding, frames, frame_times) VALUES (?, ?, ?, ?, ?, ?)');
    return this.db.transaction(() =>
      ws.map((w) => Number(ins.run(videoId, w.start, w.end, blob(w.embedding), blob(w.frames), JSON.stringify(w.frameTimes)).lastInsertRowid)),
    )();
  }

  finishVideo(videoId: number, error?: string): void {
    this.db.prepare("UPDATE videos SET state = 'done', error = ?, updated_ms = ? WHERE id = ?").run(error ?? null, Date.now(), videoId);
  }

  /** Records a file that cannot be indexed (kept until its size or mtime changes); drops its windows. */
  failVideo(f: { path: string; size: number; mtimeMs: number; hash?: string | null }, error: string): void {
    this.db.transaction(() => {
      const old = this.video(f.path);
      if (old) this.db.prepare('DELETE FROM windows WHERE video_id = ?').run(old.id);
      this.db
        .prepare(
          `INSERT INTO videos (path, size, mtime_ms, hash, state, planned, error, updated_ms) VALUES (?, ?, ?, ?, 'failed', 0, ?, ?)
           ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, hash = excluded.hash,
             duration = NULL, state = 'failed', planned = 0, error = excluded.error, updated_ms = excluded.updated_ms`,
        )
        .run(f.path, f.size, f.mtimeMs, f.hash ?? null, error, Date.now());
    })();
  }

  /** A touched file with unchanged content: new size/mtime, same windows. */
  touchVideo(videoId: number, size: number, mtimeMs: number): void {
    this.db.prepare('UPDATE videos SET size = ?, mtime_ms = ?, updated_ms = ? WHERE id = ?').run(size, mtimeMs, Date.now(), videoId);
  }

  /** A file gone from the library: its row and windows go. */
  removeVideo(videoId: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM windows WHERE video_id = ?').run(videoId);
      this.db.prepare('DELETE FROM videos WHERE id = ?').run(videoId);
    })();
  }

  /** Every window's id and embedding, in id order (loading the vector store). */
  *embeddings(): Generator<{ id: number; embedding: Float32Array }> {
    for (const r of this.db.prepare('SELECT id, embedding FROM windows ORDER BY id').iterate() as Iterable<{ id: number; embedding: Buffer }>)
      yield { id: r.id, embedding: floats(r.embedding) };
  }

  windowDetail(id: number): WindowDetail | undefined {
    const r = this.db
      .prepare('SELECT w.id, w.video_id, w.start, w.end, w.frames, w.frame_times, v.path FROM windows w JOIN videos v ON v.id = w.video_id WHERE w.id = ?')
      .get(id) as (WindowRow & { frames: Buffer; frame_times: string; path: string }) | undefined;
    if (!r) return undefined;
    return { id: r.id, video_id: r.video_id, start: r.start, end: r.end, path: r.path, frames: floats(r.frames), frameTimes: JSON.parse(r.frame_times) as number[] };
  }

  windowsOf(videoId: number): WindowRow[] {
    return this.db.prepare('SELECT id, video_id, start, end FROM windows WHERE video_id = ? ORDER BY start').all(videoId) as WindowRow[];
  }

  removedWindowIds(): number[] {
    return (this.db.prepare('SELECT window_id FROM ann_removed').all() as { window_id: number }[]).map((r) => r.window_id);
  }

  clearRemoved(ids: readonly number[]): void {
    const del = this.db.prepare('DELETE FROM ann_removed WHERE window_id = ?');
    this.db.transaction(() => ids.forEach((id) => del.run(id)))();
  }

  counts(): { videos: number; done: number; failed: number; windows: number } {
    const v = this.db
      .prepare("SELECT COUNT(*) AS videos, SUM(state = 'done') AS done, SUM(state = 'failed') AS failed FROM videos")
      .get() as { videos: number; done: number | null; failed: number | null };
    const w = this.db.prepare('SELECT COUNT(*) AS n FROM windows').get() as { n: number };
    return { videos: v.videos, done: v.done ?? 0, failed: v.failed ?? 0, windows: w.n };
  }
}

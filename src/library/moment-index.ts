/**
 * One index folder: `catalog.sqlite` (catalog.ts), `vectors.usearch` (vector-store.ts),
 * `thumbs/` (the service's thumbnail cache) and a `lock` file naming the process that writes it.
 * Opening checks that the index belongs to the same model and windowing as the caller (an index
 * never mixes embeddings of two checkpoints) and repairs the ANN graph from the catalog.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Catalog } from './catalog.js';
import { LibraryError } from './errors.js';
import { VectorStore, type VectorStoreOptions } from './vector-store.js';
import { validateWindows, type WindowOptions } from './windows.js';

/** What the index was built with; every field must match to reuse it. */
export interface IndexIdentity {
  /** Content hash of the checkpoint (content-hash.ts). */
  modelHash: string;
  /** For messages: the checkpoint's path when the index was made. */
  modelName: string;
  /** Embedding size. */
  dim: number;
  /** Sampling: frames per second taken and frames per window. */
  fps: number;
  frames: number;
  windows: WindowOptions;
}

export interface OpenIndexOptions extends VectorStoreOptions {
  /** Library root. */
  root: string;
  /** Index folder (default `<root>/.t2vlp-index`). */
  indexDir?: string;
  identity: IndexIdentity;
  /** Open for reading only: no lock, no writes (default false). */
  readonly?: boolean;
}

export const DEFAULT_INDEX_DIRNAME = '.t2vlp-index';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class MomentIndex {
  private closed = false;

  private constructor(
    readonly root: string,
    readonly dir: string,
    readonly catalog: Catalog,
    readonly vectors: VectorStore,
    readonly identity: IndexIdentity,
    private readonly lockFile: string | undefined,
    readonly readonly: boolean,
  ) {}

  get annFile(): string {
    return join(this.dir, 'vectors.usearch');
  }

  get thumbsDir(): string {
    return join(this.dir, 'thumbs');
  }

  static open(o: OpenIndexOptions): MomentIndex {
    const root = resolve(o.root);
    const dir = resolve(o.indexDir ?? join(root, DEFAULT_INDEX_DIRNAME));
    const id = { ...o.identity, windows: validateWindows(o.identity.windows) };
    mkdirSync(dir, { recursive: true });
    const lockFile = o.readonly ? undefined : join(dir, 'lock');
    if (lockFile) takeLock(lockFile, dir);
    let catalog: Catalog | undefined;
    try {
      catalog = new Catalog(join(dir, 'catalog.sqlite'), { readonly: o.readonly });
      checkIdentity(catalog, id, dir, !!o.readonly);
      const vectors = new VectorStore(id.dim, o);
      const idx = new MomentIndex(root, dir, catalog, vectors, id, lockFile, !!o.readonly);
      vectors.load(idx.annFile, catalog.embeddings(), catalog.removedWindowIds());
      return idx;
    } catch (e) {
      catalog?.close();
      if (lockFile) rmSync(lockFile, { force: true });
      throw e;
    }
  }

  /** Saves the ANN graph when it changed, then forgets the removals it now reflects. */
  async save(): Promise<void> {
    if (this.closed || this.readonly) return;
    const removed = this.catalog.removedWindowIds();
    if (this.vectors.unsaved || removed.length) await this.vectors.save(this.annFile);
    if (removed.length) this.catalog.clearRemoved(removed);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.save();
    this.closed = true;
    this.catalog.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

function takeLock(lockFile: string, dir: string): void {
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && pidAlive(holder))
    throw new LibraryError(
      'INDEX_LOCKED',
      `index '${dir}' is in use by process ${holder} (another 't2vlp serve' or 't2vlp index'); stop it or pass another --index folder`,
    );
  writeFileSync(lockFile, String(process.pid));
}

function checkIdentity(catalog: Catalog, id: IndexIdentity, dir: string, readonly: boolean): void {
  const saved = catalog.getMeta('identity');
  if (saved === undefined) {
    if (readonly) throw new LibraryError('NOT_FOUND', `index '${dir}' is empty (no model recorded yet)`);
    catalog.setMeta('identity', JSON.stringify(id));
    return;
  }
  const s = JSON.parse(saved) as IndexIdentity;
  if (s.modelHash !== id.modelHash || s.dim !== id.dim)
    throw new LibraryError(
      'MODEL_MISMATCH',
      `index '${dir}' was built with checkpoint '${s.modelName}' (${s.modelHash.slice(0, 12)}…); this run uses '${id.modelName}' (${id.modelHash.slice(0, 12)}…). ` +
        `An index never mixes models: pass another --index folder, or delete '${dir}' to rebuild it`,
    );
  const differ: string[] = [];
  if (s.fps !== id.fps) differ.push(`fps ${s.fps} vs ${id.fps}`);
  if (s.frames !== id.frames) differ.push(`frames ${s.frames} vs ${id.frames}`);
  if (s.windows.windowSec !== id.windows.windowSec) differ.push(`window ${s.windows.windowSec} s vs ${id.windows.windowSec} s`);
  if (s.windows.strideSec !== id.windows.strideSec) differ.push(`stride ${s.windows.strideSec} s vs ${id.windows.strideSec} s`);
  if (differ.length)
    throw new LibraryError(
      'MODEL_MISMATCH',
      `index '${dir}' was built with other sampling (${differ.join(', ')}); use the same options, another --index folder, or delete '${dir}' to rebuild it`,
    );
}

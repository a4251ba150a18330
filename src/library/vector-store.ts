/**
 * The window embeddings, searchable: an in-memory matrix (exact inner-product search, and the
 * source for similar-moment queries) plus a usearch HNSW graph persisted in the index folder.
 * Below `exactBelow` vectors (default 4096) a query scans the matrix exactly (usearch's
 * exactSearch, a few ms); above it the HNSW graph answers (recall@10 ≥ 0.98 on clustered data,
 * bench/serve.bench.ts). Vectors are L2-normalised, so the inner product is the cosine and
 * usearch's 'ip' distance is 1 − cosine.
 *
 * The ANN file is derived from SQLite: it is written atomically (temporary file + rename) now
 * and then, and on open it is reconciled with the catalog, adding windows it lacks and removing
 * those the catalog deleted since (catalog.ts `ann_removed`), so a kill -9 between a commit and
 * a save loses nothing. A missing or unreadable file is rebuilt from the catalog.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import usearch from 'usearch';
import { LibraryError } from './errors.js';

export interface VectorStoreOptions {
  /** Exact search below this many vectors (default 4096). */
  exactBelow?: number;
  /** HNSW graph degree (usearch connectivity, default 16). */
  connectivity?: number;
  /** Candidates kept while inserting (default 128). */
  expansionAdd?: number;
  /** Candidates kept while searching (default 64). */
  expansionSearch?: number;
  /** Threads usearch may use for batch adds (default 1). */
  threads?: number;
}

export interface VectorMatch {
  key: number;
  /** Inner product with the query (cosine for unit vectors). */
  dot: number;
}

export class VectorStore {
  readonly exactBelow: number;
  private matrix: Float32Array;
  private keys: number[] = [];
  private rowOf = new Map<number, number>();
  private ann: InstanceType<typeof usearch.Index>;
  private dirty = false;

  constructor(
    readonly dim: number,
    private readonly o: VectorStoreOptions = {},
  ) {
    if (!(Number.isInteger(dim) && dim >= 1)) throw new LibraryError('BAD_OPTION', `vector size must be an integer >= 1; got ${dim}`);
    this.exactBelow = o.exactBelow ?? 4096;
    this.matrix = new Float32Array(dim * 1024);
    this.ann = this.newAnn();
  }

  private newAnn() {
    return new usearch.Index({
      dimensions: this.dim,
      metric: usearch.MetricKind.IP,
      quantization: usearch.ScalarKind.F32,
      connectivity: this.o.connectivity ?? 16,
      expansion_add: this.o.expansionAdd ?? 128,
      expansion_search: this.o.expansionSearch ?? 64,
      multi: false,
    });
  }

  get size(): number {
    return this.keys.length;
  }

  /** True when the HNSW graph has changes not saved yet. */
  get unsaved(): boolean {
    return this.dirty;
  }

  has(key: number): boolean {
    return this.rowOf.has(key);
  }

  vector(key: number): Float32Array | undefined {
    const r = this.rowOf.get(key);
    return r === undefined ? undefined : this.matrix.slice(r * this.dim, (r + 1) * this.dim);
  }

  /** Adds to the matrix only (loading from the catalog); `syncAnn` then fills the graph. */
  private addRows(keys: readonly number[], vectors: Float32Array): void {
    const d = this.dim;
    if (vectors.length !== keys.length * d)
      throw new LibraryError('BAD_OPTION', `expected ${keys.length} vectors of ${d} values; got ${vectors.length} values`);
    const need = (this.keys.length + keys.length) * d;
    if (need > this.matrix.length) {
      const grown = new Float32Array(Math.max(need, this.matrix.length * 2));
      grown.set(this.matrix.subarray(0, this.keys.length * d));
      this.matrix = grown;
    }
    keys.forEach((k, i) => {
      if (this.rowOf.has(k)) throw new LibraryError('INDEX_CORRUPT', `vector ${k} added twice`);
      this.rowOf.set(k, this.keys.length);
      this.matrix.set(vectors.subarray(i * d, (i + 1) * d), this.keys.length * d);
      this.keys.push(k);
    });
  }

  add(keys: readonly number[], vectors: Float32Array): void {
    if (!keys.length) return;
    this.addRows(keys, vectors);
    this.ann.add(BigUint64Array.from(keys, BigInt), vectors, this.o.threads ?? 1);
    this.dirty = true;
  }

  remove(keys: readonly number[]): void {
    const d = this.dim;
    for (const k of keys) {
      const r = this.rowOf.get(k);
      if (r === undefined) continue;
      const last = this.keys.length - 1;
      if (r !== last) {
        const lk = this.keys[last]!;
        this.matrix.copyWithin(r * d, last * d, (last + 1) * d);
        this.keys[r] = lk;
        this.rowOf.set(lk, r);
      }
      this.keys.pop();
      this.rowOf.delete(k);
    }
    this.removeFromAnn(keys);
  }

  private removeFromAnn(keys: readonly number[]): void {
    const present = keys.filter((k) => this.ann.contains(BigInt(k)) === true);
    if (present.length) {
      this.ann.remove(BigUint64Array.from(present, BigInt));
      this.dirty = true;
    }
  }

  /**
   * Loads the catalog's vectors and the saved graph, then makes the graph match: missing keys are
   * added, `removed` keys dropped. Returns what was repaired.
   */
  load(
    annFile: string,
    rows: Iterable<{ id: number; embedding: Float32Array }>,
    removed: readonly number[],
  ): { added: number; removed: number; rebuilt: boolean } {
    const batchKeys: number[] = [];
    let batch = new Float32Array(1024 * this.dim);
    const flush = () => {
      this.addRows(batchKeys, batch.subarray(0, batchKeys.length * this.dim));
      batchKeys.length = 0;
    };
    for (const r of rows) {
      if (r.embedding.length !== this.dim)
        throw new LibraryError('INDEX_CORRUPT', `window ${r.id} has ${r.embedding.length} values; the index holds vectors of ${this.dim}`);
      batch.set(r.embedding, batchKeys.length * this.dim);
      batchKeys.push(r.id);
      if (batchKeys.length === 1024) flush();
    }
    flush();
    batch = new Float32Array(0);
    let rebuilt = false;
    if (existsSync(annFile)) {
      try {
        this.ann.load(annFile);
        if (this.ann.dimensions() !== this.dim) throw new Error(`graph of ${this.ann.dimensions()}-d vectors`);
      } catch {
        this.ann = this.newAnn();
        rebuilt = true;
      }
    } else rebuilt = this.keys.length > 0;
    const before = this.ann.size();
    this.removeFromAnn(removed);
    const removedCount = before - this.ann.size();
    const missing: number[] = [];
    for (const k of this.keys) if (this.ann.contains(BigInt(k)) !== true) missing.push(k);
    if (missing.length) {
      const m = new Float32Array(missing.length * this.dim);
      missing.forEach((k, i) => m.set(this.matrix.subarray(this.rowOf.get(k)! * this.dim, (this.rowOf.get(k)! + 1) * this.dim), i * this.dim));
      this.ann.add(BigUint64Array.from(missing, BigInt), m, this.o.threads ?? 1);
      this.dirty = true;
    }
    if (this.ann.size() !== this.keys.length) {
      // Keys in the graph that the catalog does not know (should not happen): rebuild it.
      this.ann = this.newAnn();
      if (this.keys.length)
        this.ann.add(BigUint64Array.from(this.keys, BigInt), this.matrix.subarray(0, this.keys.length * this.dim), this.o.threads ?? 1);
      this.dirty = true;
      rebuilt = true;
    }
    return { added: missing.length, removed: removedCount, rebuilt };
  }

  /** Writes the graph atomically. */
  async save(annFile: string): Promise<void> {
    const tmp = `${annFile}.${process.pid}.tmp`;
    try {
      this.ann.save(tmp);
      await rename(tmp, annFile);
      this.dirty = false;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The k nearest vectors (largest inner product), best first. `exact` forces a full scan. */
  search(query: Float32Array, k: number, o: { exact?: boolean } = {}): VectorMatch[] {
    const n = this.keys.length;
    if (!n || k < 1) return [];
    const kk = Math.min(k, n);
    if (o.exact || n < this.exactBelow) return this.exactSearch(query, kk);
    const m = this.ann.search(query, kk, 1);
    const out: VectorMatch[] = [];
    for (let i = 0; i < m.keys.length; i++) out.push({ key: Number(m.keys[i]), dot: 1 - m.distances[i]! });
    return out;
  }

  private exactSearch(query: Float32Array, k: number): VectorMatch[] {
    const n = this.keys.length;
    const m = usearch.exactSearch(this.matrix.subarray(0, n * this.dim), query, this.dim, k, usearch.MetricKind.IP) as InstanceType<typeof usearch.Matches>;
    const out: VectorMatch[] = [];
    for (let i = 0; i < m.keys.length; i++) out.push({ key: this.keys[Number(m.keys[i])]!, dot: 1 - m.distances[i]! });
    return out;
  }
}

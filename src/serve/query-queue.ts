/**
 * The one model behind all requests: text queries wait in a bounded queue and are encoded in
 * batches (every query waiting when the encoder runs, up to `maxBatch`), so concurrent clients
 * share forward passes instead of queueing one pass each. A full queue refuses at once with
 * BUSY (HTTP 503 + Retry-After) rather than growing a backlog. Encoding is synchronous
 * (libtorch on this thread); each batch is started from setImmediate so HTTP I/O runs between
 * batches and requests arriving meanwhile join the next one.
 */
import { ServeError } from './errors.js';

export interface QueryQueueOptions {
  /** Queries waiting or being encoded before new ones are refused (default 64). */
  maxPending?: number;
  /** Queries per forward pass (default 32). */
  maxBatch?: number;
}

interface Waiting {
  text: string;
  resolve: (v: Float32Array) => void;
  reject: (e: unknown) => void;
}

export class QueryQueue {
  readonly maxPending: number;
  readonly maxBatch: number;
  private waiting: Waiting[] = [];
  private running = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Forward passes run and queries encoded (for status and the bench). */
  readonly stats = { batches: 0, queries: 0, refused: 0 };

  constructor(
    private readonly encode: (texts: string[]) => Float32Array[],
    o: QueryQueueOptions = {},
  ) {
    this.maxPending = o.maxPending ?? 64;
    this.maxBatch = o.maxBatch ?? 32;
    if (!(Number.isInteger(this.maxPending) && this.maxPending >= 1)) throw new RangeError(`maxPending must be an integer >= 1; got ${this.maxPending}`);
    if (!(Number.isInteger(this.maxBatch) && this.maxBatch >= 1)) throw new RangeError(`maxBatch must be an integer >= 1; got ${this.maxBatch}`);
  }

  get pending(): number {
    return this.waiting.length + this.running;
  }

  /** The query's embedding; throws ServeError BUSY at once when the queue is full. */
  submit(text: string): Promise<Float32Array> {
    if (this.pending >= this.maxPending) {
      this.stats.refused++;
      throw new ServeError('BUSY', `the model is busy: ${this.pending} queries are waiting (limit ${this.maxPending}); retry shortly`, { retryAfterSec: 1 });
    }
    const p = new Promise<Float32Array>((resolve, reject) => this.waiting.push({ text, resolve, reject }));
    this.schedule();
    return p;
  }

  /** Resolves when no query is waiting (the indexer yields the model here). */
  idle(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runBatch();
    });
  }

  private runBatch(): void {
    const batch = this.waiting.splice(0, this.maxBatch);
    if (!batch.length) return;
    this.running = batch.length;
    try {
      const out = this.encode(batch.map((b) => b.text));
      batch.forEach((b, i) => b.resolve(out[i]!));
      this.stats.batches++;
      this.stats.queries += batch.length;
    } catch (e) {
      batch.forEach((b) => b.reject(e));
    } finally {
      this.running = 0;
    }
    if (this.waiting.length) this.schedule();
    else this.idleWaiters.splice(0).forEach((r) => r());
  }
}

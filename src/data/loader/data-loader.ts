// The batching loader: walks this rank's shard of an epoch (sampler.ts), loads items in
// parallel (at most `concurrency` at once) while keeping at most `prefetchBatches` batches of
// loaded items ahead of the consumer (back-pressure), and yields batches in a deterministic
// order. A sample that fails with a data error (corrupt or missing video, missing field,
// caption that tokenises to nothing) is skipped and counted with its reason, never replaced;
// the batch is filled from the next samples. The position (epoch, samples consumed) can be
// saved with each batch and restored to resume exactly where training stopped.
import { DataError, DataOptionError, throwIfAborted } from '../errors.js';
import { Limiter } from '../limiter.js';
import { Rng } from '../random.js';
import { shardOrder, validateShard, type ShardOptions } from './sampler.js';

export interface DataPosition {
  epoch: number;
  /** Positions of this rank's epoch order already consumed. */
  index: number;
}

export interface LoadContext {
  /** Index of the sample in the dataset. */
  sampleIndex: number;
  epoch: number;
  /** Seeded by (seed, epoch, sampleIndex): random choices for this read (caption draw, frame order). */
  rng: Rng;
  signal?: AbortSignal;
}

export interface LoaderOptions extends ShardOptions {
  batchSize: number;
  /** Drop a last partial batch (training: true, the default; evaluation: false). */
  dropLast?: boolean;
  /** Items loading at the same time (default 2). */
  concurrency?: number;
  /** Loaded batches kept ready ahead of the consumer (default 2). */
  prefetchBatches?: number;
  /** Skipped samples kept as examples in the report (default 20). */
  maxReportedExamples?: number;
}

export interface LoaderBatch<I> {
  items: I[];
  sampleIndices: number[];
  /** Where to resume after this batch. */
  position: DataPosition;
}

export interface SkipReport {
  skipped: number;
  byCode: Record<string, number>;
  examples: { sampleIndex: number; epoch: number; code: string; message: string }[];
}

export class DataLoader<S, I> {
  private pos: DataPosition = { epoch: 0, index: 0 };
  private readonly skips: SkipReport = { skipped: 0, byCode: {}, examples: [] };

  constructor(
    readonly samples: readonly S[],
    private readonly load: (sample: S, ctx: LoadContext) => Promise<I>,
    readonly options: LoaderOptions,
  ) {
    validateShard(options, 'DataLoader');
    if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
      throw new DataOptionError(
        'BAD_OPTION',
        `DataLoader: batchSize must be an integer >= 1, got ${options.batchSize}`,
      );
    }
  }

  /** Sample indices this rank reads in `epoch`. */
  order(epoch: number): number[] {
    return shardOrder(this.samples.length, epoch, this.options);
  }

  /** Batches of this rank per epoch (before skips). */
  get batchesPerEpoch(): number {
    const n = this.order(0).length;
    return this.options.dropLast === false
      ? Math.ceil(n / this.options.batchSize)
      : Math.floor(n / this.options.batchSize);
  }

  get position(): DataPosition {
    return { ...this.pos };
  }

  /** Resume from a saved position (the next `epoch()` call starts there). */
  restore(p: DataPosition): void {
    if (!(Number.isInteger(p.epoch) && p.epoch >= 0 && Number.isInteger(p.index) && p.index >= 0)) {
      throw new DataOptionError(
        'BAD_OPTION',
        `DataLoader.restore: bad position ${JSON.stringify(p)}`,
      );
    }
    this.pos = { ...p };
  }

  /** Skipped samples so far, by error code, with examples. */
  report(): SkipReport {
    return {
      skipped: this.skips.skipped,
      byCode: { ...this.skips.byCode },
      examples: [...this.skips.examples],
    };
  }

  /** A few lines for the end of a run. */
  formatReport(): string {
    const r = this.skips;
    if (!r.skipped) return 'data: no samples skipped';
    const codes = Object.entries(r.byCode)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    return [
      `data: skipped ${r.skipped} samples (${codes})`,
      ...r.examples.map((e) => `  #${e.sampleIndex} (epoch ${e.epoch}) ${e.code}: ${e.message}`),
    ].join('\n');
  }

  private skip(sampleIndex: number, epoch: number, err: DataError): void {
    this.skips.skipped++;
    this.skips.byCode[err.code] = (this.skips.byCode[err.code] ?? 0) + 1;
    if (this.skips.examples.length < (this.options.maxReportedExamples ?? 20)) {
      this.skips.examples.push({ sampleIndex, epoch, code: err.code, message: err.message });
    }
  }

  /**
   * Batches of the current epoch from the current position; afterwards the position moves to
   * the start of the next epoch. Pass `epoch` to start that epoch from its beginning instead.
   */
  async *epoch(
    opts: { epoch?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<LoaderBatch<I>> {
    if (opts.epoch !== undefined) this.pos = { epoch: opts.epoch, index: 0 };
    const { epoch } = this.pos;
    const order = this.order(epoch);
    const B = this.options.batchSize;
    const window = Math.max(1, (this.options.prefetchBatches ?? 2) * B);
    const limiter = new Limiter(this.options.concurrency ?? 2);
    const seed = this.options.seed ?? 0;
    // Stops this epoch's in-flight loads (and their ffmpeg processes) when the consumer leaves.
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    type Slot = {
      sampleIndex: number;
      result: Promise<{ ok: true; item: I } | { ok: false; err: DataError }>;
    };
    const inflight: Slot[] = [];
    let next = this.pos.index;
    const startLoad = () => {
      const sampleIndex = order[next++]!;
      const ctx: LoadContext = {
        sampleIndex,
        epoch,
        rng: new Rng([seed, epoch, sampleIndex]),
        signal,
      };
      const result = limiter
        .run(() => {
          throwIfAborted(signal, 'DataLoader');
          return this.load(this.samples[sampleIndex]!, ctx);
        })
        .then(
          (item) => ({ ok: true as const, item }),
          (err: unknown) => {
            if (
              err instanceof DataError &&
              err.code !== 'ABORTED' &&
              err.code !== 'BAD_OPTION' &&
              err.code !== 'FFMPEG_MISSING'
            ) {
              return { ok: false as const, err };
            }
            throw err;
          },
        );
      result.catch(() => {}); // surfaced when the slot is awaited
      inflight.push({ sampleIndex, result });
    };
    let items: I[] = [];
    let indices: number[] = [];
    try {
      for (;;) {
        while (inflight.length < window && next < order.length) startLoad();
        const slot = inflight.shift();
        if (!slot) break;
        const r = await slot.result;
        const consumed = next - inflight.length;
        if (!r.ok) {
          this.skip(slot.sampleIndex, epoch, r.err);
          if (!items.length) this.pos = { epoch, index: consumed };
          continue;
        }
        items.push(r.item);
        indices.push(slot.sampleIndex);
        if (items.length === B) {
          this.pos = { epoch, index: consumed };
          const batch = { items, sampleIndices: indices, position: { ...this.pos } };
          items = [];
          indices = [];
          yield batch;
        }
      }
      if (items.length && this.options.dropLast === false) {
        yield { items, sampleIndices: indices, position: { epoch: epoch + 1, index: 0 } };
      }
      this.pos = { epoch: epoch + 1, index: 0 };
    } finally {
      // Consumer stopped early or failed: cancel in-flight loads and let them settle quietly.
      stop.abort();
      for (const s of inflight) s.result.catch(() => {});
    }
  }
}

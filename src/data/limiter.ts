// A small concurrency limiter: at most `n` async jobs run at once, the rest wait in FIFO order.
// Used to bound parallel ffmpeg processes and loader decode work.

export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly concurrency: number) {
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new RangeError(`Limiter: concurrency must be an integer >= 1, got ${concurrency}`);
    }
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency)
      await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }
}

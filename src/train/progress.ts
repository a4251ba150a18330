/**
 * Training progress: a one-line bar with loss, learning rate, throughput and ETA on a terminal;
 * JSON lines otherwise (or with `json: true`); and a metrics file (JSON lines) per run, cut back
 * to the checkpoint's step when a run resumes so that each step appears once (docs/TRAINING.md
 * "Checkpoints").
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../torch/io/index.js';

export interface StepRecord {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Mean total loss of the step. */
  loss: number;
  /** Mean of each loss term of the objective (e.g. contrastive, align; vtm, mlm, plm, align). */
  terms: Record<string, number>;
  lr: number;
  samplesPerSec: number;
  etaSec: number;
}

export interface ProgressOptions {
  /** Write a bar to this stream when it is a terminal (default process.stderr). */
  stream?: NodeJS.WriteStream;
  json?: boolean;
  metricsFile?: string;
  /** Print at most every this many ms on a terminal / steps otherwise. */
  everySteps?: number;
  quiet?: boolean;
}

const fmtTerms = (t: Record<string, number>) => {
  const names = Object.keys(t);
  return names.length ? ` (${names.map((n) => `${n} ${t[n]!.toFixed(3)}`).join(' ')})` : '';
};

const fmtTime = (s: number) => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
};

/** The JSON form: the terms sit beside the total (`{ type, step, ..., loss, vtm, mlm, ... }`). */
const flat = (r: StepRecord) => {
  const { terms, ...rest } = r;
  return { type: 'step', ...rest, ...terms };
};

export class Progress {
  readonly #o: ProgressOptions;
  readonly #tty: boolean;
  #lastDraw = 0;
  constructor(o: ProgressOptions = {}) {
    this.#o = o;
    const s = o.stream ?? process.stderr;
    this.#tty = !o.json && !!s.isTTY;
  }

  step(r: StepRecord): void {
    if (this.#o.metricsFile) appendFileSync(this.#o.metricsFile, JSON.stringify(flat(r)) + '\n');
    if (this.#o.quiet) return;
    const s = this.#o.stream ?? process.stderr;
    if (this.#tty) {
      const now = Date.now();
      if (now - this.#lastDraw < 200 && r.step < r.totalSteps) return;
      this.#lastDraw = now;
      const width = 24;
      const filled = Math.round((width * r.step) / r.totalSteps);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      s.write(
        `\r${bar} ${r.step}/${r.totalSteps} ep ${r.epoch} loss ${r.loss.toFixed(4)}${fmtTerms(r.terms)} lr ${r.lr.toExponential(2)} ` +
          `${r.samplesPerSec.toFixed(1)} samples/s ETA ${fmtTime(r.etaSec)}  `,
      );
      if (r.step >= r.totalSteps) s.write('\n');
    } else if (r.step % (this.#o.everySteps ?? 10) === 0 || r.step === r.totalSteps) {
      s.write(JSON.stringify(flat(r)) + '\n');
    }
  }

  /**
   * A run starts at optimizer step `step` (0, or the step of the checkpoint it resumes from).
   * From step 0 nothing in an existing metrics file belongs to it: the file is emptied. On a
   * resume the file keeps what came before the first line of a later step and loses the rest
   * (lines an interrupted run wrote after its last checkpoint, which the resumed run writes again,
   * and a torn last line). Rewritten atomically, so a kill here leaves the old file or the new one.
   * Call it before the run's first event.
   */
  async startAt(step: number): Promise<void> {
    const path = this.#o.metricsFile;
    if (!path || !existsSync(path)) return;
    if (step === 0) return writeFileAtomic(path, '');
    const lines = readFileSync(path, 'utf8').split('\n');
    const kept: string[] = [];
    for (const line of lines) {
      if (!line) continue;
      let record: { type?: unknown; step?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        break; // a line torn by a kill: nothing after it was written by the same run
      }
      if (record.type === 'step' && typeof record.step === 'number' && record.step > step) break;
      kept.push(line + '\n');
    }
    if (kept.length !== lines.filter(Boolean).length) await writeFileAtomic(path, kept.join(''));
  }

  event(type: string, data: Record<string, unknown>): void {
    if (this.#o.metricsFile) appendFileSync(this.#o.metricsFile, JSON.stringify({ type, ...data }) + '\n');
    if (this.#o.quiet) return;
    const s = this.#o.stream ?? process.stderr;
    if (this.#tty) s.write(`\n${type}: ${JSON.stringify(data)}\n`);
    else s.write(JSON.stringify({ type, ...data }) + '\n');
  }
}

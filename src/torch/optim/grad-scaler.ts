/**
 * Dynamic loss scaling for float16 training (PyTorch's torch.amp.GradScaler): float16 gradients of
 * small losses underflow to zero, so the loss is multiplied by a large factor before backward and
 * the gradients divided by it before clipping and the update. A step whose gradients hold inf or
 * NaN (the factor was too large) is skipped and the factor halved (backoff); after `growthInterval`
 * clean steps in a row it doubles (growth). Per step: `scale(loss).backward()`,
 * `unscale(params)` (before clipping), `step(optimizer)`, `update()`. `stateDict()` /
 * `loadStateDict()` carry the factor, the clean-step count and the skipped-step count across a
 * checkpoint (plain numbers), so a resumed run scales as an uninterrupted one would.
 */
import { noGrad } from '../autograd.js';
import type { Parameter } from '../nn/parameter.js';
import { scope } from '../scope.js';
import { stack } from '../creation.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from './optimizer.js';

export interface GradScalerOptions {
  /** Initial factor (PyTorch: 2^16). */
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  /** Clean steps in a row before the factor grows (PyTorch: 2000). */
  growthInterval?: number;
  /** false: every method is a pass-through (scale 1, steps never skipped). */
  enabled?: boolean;
}

/**
 * What a checkpoint keeps of a scaler: its counters and, so that a state is only loaded into a
 * scaler that evolves it the same way, the settings that decide how they change.
 */
export interface GradScalerState {
  /** The current factor. */
  scale: number;
  /** Clean steps in a row since the factor last changed (0 ≤ growthTracker < growthInterval). */
  growthTracker: number;
  /** Steps skipped because of inf/NaN gradients. */
  skippedSteps: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
}

/** A state handed to `GradScaler.loadStateDict` that is malformed or belongs to a scaler with other settings; `field` names the culprit. */
export class GradScalerStateError extends Error {
  readonly code = 'BAD_SCALER_STATE';
  constructor(
    readonly field: keyof GradScalerState | 'state',
    message: string,
  ) {
    super(message);
    this.name = 'GradScalerStateError';
  }
}

const SETTINGS = ['growthFactor', 'backoffFactor', 'growthInterval'] as const;

export class GradScaler {
  #scale: number;
  #growthTracker = 0;
  #unscaled = false;
  #foundInf = false;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  readonly enabled: boolean;
  /** Steps skipped because of inf/NaN gradients since construction (or, after loadStateDict, since the saved run began). */
  skippedSteps = 0;

  constructor(o: GradScalerOptions = {}) {
    this.#scale = o.initScale ?? 2 ** 16;
    this.growthFactor = o.growthFactor ?? 2;
    this.backoffFactor = o.backoffFactor ?? 0.5;
    this.growthInterval = o.growthInterval ?? 2000;
    this.enabled = o.enabled ?? true;
    if (!(this.#scale > 0) || !(this.growthFactor > 1) || !(this.backoffFactor > 0 && this.backoffFactor < 1) || !(this.growthInterval >= 1))
      throw new RangeError(
        `GradScaler: expected initScale > 0, growthFactor > 1, 0 < backoffFactor < 1, growthInterval >= 1; got ${JSON.stringify(o)}`,
      );
  }

  /** The current factor. */
  get scaleFactor(): number {
    return this.enabled ? this.#scale : 1;
  }

  /** loss × factor (a new tensor; the caller owns it). */
  scale(loss: Tensor): Tensor {
    return loss.mul(this.scaleFactor);
  }

  /** Divides the gradients by the factor in place and notes whether any is inf/NaN. Once per step. */
  unscale(params: readonly Parameter[]): void {
    if (!this.enabled) return;
    if (this.#unscaled) throw new Error('GradScaler.unscale: already called since the last update(); call it once per step');
    const inv = 1 / this.#scale;
    this.#foundInf = scope(() =>
      noGrad(() => {
        const finite: Tensor[] = [];
        for (const p of params) {
          const g = p.grad;
          if (!g) continue;
          g.mul_(inv);
          finite.push(g.isfinite().all());
        }
        return finite.length > 0 && !stack(finite).all().item();
      }),
    );
    this.#unscaled = true;
  }

  /** Whether the gradients of this step hold inf/NaN (after unscale). */
  get foundInf(): boolean {
    return this.#foundInf;
  }

  /** Unscales if not done yet, then runs `optimizer.step(lrScale)` unless a gradient is inf/NaN. Returns whether it stepped. */
  step(optimizer: Optimizer, lrScale = 1): boolean {
    if (!this.enabled) {
      optimizer.step(lrScale);
      return true;
    }
    if (!this.#unscaled) this.unscale(optimizer.parameters());
    if (this.#foundInf) {
      this.skippedSteps++;
      return false;
    }
    optimizer.step(lrScale);
    return true;
  }

  /** Backs the factor off after an inf/NaN step, grows it after `growthInterval` clean ones. */
  update(): void {
    if (!this.enabled) return;
    if (this.#foundInf) {
      this.#scale *= this.backoffFactor;
      this.#growthTracker = 0;
    } else if (++this.#growthTracker >= this.growthInterval) {
      this.#scale *= this.growthFactor;
      this.#growthTracker = 0;
    }
    this.#unscaled = false;
    this.#foundInf = false;
  }

  /** The state to checkpoint (a new plain object; JSON-serialisable). */
  stateDict(): GradScalerState {
    const { growthFactor, backoffFactor, growthInterval } = this;
    return { scale: this.#scale, growthTracker: this.#growthTracker, skippedSteps: this.skippedSteps, growthFactor, backoffFactor, growthInterval };
  }

  /**
   * Restores a `stateDict()` (between steps: a half-done step is forgotten). Everything is checked
   * before anything changes; a malformed state, or one saved by a scaler with other growth or
   * backoff settings, throws GradScalerStateError naming the field.
   */
  loadStateDict(s: GradScalerState): void {
    const where = 'GradScaler.loadStateDict';
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      throw new GradScalerStateError('state', `${where}: expected the object stateDict() returns, got ${describe(s)}`);
    const field = (name: keyof GradScalerState, ok: (v: number) => boolean, expected: string): number => {
      const v: unknown = s[name];
      if (typeof v !== 'number' || !ok(v))
        throw new GradScalerStateError(name, `${where}: '${name}' must be ${expected}, got ${describe(v)}; pass a state saved by GradScaler.stateDict()`);
      return v;
    };
    for (const name of SETTINGS) {
      const mine = this[name];
      const saved = field(name, (v) => v > 0, 'a number > 0');
      if (saved !== mine)
        throw new GradScalerStateError(
          name,
          `${where}: the state was saved by a scaler with ${name} ${saved}, this one has ${mine}; construct it with { ${name}: ${saved} } to continue that run`,
        );
    }
    const scale = field('scale', (v) => Number.isFinite(v) && v > 0, 'a finite number > 0');
    const growthTracker = field('growthTracker', (v) => Number.isInteger(v) && v >= 0 && v < this.growthInterval, `an integer in [0, ${this.growthInterval})`);
    const skippedSteps = field('skippedSteps', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    this.#scale = scale;
    this.#growthTracker = growthTracker;
    this.skippedSteps = skippedSteps;
    this.#unscaled = false;
    this.#foundInf = false;
  }
}

/** A received value for a message: numbers as written (NaN, Infinity), the rest as JSON. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  return typeof v === 'number' ? String(v) : `${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v} ${JSON.stringify(v)}`;
}

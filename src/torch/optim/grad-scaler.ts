/**
 * Dynamic loss scaling for float16 training (PyTorch's torch.amp.GradScaler): float16 gradients of
 * small losses underflow to zero, so the loss is multiplied by a large factor before backward and
 * the gradients divided by it before clipping and the update. A step whose gradients hold inf or
 * NaN (the factor was too large) is skipped and the factor halved (backoff); after `growthInterval`
 * clean steps in a row it doubles (growth). Per step: `scale(loss).backward()`,
 * `unscale(params)` (before clipping), `step(optimizer)`, `update()`.
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

export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

export class GradScaler {
  #scale: number;
  #growthTracker = 0;
  #unscaled = false;
  #foundInf = false;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  readonly enabled: boolean;
  /** Steps skipped because of inf/NaN gradients since construction. */
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

  stateDict(): GradScalerState {
    return { scale: this.#scale, growthTracker: this.#growthTracker };
  }

  loadStateDict(s: GradScalerState): void {
    this.#scale = s.scale;
    this.#growthTracker = s.growthTracker;
  }
}

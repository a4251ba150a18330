/**
 * Learning-rate schedules as multipliers of the base lr. The reference's (`warmup_cosine`,
 * `warmup_constant`, `warmup_linear` of modules/optimization.py) take x = step / tTotal and are
 * reproduced as written, including warmup_cosine's cosine of x rather than of the progress after
 * warmup (docs/TRAINING.md "Schedules"). `linearWithWarmup` and `cosineWithWarmup` are the
 * usual schedules.
 */
export type ScheduleName =
  | 'warmup_cosine'
  | 'warmup_constant'
  | 'warmup_linear'
  | 'linear_with_warmup'
  | 'cosine_with_warmup'
  | 'constant';

export type Schedule = (step: number) => number;

/** The multiplier at optimizer step `step` (0-based) of a run of `tTotal` steps. */
export function makeSchedule(name: ScheduleName, tTotal: number, warmup: number): Schedule {
  if (!(tTotal > 0)) throw new RangeError(`schedule: tTotal must be positive, got ${tTotal}`);
  if (!(warmup >= 0 && warmup < 1)) throw new RangeError(`schedule: warmup is a proportion in [0, 1), got ${warmup}`);
  const frac = (s: number) => s / tTotal;
  switch (name) {
    case 'warmup_cosine':
      return (s) => {
        const x = frac(s);
        return x < warmup ? x / warmup : 0.5 * (1 + Math.cos(Math.PI * x));
      };
    case 'warmup_constant':
      return (s) => {
        const x = frac(s);
        return x < warmup ? x / warmup : 1;
      };
    case 'warmup_linear':
      return (s) => {
        const x = frac(s);
        return x < warmup ? x / warmup : Math.max((x - 1) / (warmup - 1), 0);
      };
    case 'linear_with_warmup':
      return (s) => {
        const x = frac(s);
        return x < warmup ? x / warmup : Math.max(0, (1 - x) / (1 - warmup));
      };
    case 'cosine_with_warmup':
      return (s) => {
        const x = frac(s);
        if (x < warmup) return x / warmup;
        const p = Math.min(1, (x - warmup) / (1 - warmup));
        return 0.5 * (1 + Math.cos(Math.PI * p));
      };
    case 'constant':
      return () => 1;
    default:
      throw new RangeError(`schedule: unknown schedule '${String(name)}'`);
  }
}

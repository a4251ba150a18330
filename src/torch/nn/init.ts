/**
 * nn.init: in-place initialisers with PyTorch's names and formulas (`torch.nn.init`), run without
 * recording gradients. Each returns its argument, so a parameter factory can pass one straight in:
 *
 *   this.proj = nn.parameter([width, dim], (p) => nn.init.normal_(p, 0, width ** -0.5));
 */
import { noGrad } from '../autograd.js';
import type { Tensor } from '../tensor.js';

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';
export type FanMode = 'fanIn' | 'fanOut';

/** fan_in and fan_out of a weight [out, in, ...receptive field] (PyTorch's `_calculate_fan_in_and_fan_out`). */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new RangeError(`nn.init: fan in and fan out need a tensor of rank 2 or more, got [${s.join(', ')}]`);
  const field = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1]! * field, fanOut: s[0]! * field };
}

/** The recommended gain for a nonlinearity (`torch.nn.init.calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
}

/** Fills with N(mean, std²). */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1): T {
  if (!(std >= 0)) throw new RangeError(`nn.init.normal_: std must be non-negative, got ${std}`);
  noGrad(() => t.normal_(mean, std));
  return t;
}

/** Fills with U(a, b). */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1): T {
  if (!(a <= b)) throw new RangeError(`nn.init.uniform_: expected a <= b, got a = ${a}, b = ${b}`);
  noGrad(() => t.uniform_(a, b));
  return t;
}

export function constant_<T extends Tensor>(t: T, value: number): T {
  noGrad(() => t.fill_(value));
  return t;
}
export const zeros_ = <T extends Tensor>(t: T): T => constant_(t, 0);
export const ones_ = <T extends Tensor>(t: T): T => constant_(t, 1);

/** U(-a, a) with a = gain · sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_<T extends Tensor>(t: T, gain = 1): T {
  const { fanIn, fanOut } = fans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/** N(0, std²) with std = gain · sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_<T extends Tensor>(t: T, gain = 1): T {
  const { fanIn, fanOut } = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (default 0). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/**
 * U(-b, b) with b = gain · sqrt(3 / fan); with `{ a: Math.sqrt(5) }` this is the default
 * initialisation of PyTorch's Linear and Conv weights (b = 1 / sqrt(fan_in)).
 */
export function kaimingUniform_<T extends Tensor>(t: T, o: KaimingOptions = {}): T {
  const { fanIn, fanOut } = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const b = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) * Math.sqrt(3 / fan);
  return uniform_(t, -b, b);
}

/** N(0, std²) with std = gain / sqrt(fan). */
export function kaimingNormal_<T extends Tensor>(t: T, o: KaimingOptions = {}): T {
  const { fanIn, fanOut } = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  return normal_(t, 0, calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan));
}

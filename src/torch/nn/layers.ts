/**
 * The basic layers, with PyTorch's parameter names and default initialisations:
 * Linear, LayerNorm, Embedding, Conv2d, Dropout.
 */
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Module } from './module.js';
import { type Parameter, parameter } from './parameter.js';

/** PyTorch's default for Linear and Conv: kaiming_uniform_(a=√5) weights, U(±1/√fan_in) biases. */
function defaultWeight(shape: number[]): Parameter {
  return parameter(shape, (w) => init.kaimingUniform_(w, { a: Math.sqrt(5) }));
}
function defaultBias(size: number, fanIn: number): Parameter {
  const b = 1 / Math.sqrt(fanIn);
  return parameter([size], (p) => init.uniform_(p, -b, b));
}

export class Linear extends Module {
  weight: Parameter; // [out, in]
  bias: Parameter | null; // [out]
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = defaultWeight([outFeatures, inFeatures]);
    this.bias = bias ? defaultBias(outFeatures, inFeatures) : null;
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

export class LayerNorm extends Module {
  weight: Parameter;
  bias: Parameter;
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    readonly eps = 1e-5,
  ) {
    super();
    this.normalizedShape = Array.isArray(normalizedShape) ? normalizedShape : [normalizedShape];
    this.weight = parameter(this.normalizedShape, init.ones_);
    this.bias = parameter(this.normalizedShape, init.zeros_);
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

export class Embedding extends Module {
  weight: Parameter; // [num, dim]
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
  ) {
    super();
    this.weight = parameter([numEmbeddings, embeddingDim], init.normal_);
  }
  forward(ids: Tensor): Tensor {
    return F.embedding(ids, this.weight);
  }
}

export class Conv2d extends Module {
  weight: Parameter; // [out, in/groups, kh, kw]
  bias: Parameter | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number | [number, number],
    readonly options: F.ConvOptions & { bias?: boolean } = {},
  ) {
    super();
    const [kh, kw] = Array.isArray(kernelSize) ? kernelSize : [kernelSize, kernelSize];
    const groups = options.groups ?? 1;
    const fanIn = (inChannels / groups) * kh * kw;
    this.weight = defaultWeight([outChannels, inChannels / groups, kh, kw]);
    this.bias = options.bias === false ? null : defaultBias(outChannels, fanIn);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

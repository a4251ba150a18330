/**
 * nn.MultiheadAttention with PyTorch's parameter names (in_proj_weight [3E, E] holding q, k, v in
 * that order, in_proj_bias [3E], out_proj) so CLIP checkpoints load by name. The core is one
 * scaled-dot-product-attention call.
 */
import { isGradEnabled } from '../autograd.js';
import { zeros } from '../creation.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import { Linear } from './layers.js';
import * as init from './init.js';
import { Module } from './module.js';
import { type Parameter, parameter } from './parameter.js';

export interface MultiheadAttentionOptions {
  /** Inputs are [N, L, E] when true, [L, N, E] (PyTorch's default) when false. */
  batchFirst?: boolean;
  dropout?: number;
}

export interface AttentionCallOptions {
  /**
   * Additive float mask (-inf blocks) or boolean mask (true = may NOT attend, as in PyTorch):
   * [L, S] for all, [N*heads, L, S] as in PyTorch, or [N, 1 | heads, L, S].
   */
  attnMask?: Tensor | null;
  /** [N, S], true (or 1) marks padding keys that nobody attends to. */
  keyPaddingMask?: Tensor | null;
}

export class MultiheadAttention extends Module {
  in_proj_weight: Parameter;
  in_proj_bias: Parameter;
  out_proj: Linear;
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    if (embedDim % numHeads !== 0)
      throw new RangeError(`MultiheadAttention: embedDim ${embedDim} is not divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    // Xavier-uniform in_proj and zero biases, as PyTorch initialises them.
    this.in_proj_weight = parameter([3 * embedDim, embedDim], init.xavierUniform_);
    this.in_proj_bias = parameter([3 * embedDim]);
    this.out_proj = new Linear(embedDim, embedDim);
    init.zeros_(this.out_proj.bias!);
  }

  /** Self-attention when key and value are omitted. Returns the same layout as the input. */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, o: AttentionCallOptions = {}): Tensor {
    return scope(() => {
      const merged = this.out_proj.forward(this.attendHeads(query, key, value, o));
      return this.batchFirst ? merged : merged.transpose(0, 1);
    });
  }

  /**
   * The attention before `out_proj`: the heads' outputs merged, batch-first [N, L, E] whatever the
   * layout (forward = out_proj of this). For callers that fold out_proj into other work.
   * `projWorkspace` (self-attention with gradients off only): a contiguous [≥ N·L, 3E] buffer of
   * the weights' dtype that receives the q, k, v projections in place of a fresh tensor.
   */
  attendHeads(query: Tensor, key: Tensor = query, value: Tensor = key, o: AttentionCallOptions & { projWorkspace?: Tensor } = {}): Tensor {
    return scope(() => {
      const tr = (t: Tensor) => (this.batchFirst ? t : t.transpose(0, 1));
      const q = tr(query);
      const [N, L, E] = q.shape as [number, number, number];
      if (E !== this.embedDim)
        throw new RangeError(`MultiheadAttention: input width ${E}, expected ${this.embedDim}`);
      let qp: Tensor, kp: Tensor, vp: Tensor;
      if (query === key && key === value && o.projWorkspace && !isGradEnabled()) {
        const ws = o.projWorkspace.narrow(0, 0, N * L);
        ws.copy_(this.in_proj_bias).addmm_(q.reshape(N * L, E), this.in_proj_weight.t());
        [qp, kp, vp] = ws.reshape(N, L, 3 * E).chunk(3, -1) as [Tensor, Tensor, Tensor];
      } else if (query === key && key === value) {
        [qp, kp, vp] = F.linear(q, this.in_proj_weight, this.in_proj_bias).chunk(3, -1) as [Tensor, Tensor, Tensor];
      } else {
        const [wq, wk, wv] = this.in_proj_weight.chunk(3, 0) as [Tensor, Tensor, Tensor];
        const [bq, bk, bv] = this.in_proj_bias.chunk(3, 0) as [Tensor, Tensor, Tensor];
        qp = F.linear(q, wq, bq);
        kp = F.linear(tr(key), wk, bk);
        vp = F.linear(tr(value), wv, bv);
      }
      const S = kp.shape[1]!;
      const heads = (t: Tensor, len: number) => t.reshape(N, len, this.numHeads, this.headDim).transpose(1, 2);
      const mask = this.#mask(o, N, L, S, q.dtype);
      const out = F.scaledDotProductAttention(heads(qp, L), heads(kp, S), heads(vp, S), {
        mask,
        dropoutP: this.training ? this.dropout : 0,
      });
      return out.transpose(1, 2).reshape(N, L, E);
    });
  }

  #mask(o: AttentionCallOptions, N: number, L: number, S: number, dtype: Tensor['dtype']): Tensor | null {
    let m: Tensor | null = null;
    if (o.attnMask) {
      const a = o.attnMask;
      const s = a.shape;
      if (s.length === 2) m = a;
      else if (s.length === 3) m = a.reshape(N, this.numHeads, L, S);
      else if (s.length === 4) m = a;
      else throw new RangeError(`MultiheadAttention: attnMask of rank ${s.length}; expected 2, 3 or 4`);
      if (m.dtype === 'bool') m = zeros(m.shape, dtype).maskedFill(m, -Infinity);
      else if (m.dtype !== dtype) m = m.to(dtype);
    }
    if (o.keyPaddingMask) {
      const pad = o.keyPaddingMask.dtype === 'bool' ? o.keyPaddingMask : o.keyPaddingMask.ne(0);
      const add = zeros([N, 1, 1, S], dtype).maskedFill(pad.reshape(N, 1, 1, S), -Infinity);
      m = m ? m.add(add) : add;
    }
    return m;
  }
}

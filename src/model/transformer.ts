/**
 * CLIP's transformer: pre-LN residual attention blocks (x + attn(ln_1 x), then x + mlp(ln_2 x),
 * mlp = c_fc, QuickGELU, c_proj; LayerNorm eps 1e-5). Tensors are batch-first [N, L, W] here;
 * the reference runs sequence-first, which changes no number. Parameter names match CLIP's.
 *
 * Inference (float32, grad mode off) takes a leaner path with the same numbers up to rounding
 * (docs/ARCHITECTURE.md "CPU inference"): QuickGELU is folded into the two GEMMs
 * (x·σ(1.702x) = silu(1.702x)/1.702: c_fc's GEMM scales by 1.702, c_proj's by 1/1.702, leaving
 * one silu pass instead of three element-wise passes), and the residual sums are added in place.
 * A block can also compute its output at selected query positions only (`queries`), while keys
 * and values still cover the whole sequence: a last block whose other rows nobody reads.
 */
import { isGradEnabled, nn, scope, type Tensor } from '../torch/index.js';

const F = nn.functional;
const QUICK_GELU = 1.702;

/** True when `l` is a plain float32 nn.Linear whose forward is F.linear (so its GEMM may be rewritten). */
function plainLinear(l: nn.Linear, x: Tensor): boolean {
  return l.forward === nn.Linear.prototype.forward && l.bias !== null && x.dtype === 'float32' && l.weight.dtype === 'float32';
}

/** The inference path is used with gradients off, on float32 plain Linears. */
function fastPath(x: Tensor, ...layers: nn.Linear[]): boolean {
  return !isGradEnabled() && layers.every((l) => plainLinear(l, x));
}

export class Mlp extends nn.Module {
  c_fc: nn.Linear; // W → 4W
  c_proj: nn.Linear; // 4W → W
  constructor(width: number) {
    super();
    this.c_fc = new nn.Linear(width, width * 4);
    this.c_proj = new nn.Linear(width * 4, width);
  }
  forward(x: Tensor): Tensor {
    if (fastPath(x, this.c_fc, this.c_proj)) return this.#fused(x);
    return scope(() => this.c_proj.forward(F.quickGelu(this.c_fc.forward(x))));
  }

  /** c_proj(silu(1.702·c_fc(x)) / 1.702): the scalings ride on the GEMMs (addmm's beta and alpha). */
  #fused(x: Tensor): Tensor {
    return scope(() => {
      const w = x.shape[x.shape.length - 1]!;
      const rows = x.reshape(-1, w); // [R, W]
      const h = this.c_fc.bias!.addmm(rows, this.c_fc.weight.t(), QUICK_GELU, QUICK_GELU); // 1.702·c_fc(x): [R, 4W]
      const out = this.c_proj.bias!.addmm(F.silu(h), this.c_proj.weight.t(), 1, 1 / QUICK_GELU); // [R, W]
      return out.reshape([...x.shape.slice(0, -1), out.shape[1]!]);
    });
  }
}

export class ResidualAttentionBlock extends nn.Module {
  attn: nn.MultiheadAttention;
  ln_1: nn.LayerNorm;
  mlp: Mlp;
  ln_2: nn.LayerNorm;
  /** `eps`: LayerNorm epsilon (CLIP 1e-5; the tightTransf cross encoder's TF-style LayerNorm 1e-12). */
  constructor(width: number, heads: number, eps = 1e-5) {
    super();
    this.attn = new nn.MultiheadAttention(width, heads, { batchFirst: true });
    this.ln_1 = new nn.LayerNorm(width, eps);
    this.mlp = new Mlp(width);
    this.ln_2 = new nn.LayerNorm(width, eps);
  }
  /**
   * x [N, L, W]; attnMask additive [L, L], [N, 1, L, L] or [N·heads, L, L] (sample-major, as PyTorch).
   * `queries` (int64 [P], positions along L): the output is computed at those positions only,
   * [N, P, W], attending over all L keys; the rows equal those of the full output.
   */
  forward(x: Tensor, attnMask?: Tensor | null, queries?: Tensor | null): Tensor {
    return scope(() => {
      const h = this.ln_1.forward(x);
      const q = queries ? h.indexSelect(1, queries) : h;
      const mask = queries && attnMask ? attnMask.indexSelect(-2, queries) : attnMask;
      const base = queries ? x.indexSelect(1, queries) : x;
      const inPlace = fastPath(x, this.attn.out_proj, this.mlp.c_fc, this.mlp.c_proj);
      // In place, the fresh attention and MLP outputs receive the residual: no extra allocation.
      const a = this.attn.forward(q, h, h, { attnMask: mask });
      const y = inPlace ? a.add_(base) : base.add(a);
      const m = this.mlp.forward(this.ln_2.forward(y));
      return inPlace ? m.add_(y) : y.add(m);
    });
  }
}

export interface TransformerRunOptions {
  attnMask?: Tensor | null;
  /** Run blocks [from, to) only (default: all). */
  from?: number;
  to?: number;
  /**
   * int64 [P] positions: the last block run computes its output at these positions only
   * ([N, P, W]; see ResidualAttentionBlock.forward).
   */
  lastQueries?: Tensor | null;
  /** Called with each block's output (for parity tests and inspection); it runs inside the block scope, so `keep()` what you store. */
  onBlock?: (index: number, out: Tensor) => void;
}

export class Transformer extends nn.Module {
  resblocks: nn.ModuleList<ResidualAttentionBlock>;
  constructor(
    readonly width: number,
    readonly layers: number,
    readonly heads: number,
    eps = 1e-5,
  ) {
    super();
    this.resblocks = new nn.ModuleList(Array.from({ length: layers }, () => new ResidualAttentionBlock(width, heads, eps)));
  }
  forward(x: Tensor, o: TransformerRunOptions = {}): Tensor {
    const from = o.from ?? 0;
    const to = o.to ?? this.layers;
    return scope(() => {
      let y = x;
      for (let i = from; i < to; i++) {
        const next = this.resblocks.at(i).forward(y, o.attnMask, i === to - 1 ? o.lastQueries : null);
        if (y !== x) y.dispose();
        y = next;
        o.onBlock?.(i, y);
      }
      return y === x ? x.clone() : y;
    });
  }
}

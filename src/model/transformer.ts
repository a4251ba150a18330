/**
 * CLIP's transformer: pre-LN residual attention blocks (x + attn(ln_1 x), then x + mlp(ln_2 x),
 * mlp = c_fc, QuickGELU, c_proj; LayerNorm eps 1e-5). Tensors are batch-first [N, L, W] here;
 * the reference runs sequence-first, which changes no number. Parameter names match CLIP's.
 */
import { nn, scope, type Tensor } from '../torch/index.js';

const F = nn.functional;

export class Mlp extends nn.Module {
  c_fc: nn.Linear; // W → 4W
  c_proj: nn.Linear; // 4W → W
  constructor(width: number) {
    super();
    this.c_fc = new nn.Linear(width, width * 4);
    this.c_proj = new nn.Linear(width * 4, width);
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.c_proj.forward(F.quickGelu(this.c_fc.forward(x))));
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
  /** x [N, L, W]; attnMask additive [L, L], [N, 1, L, L] or [N·heads, L, L] (sample-major, as PyTorch). */
  forward(x: Tensor, attnMask?: Tensor | null): Tensor {
    return scope(() => {
      const h = this.ln_1.forward(x);
      const y = x.add(this.attn.forward(h, h, h, { attnMask }));
      return y.add(this.mlp.forward(this.ln_2.forward(y)));
    });
  }
}

export interface TransformerRunOptions {
  attnMask?: Tensor | null;
  /** Run blocks [from, to) only (default: all). */
  from?: number;
  to?: number;
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
        const next = this.resblocks.at(i).forward(y, o.attnMask);
        if (y !== x) y.dispose();
        y = next;
        o.onBlock?.(i, y);
      }
      return y === x ? x.clone() : y;
    });
  }
}

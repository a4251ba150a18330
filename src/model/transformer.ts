/**
 * CLIP's transformer: pre-LN residual attention blocks (x + attn(ln_1 x), then x + mlp(ln_2 x),
 * mlp = c_fc, QuickGELU, c_proj; LayerNorm eps 1e-5). Tensors are batch-first [N, L, W] here;
 * the reference runs sequence-first, which changes no number. Parameter names match CLIP's.
 *
 * Inference (float32, eval mode, grad mode off) takes a leaner path with the same numbers up to rounding
 * (docs/ARCHITECTURE.md "CPU inference"): QuickGELU is folded into the two GEMMs
 * (x·σ(1.702x) = silu(1.702x)/1.702: c_fc's GEMM scales by 1.702, c_proj's by 1/1.702, leaving
 * one silu pass instead of three element-wise passes), and the residual sums are added in place.
 * A block can also compute its output at selected query positions only (`queries`), while keys
 * and values still cover the whole sequence: a last block whose other rows nobody reads. The
 * positions are shared by all samples ([P]: the class tokens of a video's frames) or chosen per
 * sample ([N, P]: each caption's end-of-text token).
 */
import { arange, autocastState, empty, isGradEnabled, isQuantized, nn, scope, withDevice, type Tensor } from '../torch/index.js';

const F = nn.functional;
const QUICK_GELU = 1.702;

/** True when `l` is a plain float32 nn.Linear whose forward is F.linear (so its GEMM may be rewritten). */
function plainLinear(l: nn.Linear, x: Tensor): boolean {
  return l.forward === nn.Linear.prototype.forward && l.bias !== null && x.dtype === 'float32' && l.weight.dtype === 'float32';
}

/**
 * The inference path is used in eval mode with gradients off (as the reference's inference runs;
 * a training-mode forward without gradients, such as the first pass of activation checkpointing,
 * must give the same numbers as its recomputation with gradients), on float32 plain Linears of `owner`, outside
 * autocast regions (whose casts it would bypass) and without int8 Linears in `owner` (its GEMMs
 * would bypass their int8 kernels).
 */
function fastPath(x: Tensor, owner: nn.Module, ...layers: nn.Linear[]): boolean {
  return !owner.training && !isGradEnabled() && layers.every((l) => plainLinear(l, x)) && !autocastState(x.device).enabled && !isQuantized(owner);
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
    if (fastPath(x, this, this.c_fc, this.c_proj)) return this.#fused(x);
    return scope(() => this.c_proj.forward(F.quickGelu(this.c_fc.forward(x))));
  }

  /** c_proj(silu(1.702·c_fc(x)) / 1.702): the scalings ride on the GEMMs (addmm's beta and alpha). */
  #fused(x: Tensor): Tensor {
    return scope(() => {
      const w = x.shape[x.shape.length - 1]!;
      const rows = x.reshape(-1, w); // [R, W]
      const h = this.c_fc.bias!.addmm(rows, this.c_fc.weight.t(), QUICK_GELU, QUICK_GELU); // 1.702·c_fc(x): [R, 4W]
      const g = F.silu(h);
      h.dispose(); // freed as soon as read, so the allocator hands the same warm memory on
      const out = this.c_proj.bias!.addmm(g, this.c_proj.weight.t(), 1, 1 / QUICK_GELU); // [R, W]
      g.dispose();
      return out.reshape([...x.shape.slice(0, -1), out.shape[1]!]);
    });
  }
}

/** The rows of `x` [N, L, ...] at `queries`: [P] shared by all samples, or [N, P] per sample → [N, P, ...]. */
function rowsAt(x: Tensor, queries: Tensor): Tensor {
  if (queries.shape.length === 1) return x.indexSelect(1, queries);
  const N = x.shape[0]!;
  return x.index([arange(N).reshape(N, 1), queries]);
}

/**
 * The rows of an additive mask for the queries: [L, S], [N·heads, L, S] or [N, 1 | heads, L, S]
 * in; out a mask of the query count's height in a layout MultiheadAttention accepts.
 */
function maskRowsAt(mask: Tensor, queries: Tensor): Tensor {
  if (queries.shape.length === 1) return mask.indexSelect(-2, queries); // [..., P, S]
  const [N, P] = queries.shape as [number, number];
  const S = mask.shape[mask.shape.length - 1]!;
  if (mask.shape.length === 2) return mask.index([queries]).reshape(N, 1, P, S); // row q of [L, S] per sample
  const m = mask.reshape(N, -1, mask.shape[mask.shape.length - 2]!, S); // [N, 1 | heads, L, S]
  const h = m.shape[1]!;
  return m.index([arange(N).reshape(N, 1, 1), arange(h).reshape(1, h, 1), queries.reshape(N, 1, P)]); // [N, h, P, S]
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
   * `queries` (int64 positions along L, [P] for every sample or [N, P] per sample): the output is
   * computed at those positions only, [N, P, W], attending over all L keys (each query with its
   * own mask row); the rows equal those of the full output.
   */
  forward(x: Tensor, attnMask?: Tensor | null, queries?: Tensor | null): Tensor {
    return scope(() => {
      const h = this.ln_1.forward(x);
      const q = queries ? rowsAt(h, queries) : h;
      const mask = queries && attnMask ? maskRowsAt(attnMask, queries) : attnMask;
      const base = queries ? rowsAt(x, queries) : x;
      const inPlace = fastPath(x, this, this.attn.out_proj, this.mlp.c_fc, this.mlp.c_proj);
      // In place, the fresh attention and MLP outputs receive the residual: no extra allocation.
      const a = this.attn.forward(q, h, h, { attnMask: mask });
      if (inPlace) {
        // Intermediates are freed as soon as they are read (not at scope end), so that the next
        // buffer of the same size reuses their memory instead of fresh pages from the system.
        for (const t of new Set([h, q])) t.dispose();
        const y = a.add_(base);
        const n = this.ln_2.forward(y);
        const m = this.mlp.forward(n);
        n.dispose();
        return m.add_(y);
      }
      const y = base.add(a);
      return y.add(this.mlp.forward(this.ln_2.forward(y)));
    });
  }
}

/**
 * One block's update of a residual stream `r` [N, L, W] in place (inference path): the out_proj
 * and c_proj GEMMs accumulate straight into `r` (addmm_ with beta 1 after adding the bias), and
 * the MLP's hidden layer and the q, k, v projections live in the caller's workspaces `hidden`
 * [≥ N·L, 4W] and `qkv` [≥ N·L, 3W], reused by every block. Each large allocation of a forward pass is a fresh mapping, faulted in page by page
 * (native/src/addon.cc sets a fixed mmap threshold), so fewer allocations is less system time.
 */
function residualStep(b: ResidualAttentionBlock, r: Tensor, attnMask: Tensor | null | undefined, hidden: Tensor, qkv: Tensor): void {
  scope(() => {
    const w = r.shape[r.shape.length - 1]!;
    const rows = r.reshape(-1, w); // a view: updates land in r
    const h = b.ln_1.forward(r);
    const o = b.attn.attendHeads(h, h, h, { attnMask, projWorkspace: qkv });
    h.dispose(); // freed as soon as read: the next buffer of that size may reuse the mapping's pages
    rows.add_(b.attn.out_proj.bias!).addmm_(o.reshape(-1, w), b.attn.out_proj.weight.t()); // r += out_proj(o)
    o.dispose();
    const n = b.ln_2.forward(r);
    const { c_fc, c_proj } = b.mlp;
    const g = hidden.narrow(0, 0, rows.shape[0]!);
    g.copy_(c_fc.bias!).addmm_(n.reshape(-1, w), c_fc.weight.t(), QUICK_GELU, QUICK_GELU).silu_(); // 1.702·c_fc, silu
    n.dispose();
    rows.add_(c_proj.bias!).addmm_(g, c_proj.weight.t(), 1, 1 / QUICK_GELU); // r += c_proj(g / 1.702)
  });
}

export interface TransformerRunOptions {
  attnMask?: Tensor | null;
  /** Run blocks [from, to) only (default: all). */
  from?: number;
  to?: number;
  /**
   * int64 positions, [P] for every sample or [N, P] per sample: the last block run computes its
   * output at these positions only ([N, P, W]; see ResidualAttentionBlock.forward).
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
    const blocks = Array.from({ length: Math.max(0, to - from) }, (_, k) => this.resblocks.at(from + k));
    const inPlace = blocks.length > 0 && blocks.every((b) => fastPath(x, b, b.attn.out_proj, b.mlp.c_fc, b.mlp.c_proj));
    if (inPlace) return this.#forwardInPlace(x, from, to, o);
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

  /** The inference path: one residual stream updated in place, one MLP workspace for all blocks. */
  #forwardInPlace(x: Tensor, from: number, to: number, o: TransformerRunOptions): Tensor {
    return scope(() => {
      const r = x.contiguous().clone(); // the stream; x is the caller's and stays untouched
      const [w] = r.shape.slice(-1) as [number];
      const last = o.lastQueries ? to - 1 : to; // a last block at selected queries runs on its own
      if (last > from) {
        // Uninitialised (every use overwrites them), in the weights' dtype, on the stream's device.
        const ws = (b: nn.Parameter) => withDevice(r.device, () => empty([r.numel / w, b.shape[0]!], b.dtype));
        const first = this.resblocks.at(from);
        const hidden = ws(first.mlp.c_fc.bias!); // [N·L, 4W]
        const qkv = ws(first.attn.in_proj_bias); // [N·L, 3W]
        for (let i = from; i < last; i++) {
          residualStep(this.resblocks.at(i), r, o.attnMask, hidden, qkv);
          o.onBlock?.(i, r.clone()); // a copy: r changes with the next block
        }
        hidden.dispose();
        qkv.dispose();
      }
      if (last === to) return r;
      const out = this.resblocks.at(last).forward(r, o.attnMask, o.lastQueries);
      o.onBlock?.(last, out);
      return out;
    });
  }
}

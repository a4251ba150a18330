/**
 * Hugging Face `CLIPModel` weights (`save_pretrained`: `vision_model.encoder.layers.N.self_attn.q_proj`,
 * `text_model.embeddings.token_embedding`, `visual_projection`, ...) renamed into OpenAI's CLIP
 * layout, which the loader then treats like OpenAI's archive (docs/ARCHITECTURE.md,
 * "Initialisation from OpenAI CLIP"). The two layouts hold the same numbers except that HF keeps
 * separate q/k/v projections (OpenAI's `nn.MultiheadAttention` stacks them, q first, into
 * `in_proj_weight`/`in_proj_bias`) and stores the two projections as bias-free Linears, [E, W],
 * where OpenAI multiplies by a [W, E] matrix. Keys this table does not know pass through
 * unchanged, so a strict load lists them as unexpected.
 */
import { nn } from '../torch/index.js';
import type { RawTensor } from '../torch/io/index.js';
import { concatRows, transposeMatrix } from './raw-reshape.js';

/** HF key → OpenAI key for everything outside the encoder blocks. */
const TOP: Record<string, string> = {
  'vision_model.embeddings.class_embedding': 'visual.class_embedding',
  'vision_model.embeddings.patch_embedding.weight': 'visual.conv1.weight',
  'vision_model.embeddings.position_embedding.weight': 'visual.positional_embedding',
  'vision_model.pre_layrnorm.weight': 'visual.ln_pre.weight',
  'vision_model.pre_layrnorm.bias': 'visual.ln_pre.bias',
  'vision_model.post_layernorm.weight': 'visual.ln_post.weight',
  'vision_model.post_layernorm.bias': 'visual.ln_post.bias',
  'text_model.embeddings.token_embedding.weight': 'token_embedding.weight',
  'text_model.embeddings.position_embedding.weight': 'positional_embedding',
  'text_model.final_layer_norm.weight': 'ln_final.weight',
  'text_model.final_layer_norm.bias': 'ln_final.bias',
  logit_scale: 'logit_scale',
};
/** Linear weights [E, W] that OpenAI stores transposed as a projection matrix [W, E]. */
const PROJECTIONS: Record<string, string> = {
  'visual_projection.weight': 'visual.proj',
  'text_projection.weight': 'text_projection',
};
/** Inside a block: HF name → OpenAI name (q/k/v are fused separately). */
const BLOCK: Record<string, string> = {
  'layer_norm1.weight': 'ln_1.weight',
  'layer_norm1.bias': 'ln_1.bias',
  'layer_norm2.weight': 'ln_2.weight',
  'layer_norm2.bias': 'ln_2.bias',
  'self_attn.out_proj.weight': 'attn.out_proj.weight',
  'self_attn.out_proj.bias': 'attn.out_proj.bias',
  'mlp.fc1.weight': 'mlp.c_fc.weight',
  'mlp.fc1.bias': 'mlp.c_fc.bias',
  'mlp.fc2.weight': 'mlp.c_proj.weight',
  'mlp.fc2.bias': 'mlp.c_proj.bias',
};
const TOWERS: Record<string, string> = {
  vision_model: 'visual.transformer',
  text_model: 'transformer',
};
const BLOCK_KEY = /^(vision_model|text_model)\.encoder\.layers\.(\d+)\.(.+)$/;
const QKV = /^self_attn\.([qkv])_proj\.(weight|bias)$/;
/** Buffers older transformers versions saved; not weights. */
const IGNORED = /^(vision_model|text_model)\.embeddings\.position_ids$/;

/** True when the keys are those of a HF CLIP model (either tower's prefix). */
export function isHfClip(keys: Iterable<string>): boolean {
  for (const k of keys)
    if (k.startsWith('vision_model.') || k.startsWith('text_model.')) return true;
  return false;
}

/**
 * Renames HF CLIP weights to OpenAI CLIP names (no `clip.` prefix). `file` names the checkpoint in
 * the StateDictError thrown when q, k and v of one block do not have one shape and dtype.
 */
export function hfToClipKeys(
  hf: ReadonlyMap<string, RawTensor>,
  file: string,
): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  // q/k/v per block, keyed by the OpenAI prefix + 'weight' | 'bias'.
  const qkv = new Map<
    string,
    {
      names: Partial<Record<'q' | 'k' | 'v', string>>;
      parts: Partial<Record<'q' | 'k' | 'v', RawTensor>>;
    }
  >();
  for (const [k, v] of hf) {
    if (IGNORED.test(k)) continue;
    const top = TOP[k];
    const proj = PROJECTIONS[k];
    const m = BLOCK_KEY.exec(k);
    if (top) out.set(top, v);
    else if (proj) out.set(proj, v.shape.length === 2 ? transposeMatrix(v) : v);
    else if (m) {
      const prefix = `${TOWERS[m[1]!]}.resblocks.${m[2]}.`;
      const rest = m[3]!;
      const q = QKV.exec(rest);
      if (BLOCK[rest]) out.set(prefix + BLOCK[rest], v);
      else if (q) {
        const target = `${prefix}attn.in_proj_${q[2]}`;
        const slot = qkv.get(target) ?? { names: {}, parts: {} };
        const which = q[1] as 'q' | 'k' | 'v';
        slot.names[which] = k;
        slot.parts[which] = v;
        qkv.set(target, slot);
      } else out.set(k, v);
    } else out.set(k, v);
  }
  for (const [target, { names, parts }] of qkv) {
    const { q, k, v } = parts;
    if (!q || !k || !v) {
      // An incomplete triple stays under its HF names: the strict load reports them and the missing in_proj.
      for (const w of ['q', 'k', 'v'] as const) if (parts[w]) out.set(names[w]!, parts[w]);
      continue;
    }
    const bad = (['k', 'v'] as const).filter(
      (w) => parts[w]!.dtype !== q.dtype || parts[w]!.shape.join(',') !== q.shape.join(','),
    );
    if (bad.length > 0) {
      const report: nn.LoadReport = {
        missing: [],
        unexpected: [],
        mismatched: bad.map((w) => ({ key: names[w]!, expected: q.shape, got: parts[w]!.shape })),
        loaded: 0,
      };
      const detail = bad
        .map((w) => `'${names[w]}' is ${parts[w]!.dtype} [${parts[w]!.shape.join(',')}]`)
        .join(', ');
      throw new nn.StateDictError(
        `T2VLP.load: cannot fuse q/k/v into '${target}' in ${file}: ${detail} but '${names.q}' is ${q.dtype} [${q.shape.join(',')}]; q, k and v projections of a block must have one shape and dtype (is the checkpoint damaged?)`,
        report,
      );
    }
    out.set(target, concatRows([q, k, v]));
  }
  return out;
}

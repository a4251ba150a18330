/**
 * The key layouts of CLIP weights people have, recognised by their names and brought to the
 * reference layout: OpenAI's CLIP names (`visual.transformer.resblocks.N.attn.in_proj_weight`,
 * `token_embedding.weight`, ...), which the loader then maps under `clip.` with the tube encoder
 * taken from the visual tower (docs/ARCHITECTURE.md, "Initialisation from OpenAI CLIP").
 * - t2vlp checkpoints (`clip.` keys) and OpenAI's archive/state dicts are already there; OpenCLIP's
 *   `CLIP` state dicts use the same names.
 * - OpenCLIP's `CustomTextCLIP` keeps the text tower under `text.`: the prefix is dropped.
 * - Hugging Face `CLIPModel` weights are renamed (hf-clip.ts), with `config.json` beside them
 *   checked and read (hf-clip-config.ts).
 * OpenCLIP options t2vlp's towers do not compute (layer scale, custom attention blocks,
 * attentional pooling, ...) are refused by name rather than reported as unexpected keys. What a
 * state dict cannot show, the activation, is assumed to be QuickGELU as in OpenAI's CLIP.
 */
import { CheckpointError, type RawTensor } from '../torch/io/index.js';
import type { T2VLPConfig } from './config.js';
import { hfClipConfig, readHfClipConfig } from './hf-clip-config.js';
import { configBeside } from './hf-clip-files.js';
import { hfToClipKeys, isHfClip } from './hf-clip.js';

export type ClipLayout = 't2vlp' | 'openai' | 'openclip-text' | 'hf';

export interface ReferenceLayout {
  layout: ClipLayout;
  /** t2vlp keys (`clip.` prefix) for 't2vlp', OpenAI CLIP keys otherwise. */
  raw: Map<string, RawTensor>;
  /** Configuration values the source fixes (HF config.json's end-of-text id). */
  config: Partial<T2VLPConfig>;
}

const KNOWN =
  "t2vlp checkpoints (keys under 'clip.'), OpenAI CLIP archives and OpenAI/OpenCLIP state dicts ('visual.transformer.resblocks.N.*', 'transformer.resblocks.N.*', 'token_embedding.weight'; OpenCLIP's text tower may sit under 'text.'), Hugging Face CLIPModel weights ('vision_model.*', 'text_model.*', 'visual_projection.weight')";

/** Layouts that look like CLIP but need a part t2vlp does not implement. */
const FOREIGN_PARTS: [RegExp, string][] = [
  [/^visual\.trunk\./, "a timm vision tower (OpenCLIP 'timm_model_name')"],
  [
    /^text\.transformer\.(embeddings|encoder)\./,
    "a Hugging Face text tower (OpenCLIP 'hf_model_name')",
  ],
  [/^visual\.(layer\d+|bn1|attnpool)\./, 'a ResNet vision tower (CLIP RN50 family)'],
];

/** OpenCLIP options with weights of their own that t2vlp's towers do not compute. */
const UNSUPPORTED: [RegExp, string][] = [
  [/\.ls_[12]\.gamma$/, "layer scale (OpenCLIP 'ls_init_value')"],
  [
    /\.attn\.(ln_inner|head_scale|logit_scale|q_norm|k_norm)\.|\.attn\.(head_scale|logit_scale)$|\.ln_attn\.|\.mlp\.ln\./,
    "custom attention blocks (OpenCLIP 'qk_norm', 'scaled_cosine_attn', 'scale_heads', 'scale_attn', 'scale_fc')",
  ],
  [/^visual\.attn_pool\./, "attentional pooling (OpenCLIP 'attentional_pool')"],
  [/^logit_bias$/, 'a sigmoid (SigLIP) loss head'],
  [/^text_projection\./, "a text projection layer (OpenCLIP 'proj_bias' or proj_type 'mlp')"],
  [/^cls_emb$/, "a text class token (OpenCLIP 'embed_cls')"],
];

function has(keys: readonly string[], re: RegExp): boolean {
  return keys.some((k) => re.test(k));
}

/** Groups keys by their first name component: 'visual. (152), text. (98)'. */
function summarise(keys: readonly string[]): string {
  const groups = new Map<string, number>();
  for (const k of keys) {
    const head = k.includes('.') ? k.slice(0, k.indexOf('.') + 1) : k;
    groups.set(head, (groups.get(head) ?? 0) + 1);
  }
  const list = [...groups].sort((a, b) => b[1] - a[1]);
  return (
    list
      .slice(0, 10)
      .map(([h, n]) => `${h} (${n})`)
      .join(', ') + (list.length > 10 ? `, ... (${list.length - 10} more groups)` : '')
  );
}

/** The layout of a state dict's keys (a `module.` prefix already removed); UNSUPPORTED CheckpointError otherwise. */
export function detectLayout(keys: readonly string[], file: string): ClipLayout {
  if (has(keys, /^clip\./)) return 't2vlp';
  const fail = (why: string): never => {
    throw new CheckpointError(
      'UNSUPPORTED',
      file,
      `T2VLP.load: '${file}' ${why}. t2vlp reads ${KNOWN}. Found ${keys.length} tensors: ${summarise(keys) || 'none'}`,
    );
  };
  for (const [re, what] of FOREIGN_PARTS)
    if (has(keys, re)) fail(`has ${what}, which t2vlp's CLIP towers do not implement`);
  if (isHfClip(keys)) {
    const vision = has(keys, /^vision_model\./);
    const text = has(keys, /^text_model\./);
    if (!vision || !text)
      fail(
        `holds only the ${vision ? 'vision' : 'text'} tower of a Hugging Face CLIP model; T2VLP needs CLIPModel weights with both towers`,
      );
    return 'hf';
  }
  if (has(keys, /^visual\.transformer\.resblocks\./)) {
    if (has(keys, /^text\.transformer\.resblocks\./)) return 'openclip-text';
    if (has(keys, /^transformer\.resblocks\./)) return 'openai';
    fail(
      'has a CLIP vision tower but no text tower (transformer.resblocks.N.* or text.transformer.resblocks.N.*)',
    );
  }
  return fail('is not in a CLIP layout t2vlp knows');
}

/** Refuses OpenCLIP options t2vlp does not compute, naming them and an example key each. */
function checkSupported(keys: readonly string[], file: string): void {
  const found = UNSUPPORTED.flatMap(([re, what]) => {
    const k = keys.find((x) => re.test(x));
    return k ? [`${what}: '${k}'`] : [];
  });
  if (found.length > 0)
    throw new CheckpointError(
      'UNSUPPORTED',
      file,
      `T2VLP.load: '${file}' uses model options t2vlp's CLIP towers do not implement: ${found.join('; ')}. t2vlp computes OpenAI's CLIP ViT (pre-LN blocks, QuickGELU, class-token pooling, projection matrices)`,
    );
}

/**
 * Brings a state dict (a `module.` prefix already removed) read from `file` to the reference
 * layout. For HF weights, `config.json` beside `file` is checked and read when present;
 * without it the weights' shapes decide and the model is assumed to be OpenAI-like.
 */
export async function toReferenceLayout(
  raw: Map<string, RawTensor>,
  file: string,
): Promise<ReferenceLayout> {
  const layout = detectLayout([...raw.keys()], file);
  if (layout === 't2vlp') return { layout, raw, config: {} };
  let mapped = raw;
  let config: Partial<T2VLPConfig> = {};
  if (layout === 'openclip-text') {
    mapped = new Map();
    for (const [k, v] of raw) mapped.set(k.startsWith('text.') ? k.slice(5) : k, v);
  } else if (layout === 'hf') {
    mapped = hfToClipKeys(raw, file);
    const configPath = await configBeside(file);
    if (configPath) {
      const widths = {
        visionWidth: mapped.get('visual.conv1.weight')?.shape[0] ?? 0,
        textWidth: mapped.get('ln_final.weight')?.shape[0] ?? 0,
      };
      config = hfClipConfig(await readHfClipConfig(configPath), widths, configPath);
    }
  }
  checkSupported([...mapped.keys()], file);
  return { layout, raw: mapped, config };
}

/**
 * What a Hugging Face CLIP `config.json` tells the loader that tensor shapes cannot, and the
 * checks that its model is one t2vlp's towers compute exactly: QuickGELU activations (as OpenAI's
 * CLIP; HF conversions of LAION's OpenCLIP weights use 'gelu' and are refused rather than loaded
 * with silently different features), LayerNorm eps 1e-5, heads = width / 64 in both towers. The
 * end-of-text id follows HF's pooling: `eos_token_id` 2 marks the legacy configurations that pool
 * at the largest id (argmax), which for CLIP's tokenizer is its end-of-text token, vocab_size - 1.
 * Fields a config leaves out take HF's CLIP defaults, as `from_pretrained` would.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, headsFor, type T2VLPConfig } from './config.js';

/** HF's CLIPTextConfig / CLIPVisionConfig defaults for the fields checked here. */
const DEFAULTS = {
  text_config: { hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, num_attention_heads: 8 },
  vision_config: { hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, num_attention_heads: 12 },
} as const;
/** The legacy `eos_token_id` whose configurations pool at the largest id (transformers PR #24773). */
const LEGACY_EOS = 2;

type Tower = keyof typeof DEFAULTS;
type Json = Record<string, unknown>;

/** Widths of the two towers as the weights give them, to check the heads against (0: unknown, not checked). */
export interface TowerWidths {
  visionWidth: number;
  textWidth: number;
}

export async function readHfClipConfig(path: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`T2VLP.load: cannot read '${path}' (${(e as Error).message})`);
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new Error('not a JSON object');
    return json as Json;
  } catch (e) {
    throw new ConfigError(
      `T2VLP.load: '${path}' is not a Hugging Face config (${(e as Error).message}); expected the JSON object save_pretrained writes`,
    );
  }
}

/**
 * Checks a CLIPConfig (`config.json` at `where`) against the weights' widths and returns the
 * configuration values it fixes (the end-of-text id).
 */
export function hfClipConfig(json: Json, widths: TowerWidths, where: string): Partial<T2VLPConfig> {
  const fail = (msg: string): never => {
    throw new ConfigError(`T2VLP.load: ${where}: ${msg}`);
  };
  if (json.model_type !== undefined && json.model_type !== 'clip')
    fail(
      `model_type is '${String(json.model_type)}'; t2vlp loads Hugging Face CLIP models (model_type 'clip', CLIPModel)`,
    );
  const tower = (name: Tower): Json => {
    const t = json[name];
    if (t === undefined) return {};
    if (typeof t !== 'object' || t === null)
      return fail(`${name} is ${JSON.stringify(t)}, expected an object`);
    return t as Json;
  };
  const width = { vision_config: widths.visionWidth, text_config: widths.textWidth };
  for (const name of ['vision_config', 'text_config'] as const) {
    const t = { ...DEFAULTS[name], ...tower(name) };
    if (t.hidden_act !== 'quick_gelu')
      fail(
        `${name}.hidden_act is '${String(t.hidden_act)}'; t2vlp's CLIP towers use QuickGELU (x·sigmoid(1.702x)) as OpenAI's CLIP does, so this model's features would differ. Models converted from OpenCLIP's LAION weights use 'gelu' and are not supported`,
      );
    if (typeof t.layer_norm_eps !== 'number' || Math.abs(t.layer_norm_eps - 1e-5) > 1e-12)
      fail(
        `${name}.layer_norm_eps is ${String(t.layer_norm_eps)}; t2vlp's LayerNorms use 1e-5 as CLIP does`,
      );
    const heads = headsFor(width[name]);
    if (width[name] > 0 && t.num_attention_heads !== heads)
      fail(
        `${name}.num_attention_heads is ${String(t.num_attention_heads)} for width ${width[name]}; t2vlp's CLIP towers use width / 64 = ${heads} heads (as every OpenAI and OpenCLIP ViT does)`,
      );
  }
  const eos = tower('text_config').eos_token_id;
  if (eos === undefined || eos === LEGACY_EOS) return {};
  if (typeof eos !== 'number' || !Number.isInteger(eos) || eos < 0)
    return fail(`text_config.eos_token_id is ${JSON.stringify(eos)}, expected a token id`);
  return { eotTokenId: eos };
}

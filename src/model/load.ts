/**
 * Loading a T2VLP model from any of the checkpoints users have (docs/ARCHITECTURE.md
 * "Initialisation from OpenAI CLIP"):
 * - a t2vlp safetensors checkpoint (configuration in its metadata) or a weights-only safetensors
 *   file with the reference's key names;
 * - a PyTorch state dict (`.pt`/`.bin`, zip format) of a T2VLP model (`clip.` keys; a
 *   `module.` prefix from DataParallel is removed);
 * - OpenAI's CLIP TorchScript archive (`ViT-B-16.pt`) or a CLIP state dict: every key is copied
 *   under `clip.`, the tube encoder `local_visual` is filled from the visual tower (its last
 *   blocks become the tube encoder's blocks), and parameters CLIP does not have keep their fresh
 *   initialisation;
 * - the same for OpenCLIP state dicts and Hugging Face CLIPModel weights (a folder with
 *   `config.json` + `model.safetensors`, or that file), renamed to OpenAI's names first
 *   (clip-layouts.ts).
 * The configuration is inferred from the tensor shapes unless the file carries one; a checkpoint
 * that does not fit gets a StateDictError listing missing, unexpected and mis-shaped keys.
 */
import { basename } from 'node:path';
import { readCheckpointFile, readSafetensors, detectCheckpointFormat, type RawTensor } from '../torch/io/index.js';
import { fromRaw, nn, type DType, type Tensor } from '../torch/index.js';
import { type T2VLPConfig, inferConfig } from './config.js';
import { checkFusionComplete, isFusionKey, planLaterStages } from './load-fusion.js';
import type { T2VLP } from './t2vlp.js';
import { toReferenceLayout } from './clip-layouts.js';
import { weightsFileOf } from './hf-clip-files.js';

export interface LoadModelOptions {
  /** Overrides of values shapes cannot tell (numFrames, jointLayers, eotTokenId, maskPaddedFrames). */
  config?: Partial<T2VLPConfig>;
  /**
   * Weights after loading: 'float32' (default), 'bfloat16', or 'int8' (float32 weights plus int8
   * copies of the Linear layers for CPU inference; docs/ARCHITECTURE.md "Precisions").
   */
  dtype?: Extract<DType, 'float32' | 'bfloat16'> | 'int8';
  /** Throw when keys are missing, unexpected or mis-shaped (default true). */
  strict?: boolean;
  /**
   * The fusion encoder (load-fusion.ts): by default the checkpoint decides (all its keys: present;
   * none: absent; some: an error). `true` on a checkpoint without fusion keys initialises a fresh
   * one (stage 2 from a stage-1 model); `false` drops it.
   */
  fusion?: boolean;
}

export const CONFIG_METADATA_KEY = 't2vlp_config';

/** Scalars OpenAI's archive stores beside the weights. */
const CLIP_EXTRAS = new Set(['input_resolution', 'context_length', 'vocab_size']);
/** Parameters a model built from CLIP initialises fresh. */
const FRESH_FROM_CLIP = [/^clip\.fusion_center$/, /^clip\.fusion_proj_center\./, /^clip\.lm_head\./];

function normaliseKeys(raw: Map<string, RawTensor>): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [k, v] of raw) out.set(k.startsWith('module.') ? k.slice(7) : k, v);
  return out;
}

/** Maps CLIP keys to T2VLP keys, copying the visual tower into the tube encoder. */
export function clipToT2VLPKeys(clip: Map<string, RawTensor>, cfg: T2VLPConfig): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  const first = cfg.visionLayers - cfg.tubeLayers;
  for (const [k, v] of clip) {
    // The text blocks' causal masks are attributes of the archive's modules, not weights.
    if (CLIP_EXTRAS.has(k) || k.endsWith('.attn_mask')) continue;
    out.set(`clip.${k}`, v);
    if (!k.startsWith('visual.')) continue;
    const rest = k.slice('visual.'.length);
    const m = /^transformer\.resblocks\.(\d+)\.(.*)$/.exec(rest);
    if (!m) out.set(`clip.local_visual.${rest}`, v);
    else if (Number(m[1]) >= first) out.set(`clip.local_visual.transformer.resblocks.${Number(m[1]) - first}.${m[2]}`, v);
  }
  return out;
}

async function readWithConfig(folderOrFile: string): Promise<{ raw: Map<string, RawTensor>; config?: Partial<T2VLPConfig>; file: string }> {
  const path = await weightsFileOf(folderOrFile); // a Hugging Face folder → its model.safetensors
  if ((await detectCheckpointFormat(path)) === 'safetensors') {
    const r = await readSafetensors(path);
    const c = r.metadata[CONFIG_METADATA_KEY];
    return { raw: r.tensors, config: c ? (JSON.parse(c) as Partial<T2VLPConfig>) : undefined, file: path };
  }
  return { raw: await readCheckpointFile(path), file: path };
}

/**
 * Reads `path` and returns the model `create` builds for its configuration, with the weights
 * loaded (`T2VLP.load` passes its constructor; load.ts does not import the class, so the two
 * modules have no import cycle).
 */
export async function loadT2VLP(
  path: string,
  o: LoadModelOptions = {},
  create: (config: T2VLPConfig) => T2VLP,
): Promise<T2VLP> {
  const { raw: read, config: saved, file } = await readWithConfig(path);
  // OpenCLIP / Hugging Face names → OpenAI's; unknown layouts are refused here.
  const { raw, layout, config: fromSource } = await toReferenceLayout(normaliseKeys(read), file);
  const isT2VLP = layout === 't2vlp';
  const shapes = new Map<string, number[]>();
  for (const [k, v] of raw) {
    if (isT2VLP && !k.startsWith('clip.')) continue;
    shapes.set(isT2VLP ? k.slice(5) : k, v.shape);
  }
  const explicit = { ...saved, ...fromSource, ...o.config };
  const inferred = inferConfig(shapes, explicit);
  const keyedAll = isT2VLP ? raw : clipToT2VLPKeys(raw, inferred);
  const plan = planLaterStages(keyedAll.keys(), inferred, o.fusion, explicit);
  const cfg = plan.config;
  const model = create(cfg);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [k, v] of keyedAll) if (!plan.drop(k)) tensors.set(k, fromRaw(v));
    const report = model.loadStateDict(tensors, { strict: false });
    try {
      checkFusionComplete(report.missing, plan, basename(path));
    } catch (e) {
      model.dispose();
      throw e;
    }
    const fresh = (k: string) => (!isT2VLP && FRESH_FROM_CLIP.some((r) => r.test(k))) || (plan.freshFusion && isFusionKey(k));
    const missing = report.missing.filter((k) => !fresh(k));
    const bad = { ...report, missing };
    if ((o.strict ?? true) && missing.length + report.unexpected.length + report.mismatched.length > 0) {
      model.dispose();
      throw new nn.StateDictError(
        `T2VLP.load: ${basename(path)} does not fit a T2VLP model:\n${nn.describeReport(bad, basename(path))}`,
        bad,
      );
    }
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  if (o.dtype === 'int8') model.quantize('int8');
  else if (o.dtype && o.dtype !== 'float32') model.to(o.dtype);
  return model.eval();
}

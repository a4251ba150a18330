/**
 * The T2VLP configuration: CLIP's widths, layers, patch size, resolution, context length and
 * vocabulary, plus what T2VLP adds (frames per video, how many of the last visual layers attend
 * jointly over all frames, tube centers, tube-encoder layers). Defaults are ViT-B/16 as the
 * reference hard-codes it (12 frames, joint attention in the last 2 of 12 visual layers, 8
 * centers, 2 tube layers). `inferConfig` reads the configuration off a state dict's shapes, as the
 * reference does (heads = width / 64).
 */
import { readFileSync } from 'node:fs';

export interface T2VLPConfig {
  embedDim: number;
  imageResolution: number;
  visionLayers: number;
  visionWidth: number;
  visionPatchSize: number;
  contextLength: number;
  vocabSize: number;
  textWidth: number;
  textHeads: number;
  textLayers: number;
  /** Frames per video (the reference's literal 12). */
  numFrames: number;
  /** Number of final visual layers that attend over all frames of a video at once (reference: 2, i.e. from layer 10). */
  jointLayers: number;
  /** Semantic centers K. */
  numCenters: number;
  /** Blocks of the tube encoder `local_visual.transformer`. */
  tubeLayers: number;
  /** Id of the end-of-text token whose position gives the sentence feature. */
  eotTokenId: number;
  /** Exclude padded frames from tube pooling and the head token (the reference includes them). */
  maskPaddedFrames: boolean;
  /** The model has the fusion encoder (`clip.fusion_*`, `visual_linear`): stage-2 and downstream checkpoints (docs/FUSION.md). */
  fusion: boolean;
  /** Blocks stored in `clip.fusion_transformer` (the reference builds as many as the text tower has). */
  fusionLayers: number;
  /** Blocks of `clip.fusion_transformer` that run (the reference's literal 6). */
  fusionRunLayers: number;
  /** Blocks of the tightTransf cross encoder (`cross.*`, `similarity_dense.*`); 0 = none. */
  crossLayers: number;
  /**
   * Reproduce the reference cross encoder's head-major mask repetition (docs/QUIRKS.md): head h of
   * pair n sees the key mask of pair (n·heads + h) mod N. Off by default (each pair its own mask).
   */
  crossHeadMajorMask: boolean;
  /** The similarity `model.similarity` computes by default: the loose 'meanP' one or the cross encoder's 'tight' one. */
  similarity: SimilarityKind;
}

/**
 * Configuration keys of the heads that do not change `encodeVideo` / `encodeText` (the fusion and
 * cross encoders): embeddings made by a stage-1 model stay valid for its stage-2 or retrieval model.
 */
export const HEAD_CONFIG_KEYS: readonly (keyof T2VLPConfig)[] = [
  'fusion',
  'fusionLayers',
  'fusionRunLayers',
  'crossLayers',
  'crossHeadMajorMask',
  'similarity',
];

/** 'meanP': cosine of mean-pooled frames and the text feature; 'tight': the tightTransf cross encoder. */
export type SimilarityKind = 'meanP' | 'tight';

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const VIT_B_16: T2VLPConfig = JSON.parse(
  readFileSync(new URL('./configs/vit-b-16.json', import.meta.url), 'utf8'),
) as T2VLPConfig;

/** Heads = width / 64 as in CLIP (at least one, for the tiny test configurations). */
export const headsFor = (width: number): number => Math.max(1, Math.floor(width / 64));
export const visionHeads = (c: T2VLPConfig): number => headsFor(c.visionWidth);
export const gridSize = (c: T2VLPConfig): number => c.imageResolution / c.visionPatchSize;
export const tokensPerFrame = (c: T2VLPConfig): number => gridSize(c) ** 2 + 1;

export function validateConfig(c: T2VLPConfig): T2VLPConfig {
  const need = (ok: boolean, msg: string) => {
    if (!ok) throw new ConfigError(`T2VLP config: ${msg}`);
  };
  for (const [k, v] of Object.entries(c))
    if (typeof v === 'number') need(Number.isInteger(v) && v >= 0, `${k} must be a non-negative integer, got ${v}`);
  need(c.visionWidth % headsFor(c.visionWidth) === 0, `visionWidth ${c.visionWidth} must be a multiple of 64 (heads = width / 64)`);
  need(c.textWidth % c.textHeads === 0, `textWidth ${c.textWidth} is not divisible by textHeads ${c.textHeads}`);
  need(c.imageResolution % c.visionPatchSize === 0, `imageResolution ${c.imageResolution} is not a multiple of visionPatchSize ${c.visionPatchSize}`);
  need(c.jointLayers <= c.visionLayers, `jointLayers ${c.jointLayers} exceeds visionLayers ${c.visionLayers}`);
  need(c.numFrames >= 1 && c.numCenters >= 1, 'numFrames and numCenters must be at least 1');
  need(c.fusionRunLayers <= c.fusionLayers || !c.fusion, `fusionRunLayers ${c.fusionRunLayers} exceeds fusionLayers ${c.fusionLayers}`);
  need(!c.fusion || c.embedDim === c.textWidth, `the fusion encoder needs embedDim (${c.embedDim}) = textWidth (${c.textWidth})`);
  need(c.similarity === 'meanP' || c.similarity === 'tight', `similarity must be 'meanP' or 'tight', got '${String(c.similarity)}'`);
  need(c.similarity !== 'tight' || c.crossLayers > 0, "similarity 'tight' needs the cross encoder (crossLayers > 0)");
  need(c.eotTokenId < c.vocabSize, `eotTokenId ${c.eotTokenId} is outside the vocabulary of ${c.vocabSize}`);
  return c;
}

/** Shapes by key (prefix already stripped to CLIP names: `visual.conv1.weight`, ...). */
export type ShapeTable = Map<string, number[]>;

function countBlocks(shapes: ShapeTable, prefix: string): number {
  let n = 0;
  for (const k of shapes.keys()) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}resblocks\\.(\\d+)\\.`).exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * The configuration implied by a state dict's shapes (CLIP names, no `clip.` prefix); values that
 * shapes cannot tell (frames, joint layers, eot id) come from `base`.
 */
export function inferConfig(shapes: ShapeTable, base: Partial<T2VLPConfig> = {}): T2VLPConfig {
  const get = (k: string): number[] => {
    const s = shapes.get(k);
    if (!s) throw new ConfigError(`cannot infer the configuration: the checkpoint has no '${k}'`);
    return s;
  };
  const conv = get('visual.conv1.weight'); // [Wv, 3, p, p]
  const pos = get('visual.positional_embedding'); // [g*g+1, Wv]
  const visionWidth = conv[0]!;
  const patch = conv[2]!;
  const grid = Math.round(Math.sqrt(pos[0]! - 1));
  const textWidth = get('ln_final.weight')[0]!;
  const vocabSize = get('token_embedding.weight')[0]!;
  const tubeLayers = countBlocks(shapes, 'local_visual.transformer.');
  const center = shapes.get('fusion_center');
  const fusionLayers = countBlocks(shapes, 'fusion_transformer.');
  const cfg: T2VLPConfig = {
    ...VIT_B_16,
    ...base,
    embedDim: get('text_projection')[1]!,
    imageResolution: grid * patch,
    visionLayers: countBlocks(shapes, 'visual.transformer.'),
    visionWidth,
    visionPatchSize: patch,
    contextLength: get('positional_embedding')[0]!,
    vocabSize,
    textWidth,
    textHeads: headsFor(textWidth),
    textLayers: countBlocks(shapes, 'transformer.'),
    numCenters: center ? center[2]! : (base.numCenters ?? VIT_B_16.numCenters),
    tubeLayers: tubeLayers || (base.tubeLayers ?? VIT_B_16.tubeLayers),
    eotTokenId: base.eotTokenId ?? vocabSize - 1,
    // The fusion encoder exists when the checkpoint has its blocks (load.ts checks the other keys).
    fusion: fusionLayers > 0,
    fusionLayers: fusionLayers || (base.fusionLayers ?? countBlocks(shapes, 'transformer.')),
    fusionRunLayers: Math.min(base.fusionRunLayers ?? VIT_B_16.fusionRunLayers, fusionLayers || Infinity),
  };
  return validateConfig(cfg);
}

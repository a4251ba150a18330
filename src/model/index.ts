/**
 * The T2VLP model: configuration, the CLIP towers with tube tokens, losses, loading (`T2VLP.load`)
 * and saving (`model.save`).
 */

export { T2VLP, meanPooledVideo, type VideoEncoding, type TextEncoding, type Stage1Batch, type Stage1Loss } from './t2vlp.js';
export { CLIP, type TubeOutput } from './clip.js';
export { VisualTransformer, type VisualOutput } from './visual.js';
export { Transformer, ResidualAttentionBlock, Mlp } from './transformer.js';
export { type T2VLPConfig, VIT_B_16, inferConfig, validateConfig, ConfigError } from './config.js';
export { contrastiveLoss, textCenters, alignLoss, gatherGlobal, type GlobalBatchOptions } from './losses.js';
export { type LoadModelOptions, clipToT2VLPKeys, CONFIG_METADATA_KEY } from './load.js';
export { detectLayout, toReferenceLayout } from './clip-layouts.js';

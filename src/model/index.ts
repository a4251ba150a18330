/**
 * The T2VLP model: configuration, the CLIP towers with tube tokens, losses, loading and saving.
 * Importing this module wires `T2VLP.load` and `model.save`.
 */
import { loadT2VLP } from './load.js';
import { saveT2VLP } from './save.js';
import { T2VLP } from './t2vlp.js';

T2VLP.load = loadT2VLP;
T2VLP.prototype.save = function (this: T2VLP, path: string, extra?: Record<string, string>) {
  return saveT2VLP(this, path, extra);
};

export { T2VLP, meanPooledVideo, type VideoEncoding, type TextEncoding, type Stage1Batch, type Stage1Loss } from './t2vlp.js';
export { CLIP, type TubeOutput } from './clip.js';
export { VisualTransformer, type VisualOutput } from './visual.js';
export { Transformer, ResidualAttentionBlock, Mlp } from './transformer.js';
export { type T2VLPConfig, VIT_B_16, inferConfig, validateConfig, ConfigError } from './config.js';
export { contrastiveLoss, textCenters, alignLoss } from './losses.js';
export { type LoadModelOptions, clipToT2VLPKeys, CONFIG_METADATA_KEY } from './load.js';

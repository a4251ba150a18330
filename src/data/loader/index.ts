// From samples to batches: sharded deterministic order, parallel loading with bounded prefetch,
// skip-and-count of bad samples, resumable positions, model items, collation and MLM labels.
export {
  DataLoader,
  type DataPosition,
  type LoadContext,
  type LoaderBatch,
  type LoaderOptions,
  type SkipReport,
} from './data-loader.js';
export { shardOrder, type ShardOptions } from './sampler.js';
export { modelItemLoader, type ItemOptions, type ModelItem } from './items.js';
export { collate, batchToTensors, type CollatedBatch, type TensorBatch } from './collate.js';
export { pretrainMaskLabels, MLM_PROBABILITY } from './mlm-labels.js';

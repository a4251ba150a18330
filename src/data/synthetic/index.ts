// A generator of a small synthetic video-text dataset (moving, appearing, disappearing and
// colour-changing shapes) in MSR-VTT / MSRVTT-QA file formats.
export {
  generateSyntheticDataset,
  type SyntheticOptions,
  type SyntheticResult,
  type SyntheticSettings,
} from './generate.js';
export { SYNTHETIC_ANSWERS } from './captions.js';

/**
 * Option declarations shared by the commands that run a trained model on videos or texts
 * (encode, eval, search), so the same flag means the same thing everywhere.
 */
import type { OptionSpec, OptionSpecs } from './args.js';

export const DTYPE_OPTION = {
  type: 'string',
  help: 'weights dtype: float32, bfloat16, or int8 (dynamic int8 Linear layers, CPU only)',
  default: 'float32',
  choices: ['float32', 'bfloat16', 'int8'],
} as const satisfies OptionSpec;

export const MAX_WORDS_OPTION = { type: 'int', help: 'tokens per text, start and end included', default: 32 } as const satisfies OptionSpec;

/** How videos are sampled and decoded for a model. */
export const VIDEO_INPUT_OPTIONS = {
  frames: { type: 'int', help: "frames sampled per video (default: the model's numFrames)" },
  fps: {
    type: 'int',
    help: 'frames taken per second of video (feature_framerate; 0 = all; MSR-VTT retrieval: 2)',
    default: 2,
  },
  concurrency: { type: 'int', help: 'videos decoded at once', default: 2 },
} as const satisfies OptionSpecs;

/** Where a command computes (commandDevice() in device.ts resolves it). */
export const DEVICE_OPTION = {
  type: 'string',
  help: 'where to compute: cpu, cuda or cuda:N (default: cuda when a CUDA device is available, else cpu)',
} as const satisfies OptionSpec;

/** Training: the stage-1 loop, presets, parameter groups, checkpoints, progress and launching. */
export { trainStage1, type TrainRunOptions, type TrainResult } from './trainer.js';
export { PRESETS, DEMO_MODEL, type TrainSettings } from './presets.js';
export { parameterGroups, type GroupOptions } from './param-groups.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, hasCheckpoint, LAST_CHECKPOINT, type TrainState } from './checkpoint.js';
export { Progress, type StepRecord, type ProgressOptions } from './progress.js';
export { launchWorkers, workerEnv, freePort, type LaunchOptions, type WorkerEnv } from './launch.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';

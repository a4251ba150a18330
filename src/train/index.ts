/** Training: the loop (every objective), presets, parameter groups, checkpoints, progress and launching. */
export { trainModel, trainStage1, type TrainRunOptions, type TrainResult, type AmpMode } from './trainer.js';
export { createOptimizer, microStep, applyStep, LOGIT_SCALE_MAX, type MicroStepResult } from './train-step.js';
export { PRESETS, DEMO_MODEL, STAGE1_NEW_MODULES, FUSION_NEW_MODULES, type TrainSettings } from './presets.js';
export { OBJECTIVES, OBJECTIVE_SPECS, type Objective, type ObjectiveSpec, type ObjectiveContext } from './objectives.js';
export { answerVocabularyOf, qaTrainingSamples, type QaTrainingSamples } from './qa-samples.js';
export { parameterGroups, type GroupOptions } from './param-groups.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, hasCheckpoint, LAST_CHECKPOINT, type TrainState, type CheckpointPrecision } from './checkpoint.js';
export { Progress, type StepRecord, type ProgressOptions } from './progress.js';
export { launchWorkers, workerEnv, freePort, type LaunchOptions, type WorkerEnv } from './launch.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';

/** torch.optim: optimizers with parameter groups and state save/restore, and lr schedules. */
export { Optimizer, type ParamGroup, type ParamGroupInput, type OptimizerState } from './optimizer.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { BertAdam, type BertAdamOptions } from './bert-adam.js';
export { makeSchedule, type Schedule, type ScheduleName } from './schedules.js';
export { GradScaler, GradScalerStateError, type GradScalerOptions, type GradScalerState } from './grad-scaler.js';

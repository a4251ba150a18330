/**
 * Reduced precision: autocast regions (bfloat16/float16 compute with float32 weights), dynamic
 * int8 quantization of Linear layers for CPU inference, and their errors. The loss scaler for
 * float16 training is optim/grad-scaler.ts.
 */
export { autocast, autocastState, type AutocastDType, type AutocastOptions } from './autocast.js';
export { quantizeDynamicInt8, isQuantized, dequantize } from './quantize.js';
export { PrecisionError, type PrecisionErrorCode } from './errors.js';

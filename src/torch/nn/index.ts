/** torch.nn: modules, layers, attention and the functional ops. */
export { Module, ModuleList, Sequential, StateDictError, describeReport, type LoadReport, type LoadOptions } from './module.js';
export { Parameter, BufferTensor, parameter } from './parameter.js';
export * as init from './init.js';
export { Linear, LayerNorm, Embedding, Conv2d, Dropout } from './layers.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type AttentionCallOptions } from './attention.js';
export * as functional from './functional.js';

export { LpcError, type LpcErrorCode } from './errors.js';
export * from './native/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './likelihoods/index.js';
export * from './inference/index.js';
export * from './training/index.js';
export * from './eval/index.js';
export * from './report/index.js';
export * from './web/index.js';
/** The ONNX toolkit: codec, graph IR and builder, reverse-mode autodiff, gradient checks, export. */
export * as onnx from './onnx/index.js';

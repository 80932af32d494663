export { LpcError, type LpcErrorCode } from './errors.js';
export * from './native/index.js';
export * from './data/index.js';
export * from './report/index.js';
export * from './training/index.js';
export * from './inference/index.js';
export * from './eval/index.js';

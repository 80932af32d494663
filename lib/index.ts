export { LpcError, type LpcErrorCode } from './errors.js';
export * from './native/index.js';

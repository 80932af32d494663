export { LpcError, type LpcErrorCode } from './errors.js';

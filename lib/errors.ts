/**
 * Every error this package throws on purpose is an `LpcError` with a stable `code`.
 * Tests and callers branch on `code`, never on message text.
 *
 * @example
 * try { sampler.run(x); } catch (e) {
 *   if (e instanceof LpcError && e.code === 'LPC_SHAPE_MISMATCH') console.error(e.message);
 * }
 *
 * @module errors
 */

/**
 * What kind of error an LpcError is: LPC_INVALID_ARGUMENT (a value outside what is allowed), LPC_SHAPE_MISMATCH
 * (lengths or shapes that do not agree), LPC_UNSUPPORTED_OP (an ONNX operator or attribute the autodiff does not
 * handle), LPC_INVALID_MODEL (a malformed or inconsistent ONNX file), LPC_DIVERGED (energies that stayed
 * non-finite), LPC_DISPOSED (a native object used after dispose()), LPC_INVALID_STATE (a method called out of
 * order), LPC_NOT_FOUND (an absent file or dataset), LPC_CORRUPT_DATA (a data file whose bytes do not match its
 * format), LPC_UNSUPPORTED_FORMAT (a data file in a dtype or layout not read), LPC_CHECKPOINT (a checkpoint that
 * cannot be written or read), LPC_CONFIG_MISMATCH (a resumed run whose options differ from its checkpoint's),
 * LPC_OUT_OF_MEMORY (an allocation that failed in the addon), LPC_NATIVE (a failure inside the addon; its error
 * is the `cause`).
 */
export type LpcErrorCode =
  | 'LPC_INVALID_ARGUMENT'
  | 'LPC_SHAPE_MISMATCH'
  | 'LPC_UNSUPPORTED_OP'
  | 'LPC_INVALID_MODEL'
  | 'LPC_DIVERGED'
  | 'LPC_DISPOSED'
  | 'LPC_INVALID_STATE'
  | 'LPC_NOT_FOUND'
  | 'LPC_CORRUPT_DATA'
  | 'LPC_UNSUPPORTED_FORMAT'
  | 'LPC_CHECKPOINT'
  | 'LPC_CONFIG_MISMATCH'
  | 'LPC_OUT_OF_MEMORY'
  | 'LPC_NATIVE';

/** The package's error: `code` says what went wrong (stable, for programs), the message says where and what to do. */
export class LpcError extends Error {
  /** What kind of error this is; match on it, never on the message. */
  readonly code: LpcErrorCode;

  /** An error of kind `code`; `options.cause` keeps the error it wraps. */
  constructor(code: LpcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LpcError';
    this.code = code;
  }
}

/**
 * Formats a value for an error message: short, and unambiguous about its type.
 *
 * @internal The package's own argument checks; not exported from langevin-pc.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (ArrayBuffer.isView(value)) {
    const ctor = (value as { constructor: { name: string } }).constructor.name;
    const len = 'length' in value ? (value as { length: number }).length : value.byteLength;
    return `${ctor}(${len})`;
  }
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}

/**
 * Throws LPC_SHAPE_MISMATCH naming the array, the length it needs and what it has.
 *
 * @internal The package's own argument checks; not exported from langevin-pc.
 */
export function shapeMismatch(name: string, expected: string, received: unknown): never {
  throw new LpcError('LPC_SHAPE_MISMATCH', `${name} must be ${expected}; received ${describeValue(received)}`);
}

/**
 * Throws LPC_INVALID_ARGUMENT naming the argument, what was expected and what was received.
 *
 * @internal The package's own argument checks; not exported from langevin-pc.
 */
export function invalidArgument(name: string, expected: string, received: unknown): never {
  throw new LpcError('LPC_INVALID_ARGUMENT', `${name} must be ${expected}; received ${describeValue(received)}`);
}

/** Test helper: asserts that `fn` throws an LpcError with `code` whose message contains `fragment`. */
import { expect } from 'vitest';
import { LpcError, type LpcErrorCode } from '../../lib/errors.js';

export function expectLpcError(fn: () => unknown, code: LpcErrorCode, fragment?: string): LpcError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an LpcError to be thrown').toBeInstanceOf(LpcError);
  const error = caught as LpcError;
  expect(error.code, error.message).toBe(code);
  if (fragment !== undefined) expect(error.message).toContain(fragment);
  return error;
}

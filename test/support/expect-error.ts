/** Test helpers: assert that a call throws (or a promise rejects with) an LpcError with `code` whose message contains `fragment`. */
import { expect } from 'vitest';
import { LpcError, type LpcErrorCode } from '../../lib/errors.js';

export function expectLpcError(fn: () => unknown, code: LpcErrorCode, fragment?: string): LpcError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  return checkLpcError(caught, code, fragment);
}

export async function expectLpcErrorAsync(fn: () => Promise<unknown>, code: LpcErrorCode, fragment?: string): Promise<LpcError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  return checkLpcError(caught, code, fragment);
}

function checkLpcError(caught: unknown, code: LpcErrorCode, fragment: string | undefined): LpcError {
  expect(caught, 'expected an LpcError to be thrown').toBeInstanceOf(LpcError);
  const error = caught as LpcError;
  expect(error.code, error.message).toBe(code);
  if (fragment !== undefined) expect(error.message).toContain(fragment);
  return error;
}

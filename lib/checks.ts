/**
 * The one vocabulary of argument checks every public class and function uses. Each throws a coded LpcError
 * (errors.ts) naming the argument, what it must be and what it was, and returns the value narrowed to its type;
 * the native addon behind the classes only re-checks memory safety.
 */
import type { ImageShape } from './data/image-set.js';
import { invalidArgument, shapeMismatch } from './errors.js';

/** An integer in [min, max]. */
export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalidArgument(name, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** A finite number > 0. */
export function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalidArgument(name, 'a finite number > 0', value);
  }
  return value;
}

/** A finite number in [min, max) (or [min, max] when `closed`). */
export function checkInRange(name: string, value: unknown, min: number, max: number, closed = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (closed ? value > max : value >= max)) {
    invalidArgument(name, `a number in [${min}, ${max}${closed ? ']' : ')'}`, value);
  }
  return value;
}

/** true or false. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalidArgument(name, 'a boolean', value);
  return value;
}

/** One of the listed strings. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalidArgument(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A seed or stream id: a bigint in [0, 2^64) or a non-negative safe integer. */
export function checkU64(name: string, value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 64n) invalidArgument(name, 'a bigint in [0, 2^64)', value);
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return invalidArgument(name, 'a non-negative integer or bigint below 2^64', value);
}

/** A Float32Array of exactly `length` elements (`what` explains the length, e.g. "n*d = 40"). */
export function checkFloat32(name: string, value: unknown, length: number, what: string): Float32Array {
  if (!(value instanceof Float32Array)) invalidArgument(name, `a Float32Array of length ${what}`, value);
  if (value.length !== length) shapeMismatch(name, `a Float32Array of length ${what}`, value);
  return value;
}

/** A Float32Array or Float64Array of exactly `length` elements. */
export function checkFloatArray(name: string, value: unknown, length: number, what: string): Float32Array | Float64Array {
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    invalidArgument(name, `a Float32Array or Float64Array of length ${what}`, value);
  }
  if (value.length !== length) shapeMismatch(name, `an array of length ${what}`, value);
  return value;
}

/** A positive safe integer (a size or a count). */
export function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) invalidArgument(name, 'a positive integer', value);
  return value;
}

/** A list of positive integers (may be empty when `allowEmpty`). */
export function checkSizes(name: string, value: unknown, allowEmpty = true): number[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) invalidArgument(name, `an array of positive integers${allowEmpty ? '' : ' (at least one)'}`, value);
  return value.map((v, i) => checkPositiveInt(`${name}[${i}]`, v));
}

/** [channels, height, width] of positive integers. */
export function checkImageShape(name: string, value: unknown): ImageShape {
  if (!Array.isArray(value) || value.length !== 3) invalidArgument(name, 'an image shape [channels, height, width]', value);
  return [checkPositiveInt(`${name}[0]`, value[0]), checkPositiveInt(`${name}[1]`, value[1]), checkPositiveInt(`${name}[2]`, value[2])];
}

/**
 * Every key of an options type, written as `{ a: true, b: true } satisfies OptionKeys<Options>` so that the
 * compiler refuses a list that misses a key or names one the type does not have.
 */
export type OptionKeys<T> = Record<keyof T, true>;

/**
 * An options object whose keys are all in `known` (a list, or an OptionKeys record): a misspelt option would
 * otherwise be ignored silently and the run would use its default. `who` names the class or function the
 * options are for.
 */
export function checkKnownKeys(options: unknown, known: readonly string[] | Readonly<Record<string, true>>, who: string): asserts options is object {
  if (typeof options !== 'object' || options === null) invalidArgument(`${who} options`, 'an options object', options);
  const names = Array.isArray(known) ? (known as readonly string[]) : Object.keys(known);
  for (const key of Object.keys(options)) if (!names.includes(key)) invalidArgument(`${who} options.${key}`, `one of ${names.join(', ')}`, key);
}

/** Like checkKnownKeys, for options that may be left out (undefined stands for {}). */
export function checkOptionalKeys(options: unknown, known: readonly string[] | Readonly<Record<string, true>>, who: string): void {
  if (options !== undefined) checkKnownKeys(options, known, who);
}

/** Argument checks shared by the network builders and loaders (LPC_INVALID_ARGUMENT naming the option). */
import type { ImageShape } from '../data/index.js';
import { invalidArgument } from '../errors.js';

/** A positive safe integer. */
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

/** One of a fixed set of strings. */
export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) invalidArgument(name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  return value as T;
}

/** A seed: a non-negative safe integer or bigint. */
export function checkSeed(name: string, value: unknown): number | bigint {
  if (typeof value === 'bigint' ? value < 0n : typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) invalidArgument(name, 'a non-negative integer', value);
  return value as number | bigint;
}

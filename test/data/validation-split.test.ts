/**
 * The validation split: the last 10,000 images of the named datasets' training splits, the last tenth of
 * any other set, in order and sharing memory.
 */
import { describe, expect, it } from 'vitest';
import { createImageSet } from '../../lib/data/image-set.js';
import { NAMED_VALIDATION_IMAGES, splitValidation, validationCount } from '../../lib/data/validation-split.js';
import { expectLpcError } from '../support/expect-error.js';

const ramp = (name: string, count: number) =>
  createImageSet({ name, count, shape: [1, 2, 2], images: Uint8Array.from({ length: count * 4 }, (_, i) => i % 251), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), range: [0, 255] });

describe('splitValidation', () => {
  it('takes the last tenth (at least one image) of an unnamed set, in order', () => {
    const set = ramp('folder', 25);
    const { train, validation } = splitValidation(set);
    expect([train.count, validation.count]).toEqual([22, 3]);
    expect([...validation.images]).toEqual([...set.images.subarray(22 * 4)]);
    expect([...validation.labels!]).toEqual([2, 3, 4]);
    expect([train.name, validation.name]).toEqual(['folder (train)', 'folder (validation)']);
    expect(validationCount(ramp('two', 2))).toBe(1);
    expect(validationCount(ramp('four', 4))).toBe(1);
  });

  it('takes the last 10,000 of the MNIST and Fashion-MNIST training splits, a tenth of anything else', () => {
    for (const name of ['mnist/train', 'fashion-mnist/train']) expect(validationCount(ramp(name, 60000))).toBe(NAMED_VALIDATION_IMAGES);
    expect(validationCount(ramp('mnist/test', 60000))).toBe(6000);
    // A named split too small to hold 10,000 back (a fixture) falls back to its last tenth.
    expect(validationCount(ramp('fashion-mnist/train', 500))).toBe(50);
  });

  it('refuses a set of fewer than two images', () => {
    expectLpcError(() => splitValidation(ramp('one', 1)), 'LPC_INVALID_ARGUMENT', 'at least 2');
  });
});

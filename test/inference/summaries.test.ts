/**
 * Per-datapoint summaries against float64 references on small hand-made sample sets.
 */
import { describe, expect, it } from 'vitest';
import { fitDiagonalGaussian, posteriorMean } from '../../lib/inference/index.js';
import { expectLpcError } from '../support/expect-error.js';

// B = 2 datapoints, M = 3 samples each, d = 2 (rows 0-2: datapoint 0, rows 3-5: datapoint 1).
const samples = Float32Array.from([1, 10, 2, 20, 6, 30, -1, 0.5, -1, 0.25, -4, 0.75]);

describe('posteriorMean and fitDiagonalGaussian', () => {
  it("average each datapoint's rows and give the unbiased variance", () => {
    expect(Array.from(posteriorMean(samples, 2, 2))).toEqual([3, 20, -2, 0.5]);
    const fit = fitDiagonalGaussian(samples, 2, 2);
    expect(Array.from(fit.mean)).toEqual([3, 20, -2, 0.5]);
    // (4 + 1 + 9) / 2 = 7; (100 + 0 + 100) / 2 = 100; (1 + 1 + 4) / 2 = 3; (0 + 1/16 + 1/16) / 2 = 1/16
    expect(Array.from(fit.variance)).toEqual([7, 100, 3, 0.0625]);
    expect(fit.samplesPerDatapoint).toBe(3);
  });

  it('accumulates in float64: a large common offset does not swamp a small spread', () => {
    const offset = 4096; // float32 spacing at 4096 is 2^-11; the values below are exact in float32
    const shifted = Float32Array.from([offset + 0.25, offset - 0.25, offset + 0.5, offset - 0.5]);
    const fit = fitDiagonalGaussian(shifted, 1, 1);
    expect(fit.mean[0]).toBe(offset);
    expect(fit.variance[0]).toBeCloseTo((0.0625 * 2 + 0.25 * 2) / 3, 6); // float32 result of an exact 0.2083
  });

  it('rejects sample sets that do not split into the batch, and a variance from one sample', () => {
    expectLpcError(() => posteriorMean(samples, 5, 2), 'LPC_SHAPE_MISMATCH', 'batch*M*latentDim = 5*M*2');
    expectLpcError(() => posteriorMean(new Float32Array(0), 1, 2), 'LPC_SHAPE_MISMATCH', 'samples');
    expectLpcError(() => posteriorMean(samples, 0, 2), 'LPC_INVALID_ARGUMENT', 'batch');
    expectLpcError(() => fitDiagonalGaussian(samples, 2, 6), 'LPC_SHAPE_MISMATCH', 'at least 2 samples per datapoint');
  });
});

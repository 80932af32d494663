import { describe, expect, it } from 'vitest';
import { centralDifference, differenceTable, differenceVariance, NOISE_GAIN_6, noiseLevel, STENCIL, WEIGHTS_4, WEIGHTS_6 } from '../../lib/onnx/finite-diff.js';
import { Rng } from '../../lib/onnx/random.js';

/** f at x + j h for the stencil's j, both sides. */
function sides(f: (t: number) => number, h: number) {
  return { plus: STENCIL.map((j) => f(j * h)), minus: STENCIL.map((j) => f(-j * h)) };
}

describe('finite-difference stencils', () => {
  it('are exact for polynomials up to their order (6th: degree 6, 4th: degree 4)', () => {
    const poly = (c: number[]) => (t: number) => c.reduce((s, ck, k) => s + ck * t ** k, 0);
    const h = 0.3;
    const six = sides(poly([0.5, -1.25, 2, 3, -4, 1.5, 2.5]), h);
    // float64 sums of ~7 terms of size ~1 divided by h: ~1e-15.
    expect(centralDifference(WEIGHTS_6, six.plus, six.minus, h)).toBeCloseTo(-1.25, 13);
    const four = sides(poly([0.5, -1.25, 2, 3, -4]), h);
    expect(centralDifference(WEIGHTS_4, four.plus, four.minus, h)).toBeCloseTo(-1.25, 13);
    // A 5th-degree term is beyond the 4th-order stencil: its error is -h^4 f^(5) / 30 = -4 h^4 for t^5.
    const quintic = sides((t) => t ** 5, h);
    expect(centralDifference(WEIGHTS_4, quintic.plus, quintic.minus, h)).toBeCloseTo(-4 * h ** 4, 12);
    expect(centralDifference(WEIGHTS_6, quintic.plus, quintic.minus, h)).toBeCloseTo(0, 12);
  });

  it('have the noise gain sqrt(2 sum w^2)', () => {
    expect(NOISE_GAIN_6).toBeCloseTo(Math.sqrt(2 * (0.75 ** 2 + 0.15 ** 2 + (1 / 60) ** 2)), 15);
  });
});

describe('noise estimate from difference tables', () => {
  it('tabulates differences and their variance C(2k, k)', () => {
    expect(differenceTable([1, 4, 9, 16, 25])).toEqual([[3, 5, 7, 9], [2, 2, 2], [0, 0], [0]]);
    expect([1, 2, 3, 5, 6].map(differenceVariance)).toEqual([2, 6, 20, 252, 924]);
  });

  it('recovers the standard deviation of independent noise on a smooth function', () => {
    const rng = new Rng(11);
    const sigma = 1e-6;
    // 400 runs of 7 points: a pooled estimate from 1200 correlated differences; its relative standard error
    // is a few percent, so 15% is well outside chance.
    const runs = Array.from({ length: 400 }, (_, r) => Array.from({ length: 7 }, (_, j) => Math.exp(0.01 * (j - 3) + r * 1e-3) * 3 + sigma * rng.normal()));
    expect(noiseLevel(runs) / sigma).toBeGreaterThan(0.85);
    expect(noiseLevel(runs) / sigma).toBeLessThan(1.15);
  });

  it('sees no noise in a smooth function and none in runs too short for 5th differences', () => {
    // 5th differences of exp at spacing 1e-2 are ~1e-10 of f: far below any float32 noise.
    const smooth = Array.from({ length: 7 }, (_, j) => Math.exp(0.01 * (j - 3)));
    expect(noiseLevel([smooth])).toBeLessThan(1e-9);
    expect(noiseLevel([[1, 2, 3, 4, 5]])).toBe(0);
  });
});

/**
 * inferPosterior on an analytic two-well target: per datapoint, E(z) = z^2/2 + min(a (z - c)^2 / 2,
 * a (z + c)^2 / 2 + gap) with a = 25, so the well at -c carries e^-gap of the mass of the well at +c. With
 * gap = 40 the posterior is, to 1e-17, the Gaussian of the right well: precision a + 1, mean a c / (a + 1).
 * Chains from the prior fall into either well, so the posterior mean needs the chains of the left one left out.
 */
import { describe, expect, it } from 'vitest';
import { inferPosterior, type DecodingEnergy } from '../../lib/inference/posterior-inference.js';
import type { EnergyEvaluation } from '../../lib/likelihoods/energy-function.js';
import { expectLpcErrorAsync } from '../support/expect-error.js';

const A = 25;
const GAP = 40;

/** One latent dim; x[b] (one value) is the centre c of datapoint b's deep well. The "decoder mean" of z is 2z. */
class TwoWells implements DecodingEnergy {
  readonly latentDim = 1;
  readonly dataSize = 1;
  metricsCalls = 0;

  async evaluate(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyEvaluation> {
    const k = z.length / batch;
    const energy = new Float32Array(z.length);
    const gradZ = new Float32Array(z.length);
    for (let i = 0; i < z.length; i++) {
      const c = x[Math.floor(i / k)];
      const right = (A * (z[i] - c) ** 2) / 2;
      const left = (A * (z[i] + c) ** 2) / 2 + GAP;
      energy[i] = z[i] ** 2 / 2 + Math.min(right, left);
      gradZ[i] = z[i] + (right <= left ? A * (z[i] - c) : A * (z[i] + c));
    }
    return { energy, gradZ };
  }

  async evaluateMetrics(_x: Float32Array, _batch: number, z: Float32Array): Promise<{ mean: Float32Array }> {
    this.metricsCalls++;
    return { mean: z.map((v) => 2 * v) };
  }
}

const centres = Float32Array.of(2, 1.5, 3);
const common = { steps: 400, stepSize: 0.01, chains: 16, seed: 9 } as const;

describe('inferPosterior', () => {
  it('leaves chains stuck in a negligible mode out of the posterior mean, and counts them', async () => {
    const energy = new TwoWells();
    const result = await inferPosterior(energy, centres, common);
    // eta (a + 1) = 0.26: rho = 0.74, stationary variance 2 / (26 (2 - 0.26)) = 0.044 (sd 0.21); each kept
    // chain's 200 states carry 200 (1 - rho) / (1 + rho) = 30 effective draws. Here 8, 11 and 6 of the 16 chains
    // reach the deep well (23 dropped; the split also follows from the all-chains means of the next test), so
    // each SE is below 0.21 / sqrt(6 * 30) = 0.016: 4 SE = 0.064.
    for (let b = 0; b < centres.length; b++) {
      expect(Math.abs(result.means[b] - (A * centres[b]) / (A + 1)), `datapoint ${b}`).toBeLessThan(0.064);
    }
    expect(result.droppedChains).toBe(23);
    // Reconstructions are the "decoder" at the means, one metrics call per batch.
    expect(Array.from(result.reconstructions)).toEqual(Array.from(result.means, (m) => 2 * m));
    expect(energy.metricsCalls).toBe(1);
    expect(result.acceptRate).toBeNull();
    expect(result.restarts).toBe(0);
    // Dropped chains sit ~40 nats higher: the mean energy over all chains lies well above the deep well's.
    expect(result.meanEnergy).toBeGreaterThan(1);
  });

  it('keeps every chain with energyGap Infinity, which puts the mean between the wells', async () => {
    const all = await inferPosterior(new TwoWells(), centres, { ...common, energyGap: Infinity });
    expect(all.droppedChains).toBe(0);
    // Some chains of every datapoint sit at -c: the plain mean is pulled well below the deep well's mean.
    for (let b = 0; b < centres.length; b++) expect(all.means[b]).toBeLessThan(0.8 * centres[b]);
  });

  it('runs in batches (the last one partial) seeded one after another, and reports MALA acceptance', async () => {
    const energy = new TwoWells();
    const x = Float32Array.of(2, 2, 2, 2, 2);
    const result = await inferPosterior(energy, x, { ...common, batch: 2, sampler: 'mala' });
    expect(energy.metricsCalls).toBe(3);
    expect(result.count).toBe(5);
    expect(result.means.length).toBe(5);
    expect(result.reconstructions.length).toBe(5);
    expect(result.acceptRate).toBeGreaterThan(0.5);
    expect(result.acceptRate).toBeLessThanOrEqual(1);
    // Same datapoint, different runs: each batch drew its own noise, so no two means are equal.
    expect(new Set(result.means).size).toBe(5);
    // MALA is exact: 4 SE even if a single chain of a datapoint reached the deep well (its 200 states are
    // worth ~25 draws after rejections: 0.2 / sqrt(25) = 0.04).
    for (const m of result.means) expect(Math.abs(m - (A * 2) / (A + 1))).toBeLessThan(0.16);
    const again = await inferPosterior(new TwoWells(), x, { ...common, batch: 2, sampler: 'mala' });
    expect(Array.from(again.means)).toEqual(Array.from(result.means));
  });

  it('rejects bad arguments with coded errors', async () => {
    const energy = new TwoWells();
    await expectLpcErrorAsync(() => inferPosterior(energy, centres, { ...common, energyGap: 0 }), 'LPC_INVALID_ARGUMENT', 'energyGap');
    await expectLpcErrorAsync(() => inferPosterior(energy, centres, { ...common, batch: 0 }), 'LPC_INVALID_ARGUMENT', 'batch');
    await expectLpcErrorAsync(() => inferPosterior(energy, new Float32Array(0), common), 'LPC_SHAPE_MISMATCH', 'x');
    await expectLpcErrorAsync(() => inferPosterior(energy, centres, { ...common, steps: 0 }), 'LPC_INVALID_ARGUMENT', 'steps');
    await expectLpcErrorAsync(() => inferPosterior(energy, centres, { ...common, stepSize: -1 }), 'LPC_INVALID_ARGUMENT', 'stepSize');
  });

  it('refuses MALA on an energy that depends on the whole batch (the optimal sigma), and runs ULA on it', async () => {
    const energy = Object.assign(new TwoWells(), { batchDependent: true });
    await expectLpcErrorAsync(() => inferPosterior(energy, centres, { ...common, sampler: 'mala' }), 'LPC_INVALID_ARGUMENT', 'fixed or learned sigma');
    expect(energy.metricsCalls).toBe(0);
    const ula = await inferPosterior(energy, centres, common);
    expect(ula.means.length).toBe(centres.length);
  });
});

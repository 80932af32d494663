/**
 * What a run hands back, checked against what the energy function saw: kept states after burn-in and
 * thinning, the final states and energies, the energy trace, the chain layout b*K + k, and determinism.
 */
import { describe, expect, it } from 'vitest';
import { fitDiagonalGaussian, LangevinSampler, posteriorMean, type LangevinOptions } from '../../lib/inference/index.js';
import type { EnergyEvaluation, EnergyFunction } from '../../lib/likelihoods/energy-function.js';
import { Rng } from '../../lib/native/rng.js';
import { sameBits } from '../native/support/stats.js';
import { randomPpca } from './support/targets.js';
import { RecordingEnergy } from './support/wrappers.js';
import { keptRow } from './support/moments.js';

const d = 3;
const batch = 2;
const { energy, x } = randomPpca({ D: 6, d, sigma: 0.5, scale: 0.4, batch, seed: 1 });

function row(values: Float32Array, r: number): number[] {
  return Array.from(values.subarray(r * d, (r + 1) * d));
}

function mean(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

describe('burn-in, thinning and the result layout', () => {
  it.each([
    { steps: 12, burnIn: 3, thin: 4, times: [7, 11] },
    { steps: 11, burnIn: 3, thin: 4, times: [7, 11] }, // the final state is kept when thin divides T - burnIn
    { steps: 5, burnIn: 0, thin: 1, times: [1, 2, 3, 4, 5] },
  ])('ULA keeps z_t for t = burnIn + thin*j <= T, row (b*S + s)*K + k ($steps steps, burn-in $burnIn, thin $thin)', async ({ steps, burnIn, thin, times }) => {
    const K = 3;
    const recorder = new RecordingEnergy(energy);
    const result = await new LangevinSampler(recorder, { steps, stepSize: 0.05, chains: K, keep: { burnIn, thin }, seed: 1 }).run(x);
    expect(recorder.states.length).toBe(steps + 1); // z_0 .. z_T
    expect(recorder.batches.every((b) => b === batch)).toBe(true);
    expect(result.keptPerChain).toBe(times.length);
    expect(result.kept!.length).toBe(batch * K * times.length * d);
    for (let c = 0; c < batch * K; c++) {
      times.forEach((t, s) => expect(row(result.kept!, keptRow(c, s, times.length, K))).toEqual(row(recorder.states[t], c)));
    }
    expect(sameBits(result.samples, recorder.states[steps])).toBe(true);
    expect(sameBits(result.energies, recorder.energies[steps])).toBe(true);
    expect(result.energyTrace.length).toBe(steps + 1);
    recorder.energies.forEach((e, t) => expect(result.energyTrace[t]).toBeCloseTo(mean(e), 12));
    expect(result.kept).not.toBe(null);
  });

  it("MALA keeps the current state after each step: the previous state or the step's proposal", async () => {
    const K = 4;
    const steps = 30;
    const recorder = new RecordingEnergy(energy);
    const result = await new LangevinSampler(recorder, { steps, stepSize: 0.3, chains: K, sampler: 'mala', keep: {}, seed: 2 }).run(x);
    // Evaluation 0 is at z_0; evaluation t (t >= 1) at the proposal of step t - 1.
    expect(recorder.states.length).toBe(steps + 1);
    for (let c = 0; c < batch * K; c++) {
      let state = row(recorder.states[0], c);
      let e = recorder.energies[0][c];
      let moves = 0;
      const energies: number[] = [e];
      for (let t = 1; t <= steps; t++) {
        const kept = row(result.kept!, keptRow(c, t - 1, steps, K));
        const proposal = row(recorder.states[t], c);
        if (kept.every((v, j) => v === proposal[j])) {
          moves++;
          e = recorder.energies[t][c];
        } else {
          expect(kept).toEqual(state);
        }
        state = kept;
        energies.push(e);
      }
      expect(result.acceptRates![c]).toBeCloseTo(moves / steps, 12);
      expect(result.energies[c]).toBe(e);
      expect(row(result.samples, c)).toEqual(state);
    }
    expect(result.acceptRate).toBeGreaterThan(0);
    expect(result.acceptRate).toBeLessThan(1);
    expect(result.energyTrace[0]).toBeCloseTo(mean(recorder.energies[0]), 12);
    expect(result.energyTrace[steps]).toBeCloseTo(mean(result.energies), 12);
  });

  it('gives chain b*K + k to datapoint b', async () => {
    // E = 25/2 ||z - x_b||^2: each datapoint's posterior is N(x_b, I/25), far from the others'.
    const centres = Float32Array.from([10, 10, -10, 0, 0, -10]);
    const shifted: EnergyFunction = {
      latentDim: 2,
      dataSize: 2,
      async evaluate(xb: Float32Array, b: number, z: Float32Array): Promise<EnergyEvaluation> {
        const k = z.length / 2 / b;
        const energyOut = new Float32Array(z.length / 2);
        const gradZ = new Float32Array(z.length);
        for (let c = 0; c < energyOut.length; c++) {
          const owner = Math.floor(c / k);
          for (let j = 0; j < 2; j++) {
            const r = z[c * 2 + j] - xb[owner * 2 + j];
            gradZ[c * 2 + j] = 25 * r;
            energyOut[c] += 12.5 * r * r;
          }
        }
        return { energy: energyOut, gradZ };
      },
    };
    const K = 4;
    const result = await new LangevinSampler(shifted, { steps: 300, stepSize: 0.01, chains: K, keep: { burnIn: 100 }, seed: 3 }).run(centres);
    for (let c = 0; c < 3 * K; c++) {
      const b = Math.floor(c / K);
      // 5 posterior sds (0.2 each): every chain is at its own datapoint's centre, 10 or more from the others
      expect(Math.hypot(result.samples[c * 2] - centres[b * 2], result.samples[c * 2 + 1] - centres[b * 2 + 1])).toBeLessThan(1);
    }
    const zMean = posteriorMean(result.kept!, 3, 2);
    const fit = fitDiagonalGaussian(result.kept!, 3, 2);
    for (let i = 0; i < 6; i++) {
      // 4 chains x 200 draws with lag-1 correlation 1 - 0.25: about 114 effective draws of sd 0.2, SE 0.019
      expect(Math.abs(zMean[i] - centres[i])).toBeLessThan(0.1);
      // unadjusted variance 2 / (25 (2 - 0.25)) = 0.0457; relative SE of a variance from ~100 draws: 0.14
      expect(Math.abs(fit.variance[i] / 0.0457 - 1)).toBeLessThan(0.5);
    }
  });
});

describe('determinism', () => {
  const options: LangevinOptions = { steps: 40, stepSize: 0.05, chains: 3, preconditioner: 'rmsprop', keep: { burnIn: 20, thin: 5 } };

  async function outputs(sampler: LangevinSampler) {
    const r = await sampler.run(x);
    return [r.samples, r.kept!, r.energies, r.energyTrace, r.stepSizes];
  }

  function same(a: ArrayBufferView[], b: ArrayBufferView[]): boolean {
    return a.every((v, i) => sameBits(v, b[i]));
  }

  it('repeats bit for bit with the same seed, and differs with another', async () => {
    for (const sampler of ['ula', 'mala'] as const) {
      const a = await outputs(new LangevinSampler(energy, { ...options, sampler, preconditioner: 'none', seed: 5 }));
      const b = await outputs(new LangevinSampler(energy, { ...options, sampler, preconditioner: 'none', seed: 5 }));
      const c = await outputs(new LangevinSampler(energy, { ...options, sampler, preconditioner: 'none', seed: 6 }));
      expect(same(a, b), sampler).toBe(true);
      expect(sameBits(a[0], c[0]), sampler).toBe(false);
    }
  });

  it('draws fresh noise for each run of a sampler, in a sequence that a new sampler with the same seed repeats', async () => {
    const first = new LangevinSampler(energy, { ...options, seed: 5 });
    const second = new LangevinSampler(energy, { ...options, seed: 5 });
    const run1 = await outputs(first);
    const run2 = await outputs(first);
    expect(sameBits(run1[0], run2[0])).toBe(false);
    expect(same(await outputs(second), run1)).toBe(true);
    expect(same(await outputs(second), run2)).toBe(true);
  });

  it("draws each run's seed from a supplied Rng, advancing it", async () => {
    using rngA = new Rng({ seed: 77 });
    using rngB = new Rng({ seed: 77 });
    const a = new LangevinSampler(energy, { ...options, rng: rngA });
    const b = new LangevinSampler(energy, { ...options, rng: rngB });
    const before = rngA.getState().counter;
    const a1 = await outputs(a);
    expect(rngA.getState().counter).toBeGreaterThan(before);
    expect(same(await outputs(b), a1)).toBe(true);
    expect(sameBits((await outputs(a))[0], a1[0])).toBe(false);
  });
});

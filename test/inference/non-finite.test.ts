/**
 * Non-finite energies and gradients (docs/ARCHITECTURE.md §2.5): restarts from the last finite state, counted per chain,
 * with nothing non-finite in any output; chains that cannot recover raise LPC_DIVERGED.
 *
 * Target: the PPCA posterior of two datapoints with holes: NaN energy where z_0 > m_0 + 1.0 and an infinite
 * gradient (finite energy) where z_1 < m_1 - 1.2, beyond 2.2 posterior sds (1.2% and 1.5% of the mass).
 * Chains start near the mean (encoder init with sigma 0.1), where the energy is finite.
 */
import { describe, expect, it } from 'vitest';
import { LangevinSampler, type LangevinResult } from '../../lib/inference/index.js';
import type { EnergyEvaluation, EnergyFunction } from '../../lib/likelihoods/energy-function.js';
import { randomPpca } from './support/targets.js';
import { PoisonedEnergy } from './support/wrappers.js';
import { expectLpcErrorAsync } from '../support/expect-error.js';

const d = 3;
const batch = 2;
const K = 32;
const { energy, x } = randomPpca({ D: 6, d, sigma: 0.5, scale: 0.4, batch, seed: 1 });
const means = energy.posteriorMeans(x);
const init = { mu: Float32Array.from(means), logSigma: new Float32Array(batch * d).fill(Math.log(0.1)) };

function holed(): PoisonedEnergy {
  const datapoint = (c: number) => Math.floor(c / K);
  return new PoisonedEnergy(
    energy,
    (row, c) => row[0] > means[datapoint(c) * d] + 1.0,
    (row, c) => row[1] < means[datapoint(c) * d + 1] - 1.2,
  );
}

function expectAllFinite(result: LangevinResult): void {
  for (const [name, values] of [
    ['samples', result.samples],
    ['energies', result.energies],
    ['kept', result.kept!],
    ['energyTrace', result.energyTrace],
    ['stepSizes', result.stepSizes],
  ] as const) {
    expect(values.every(Number.isFinite), name).toBe(true);
  }
}

describe('non-finite energies and gradients', () => {
  it('ULA restarts each chain once per non-finite evaluation, halves its step each time, and outputs only finite values', async () => {
    const poisoned = holed();
    const eta = 0.05;
    const result = await new LangevinSampler(poisoned, { steps: 300, stepSize: eta, chains: K, keep: { burnIn: 50 }, seed: 7 }).run(x, init);
    expect(result.restarts).toEqual(poisoned.perChain);
    expect(result.totalRestarts).toBeGreaterThan(50); // measured 295
    // Restarts at z_T go back to z_{T-1} without a further step, so they do not halve.
    const lastCall = poisoned.perCall[poisoned.perCall.length - 1];
    for (let c = 0; c < batch * K; c++) {
      expect(result.stepSizes[c]).toBe(Math.fround(eta) * 0.5 ** (result.restarts[c] - lastCall[c]));
    }
    expectAllFinite(result);
    // Every state handed out was evaluated finite: none lies in the hole.
    const S = result.keptPerChain;
    const inHole = (z: Float32Array, row: number) => {
      const c = Math.floor(row / (S * K)) * K + (row % K); // row (b*S + s)*K + k holds chain b*K + k
      return poisoned.nanEnergy(z.subarray(row * d, row * d + d), c) || poisoned.infGradient(z.subarray(row * d, row * d + d), c);
    };
    for (let r = 0; r < batch * K * result.keptPerChain; r++) expect(inHole(result.kept!, r)).toBe(false);
    for (let c = 0; c < batch * K; c++) {
      const row = result.samples.subarray(c * d, c * d + d);
      expect(poisoned.nanEnergy(row, c) || poisoned.infGradient(row, c)).toBe(false);
    }
  });

  it('MALA rejects non-finite proposals, counts them, and halves step sizes during the warm-up only', async () => {
    const poisoned = holed();
    const eta = 0.2;
    const warmup = 40;
    const result = await new LangevinSampler(poisoned, {
      steps: 200,
      stepSize: eta,
      chains: K,
      sampler: 'mala',
      mala: { warmup },
      keep: { burnIn: warmup },
      seed: 8,
    }).run(x, init);
    expect(result.restarts).toEqual(poisoned.perChain);
    expect(result.totalRestarts).toBeGreaterThan(50); // measured 378
    // Call 0 evaluates the initial states; calls 1..warmup are the warm-up's proposals.
    for (let c = 0; c < batch * K; c++) {
      let duringWarmup = 0;
      for (let call = 1; call <= warmup; call++) duringWarmup += poisoned.perCall[call][c];
      expect(result.stepSizes[c]).toBe(Math.fround(eta) * 0.5 ** duringWarmup);
    }
    expectAllFinite(result);
  });

  it('raises LPC_DIVERGED naming the count of hopeless chains and the step (ULA)', async () => {
    // Datapoint 1's energy is NaN everywhere: its K chains restart from their initial states at every step.
    const hopeless = new PoisonedEnergy(energy, (_row, c) => c >= K);
    const sampler = new LangevinSampler(hopeless, { steps: 50, stepSize: 0.05, chains: K, seed: 9, maxConsecutiveRestarts: 4 });
    const error = await expectLpcErrorAsync(() => sampler.run(x, init), 'LPC_DIVERGED', `${K} of ${2 * K} chain(s)`);
    expect(error.message).toContain('at step 3 of 50'); // the 4th failure in a row
    expect(error.message).toContain(`chain ${K}, datapoint 1`);
  });

  it('raises LPC_DIVERGED when MALA has no finite initial state, naming the count and step 0', async () => {
    const hopeless = new PoisonedEnergy(energy, (_row, c) => c % 4 === 0);
    const sampler = new LangevinSampler(hopeless, { steps: 50, stepSize: 0.05, chains: K, seed: 9, sampler: 'mala' });
    const error = await expectLpcErrorAsync(() => sampler.run(x, init), 'LPC_DIVERGED', `${(2 * K) / 4} of ${2 * K} chain(s)`);
    expect(error.message).toContain('at step 0');
  });

  it('raises LPC_DIVERGED when MALA proposals stay non-finite through the warm-up although the step was halved', async () => {
    // Finite only at the initial states themselves: every proposal lands in the NaN region.
    const starts = new Map<number, Float32Array>();
    const onlyStart = new PoisonedEnergy(energy, (row, c) => {
      if (!starts.has(c)) starts.set(c, Float32Array.from(row));
      return starts.get(c)!.some((v, j) => v !== row[j]);
    });
    const sampler = new LangevinSampler(onlyStart, {
      steps: 50,
      stepSize: 0.05,
      chains: 2,
      seed: 10,
      sampler: 'mala',
      mala: { warmup: 20 },
      maxConsecutiveRestarts: 5,
    });
    const error = await expectLpcErrorAsync(() => sampler.run(x, init), 'LPC_DIVERGED', '4 of 4 chain(s)');
    expect(error.message).toContain('at step 4 of 50');
  });

  it('raises LPC_DIVERGED when a step overflows the float32 range instead of returning infinite states', async () => {
    // A finite but huge gradient: eta * g = 1e39 overflows, and this energy stays finite there.
    const huge: EnergyFunction = {
      latentDim: d,
      dataSize: energy.dataSize,
      async evaluate(_x: Float32Array, _batch: number, z: Float32Array): Promise<EnergyEvaluation> {
        return { energy: new Float32Array(z.length / d), gradZ: new Float32Array(z.length).fill(1e38) };
      },
    };
    const sampler = new LangevinSampler(huge, { steps: 1, stepSize: 10, chains: 2, seed: 11, gMax: 1 });
    await expectLpcErrorAsync(() => sampler.run(x), 'LPC_DIVERGED', 'left the float32 range');
  });
});

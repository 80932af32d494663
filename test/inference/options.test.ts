/**
 * Option and argument validation: every bad value is an LpcError with a code, naming the option and value.
 */
import { describe, expect, it } from 'vitest';
import { LangevinSampler, type LangevinOptions } from '../../lib/inference/index.js';
import type { EnergyEvaluation, EnergyFunction } from '../../lib/likelihoods/energy-function.js';
import { Rng } from '../../lib/native/rng.js';
import { expectLpcError, expectLpcErrorAsync } from '../support/expect-error.js';
import { randomPpca } from './support/targets.js';

const { energy, x } = randomPpca({ D: 6, d: 3, sigma: 0.5, scale: 0.4, batch: 2, seed: 1 });
const base: LangevinOptions = { steps: 10, stepSize: 0.1 };

describe('LangevinSampler options', () => {
  it.each([
    [{ steps: 0 }, 'steps', '0'],
    [{ steps: 2.5 }, 'steps', '2.5'],
    [{ stepSize: NaN }, 'stepSize', 'NaN'],
    [{ stepSize: -1 }, 'stepSize', '-1'],
    [{ chains: 0 }, 'chains', '0'],
    [{ sampler: 'hmc' }, 'sampler', '"hmc"'],
    [{ preconditioner: 'sgd' }, 'preconditioner', '"sgd"'],
    [{ momentum: true }, 'momentum', "'none'"],
    [{ momentum: true, preconditioner: 'adam', sampler: 'mala' }, 'momentum', "'ula'"],
    [{ beta2: 1 }, 'beta2', '1'],
    [{ gMax: 0 }, 'gMax', '0'],
    [{ mala: { warmup: 2 } }, 'mala settings', "'ula'"],
    [{ sampler: 'mala', mala: { warmup: 10 } }, 'mala.warmup', '10'],
    [{ sampler: 'mala', mala: { targetAccept: 1.5 } }, 'mala.targetAccept', '1.5'],
    [{ sampler: 'mala', preconditioner: 'rmsprop' }, 'mala.warmup >= 1', "'rmsprop'"],
    [{ keep: { burnIn: 10 } }, 'keep.burnIn', '10'],
    [{ keep: { burnIn: 4, thin: 7 } }, 'keep.thin', '[1, 6]'],
    [{ maxConsecutiveRestarts: 0 }, 'maxConsecutiveRestarts', '0'],
    [{ seed: -1 }, 'seed', '-1'],
    [{ seed: 1, rng: new Rng() }, 'either seed or rng', ''],
    [{ rng: {} }, 'rng', 'object'],
    [{ device: 'gpu' }, 'device', '"gpu"'],
    [{ stepsize: 0.1 }, 'options.stepsize', '"stepsize"'],
    [{ precondtioner: 'adam' }, 'options.precondtioner', '"precondtioner"'],
    [{ sampler: 'mala', mala: { warmpu: 2 } }, 'mala options.warmpu', '"warmpu"'],
  ] as [Record<string, unknown>, string, string][])('rejects %o naming %s', (change, name, value) => {
    const error = expectLpcError(() => new LangevinSampler(energy, { ...base, ...change } as LangevinOptions), 'LPC_INVALID_ARGUMENT', name);
    expect(error.message).toContain(value);
  });

  it('rejects an object that is not an energy function', () => {
    expectLpcError(() => new LangevinSampler({} as EnergyFunction, base), 'LPC_INVALID_ARGUMENT', 'energy');
    const noDim = { dataSize: 4, latentDim: 0, evaluate: energy.evaluate } as EnergyFunction;
    expectLpcError(() => new LangevinSampler(noDim, base), 'LPC_INVALID_ARGUMENT', 'energy.latentDim');
  });
});

describe('LangevinSampler.run arguments and the energy function contract', () => {
  it('rejects a batch whose length is not a multiple of dataSize, naming x', async () => {
    const sampler = new LangevinSampler(energy, base);
    await expectLpcErrorAsync(() => sampler.run(new Float32Array(7)), 'LPC_SHAPE_MISMATCH', 'B*6');
    await expectLpcErrorAsync(() => sampler.run(new Float64Array(12) as unknown as Float32Array), 'LPC_SHAPE_MISMATCH', 'Float64Array(12)');
  });

  it('rejects energy-function outputs of the wrong kind or length, naming the output and step', async () => {
    const broken = (out: (n: number) => unknown): EnergyFunction => ({
      latentDim: 3,
      dataSize: 6,
      evaluate: async (_x, _b, z) => out(z.length / 3) as EnergyEvaluation,
    });
    const run = (fn: EnergyFunction) => new LangevinSampler(fn, { ...base, chains: 2 }).run(x);
    await expectLpcErrorAsync(() => run(broken((n) => ({ energy: new Float32Array(n + 1), gradZ: new Float32Array(3 * n) }))), 'LPC_SHAPE_MISMATCH', 'output energy at step 0');
    await expectLpcErrorAsync(
      () => run(broken((n) => ({ energy: new Float32Array(n), gradZ: new Float64Array(3 * n) }))),
      'LPC_SHAPE_MISMATCH',
      'output gradZ at step 0 must be a Float32Array of length B*K*d = 4*3',
    );
    await expectLpcErrorAsync(() => run(broken(() => undefined)), 'LPC_SHAPE_MISMATCH', 'returned undefined at step 0');
  });

  it('refuses a second run while one is going, then runs again', async () => {
    const sampler = new LangevinSampler(energy, base);
    const first = sampler.run(x);
    await expectLpcErrorAsync(() => sampler.run(x), 'LPC_INVALID_STATE', 'await it first');
    expect((await first).samples.length).toBe(2 * 3);
    expect((await sampler.run(x)).samples.length).toBe(2 * 3);
  });

  it('propagates an error thrown by the energy function and frees the chains', async () => {
    const failing: EnergyFunction = { latentDim: 3, dataSize: 6, evaluate: async () => Promise.reject(new Error('session closed')) };
    const sampler = new LangevinSampler(failing, base);
    await expect(sampler.run(x)).rejects.toThrow('session closed');
    await expect(sampler.run(x)).rejects.toThrow('session closed'); // not LPC_INVALID_STATE: the run ended
  });
});

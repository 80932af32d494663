import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { likelihoodFromFlags, parseSigma, type LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { expectLpcError } from '../support/expect-error.js';
import { batch, expectClose, expectGradientsMatch, referenceEnergies, smallDecoder } from './support.js';

const SPECS: Record<string, LikelihoodSpec> = {
  fixed: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.3 } },
  learned: { kind: 'gaussian', sigma: { mode: 'learned', init: 0.5 } },
  optimal: { kind: 'gaussian', sigma: { mode: 'optimal' } },
};

describe('Gaussian likelihood', () => {
  for (const [mode, spec] of Object.entries(SPECS)) {
    it(`${mode} sigma: energy and nll equal the float64 reference, with every normalising constant`, async () => {
      const decoder = smallDecoder('sigmoid');
      const data = batch(decoder, 3, 2, 'grey');
      await using model = await EnergyModel.create(decoder, { likelihood: spec });
      const m = await model.evaluateMetrics(data.x, data.B, data.z);
      const ref = referenceEnergies(decoder, spec, data.x, data.B, data.z);
      // O(10) values from float32 sums of 16 terms: 1e-5 relative.
      expectClose(m.energy, ref.energy, 1e-5, 1e-5, 'energy');
      expectClose(m.nll, ref.nll, 1e-5, 1e-5, 'nll');
      expectClose(m.sse, ref.sse, 1e-5, 1e-6, 'sse');
      if (mode === 'optimal') {
        // sigma^2 is the batch's mean squared error per pixel, so the quadratic terms sum to (chains * D) / 2.
        const D = data.D;
        const chains = data.B * data.K;
        const constant = D * Math.log(ref.sigma) + 0.5 * D * Math.log(2 * Math.PI);
        const quadratic = m.nll.reduce((a, v) => a + v - constant, 0);
        expect(quadratic).toBeCloseTo((chains * D) / 2, 2);
      }
    });

    it(`${mode} sigma: dE/dz and dE/dtheta match finite differences of the float64 reference`, async () => {
      const decoder = smallDecoder('tanh', 5);
      const data = batch(decoder, 2, 2, 'grey', 6);
      await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      // The optimal sigma is a stop-gradient constant: differences hold it at its value for the batch.
      await expectGradientsMatch(model, decoder, spec, data, mode === 'optimal');
    });
  }

  it('the learned log sigma is a parameter the runtime feeds from its live array', async () => {
    const decoder = smallDecoder();
    const data = batch(decoder, 2, 1, 'grey');
    await using model = await EnergyModel.create(decoder, { likelihood: SPECS.learned, trainable: true });
    expect(model.params.names).toContain('likelihood/log_sigma');
    const logSigma = model.params.get('likelihood/log_sigma').data;
    expect(logSigma[0]).toBeCloseTo(Math.log(0.5), 7);
    logSigma[0] = Math.log(0.2);
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    const ref = referenceEnergies(decoder, SPECS.learned, data.x, data.B, data.z, { logSigma: Math.log(0.2) });
    expectClose(m.nll, ref.nll, 1e-5, 1e-5, 'nll at the updated sigma');
  });

  it('floors the optimal sigma when the mean fits the data exactly', async () => {
    const decoder = smallDecoder();
    const data = batch(decoder, 1, 1, 'grey');
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'optimal', min: 0.01 } } });
    const mean = (await model.evaluateMetrics(data.x, 1, data.z)).mean;
    const m = await model.evaluateMetrics(mean, 1, data.z);
    expect(m.sse[0]).toBeLessThan(1e-10);
    // -log p = D log(0.01) + (D/2) log(2 pi) with sse ~ 0.
    expect(m.nll[0]).toBeCloseTo(16 * Math.log(0.01) + 8 * Math.log(2 * Math.PI), 4);
  });

  it('parses the CLI sigma flags and refuses malformed ones', () => {
    expect(parseSigma('fixed:0.1')).toEqual({ mode: 'fixed', sigma: 0.1 });
    expect(parseSigma('learned')).toEqual({ mode: 'learned' });
    expect(parseSigma('learned:0.5')).toEqual({ mode: 'learned', init: 0.5 });
    expect(parseSigma('optimal')).toEqual({ mode: 'optimal' });
    expect(likelihoodFromFlags('discretized')).toEqual({ kind: 'discretized', sigma: { mode: 'optimal' } });
    for (const bad of ['fixed', 'fixed:-1', 'fixed:x', 'optimal:2', 'adaptive', 'fixed:1:2']) expectLpcError(() => parseSigma(bad), 'LPC_INVALID_ARGUMENT', 'sigma');
    expectLpcError(() => likelihoodFromFlags('poisson'), 'LPC_INVALID_ARGUMENT', 'likelihood');
    expectLpcError(() => likelihoodFromFlags('bernoulli', 'fixed:1'), 'LPC_INVALID_ARGUMENT', 'sigma');
  });

  it('refuses a non-positive fixed sigma when the model is created', async () => {
    await expect(EnergyModel.create(smallDecoder(), { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0 } } })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });
});

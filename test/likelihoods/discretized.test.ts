import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import type { Decoder } from '../../lib/models/networks.js';
import { discretizedLogMass } from './reference.js';
import { batch, expectClose, expectGradientsMatch, referenceEnergies, smallDecoder } from './support.js';

const LEVELS = Float32Array.from({ length: 256 }, (_, k) => -1 + (2 * k) / 255);

/** A one-pixel decoder whose mean is tanh(z): z = atanh(mu) sets the mean directly. */
function meanDecoder(): Decoder {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const z = b.input('z', 'float32', ['batch', 1]);
  b.op('Tanh', [b.reshape(z, [-1, 1, 1, 1])], {}, { name: 'head', outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch', 1, 1, 1] });
  return { model, params: ParameterSet.fromModel(model), latentInput: 'z', output: 'x_mean', latentDim: 1, imageShape: [1, 1, 1], layout: 'nchw', range: '11', head: { op: 'Tanh', node: 'head' } };
}

/** log P(level k) from the graph for every level and each mean: one datapoint per (mean, level). */
async function graphLogMasses(sigma: number, means: number[]): Promise<Float32Array> {
  await using model = await EnergyModel.create(meanDecoder(), { likelihood: { kind: 'discretized', sigma: { mode: 'fixed', sigma } } });
  const x = new Float32Array(means.length * 256);
  const z = new Float32Array(means.length * 256);
  means.forEach((mu, m) => {
    x.set(LEVELS, m * 256);
    z.fill(Math.atanh(mu), m * 256, (m + 1) * 256);
  });
  const { nll } = await model.evaluateMetrics(x, x.length, z);
  return nll.map((v) => -v);
}

const SIGMAS = [1e-4, 1e-3, 0.01, 0.05, 0.3, 1, 5];
const MEANS = [-0.999, -0.5, -0.0123, 0, 0.37, 0.9, 0.999];

describe('discretised Gaussian likelihood', () => {
  it('bin probabilities of the float64 reference sum to 1 over the 256 bins', () => {
    for (const sigma of SIGMAS) {
      for (const mu of MEANS) {
        let total = 0;
        // Levels in float64: float32 levels would leave gaps between bins of ~6e-8, whose mass shows for small sigma.
        for (let k = 0; k < 256; k++) total += Math.exp(discretizedLogMass(-1 + (2 * k) / 255, mu, sigma, -1, 1, 256));
        // Sums of 256 float64 probabilities: 1e-12 is thousands of ulps.
        expect(Math.abs(total - 1)).toBeLessThan(1e-12);
      }
    }
  });

  it('the graph gives every bin its reference log probability (narrow and wide bins, far tails, open edges), summing to 1', async () => {
    for (const sigma of SIGMAS) {
      const logp = await graphLogMasses(sigma, MEANS);
      MEANS.forEach((mu, m) => {
        // The mean the graph sees is tanh(float32(atanh(mu))).
        const mean = Math.tanh(Math.fround(Math.atanh(mu)));
        let total = 0;
        for (let k = 0; k < 256; k++) {
          const ref = discretizedLogMass(LEVELS[k], mean, sigma, -1, 1, 256);
          const got = logp[m * 256 + k];
          // 2e-5 absolute in log P (relative error of P) plus float32 rounding of log P itself (up to ~1e8 nats
          // here for sigma = 1e-4), plus the float32 rounding of the mean moved by up to 6e-8 / sigma standard units.
          const tol = 2e-5 + 3e-7 * Math.abs(ref) + 2 * Math.sqrt(2 * Math.abs(ref)) * (6e-8 / sigma);
          if (!(Math.abs(got - ref) <= tol)) expect.fail(`sigma ${sigma}, mean ${mu}, level ${k}: log P ${got} vs reference ${ref}`);
          total += Math.exp(got);
        }
        // float32 probabilities, each within ~2e-5 relative; for small sigma the bins' float32 edges (x - mean)/sigma
        // move by ~6e-8 / sigma standard units, shifting up to ~1e-7 / sigma of mass between neighbours and gaps.
        expect(Math.abs(total - 1)).toBeLessThan(3e-5 + 1e-7 / sigma);
      });
    }
  });

  const SPECS: Record<string, LikelihoodSpec> = {
    fixed: { kind: 'discretized', sigma: { mode: 'fixed', sigma: 0.1 } },
    learned: { kind: 'discretized', sigma: { mode: 'learned', init: 0.05 } },
    optimal: { kind: 'discretized', sigma: { mode: 'optimal' } },
  };
  for (const [mode, spec] of Object.entries(SPECS)) {
    it(`${mode} sigma: energy equals the float64 reference, and dE/dz, dE/dtheta match its finite differences`, async () => {
      const decoder = smallDecoder('tanh', 7);
      const data = batch(decoder, 2, 2, 'levels', 8);
      await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      const m = await model.evaluateMetrics(data.x, data.B, data.z);
      const ref = referenceEnergies(decoder, spec, data.x, data.B, data.z);
      // 16 pixels of log P each within ~2e-5, plus float32 sums of O(100) nats.
      expectClose(m.energy, ref.energy, 2e-6, 5e-4, 'energy');
      expectClose(m.nll, ref.nll, 2e-6, 5e-4, 'nll');
      await expectGradientsMatch(model, decoder, spec, data, mode === 'optimal');
    });
  }

  it('a sigmoid decoder gets 256 bins on [0, 1]: the same probabilities as the [-1, 1] bins at half the sigma', async () => {
    const decoder = smallDecoder('sigmoid', 9);
    const data = batch(decoder, 2, 1, 'levels', 10);
    const spec: LikelihoodSpec = { kind: 'discretized', sigma: { mode: 'fixed', sigma: 0.05 } };
    await using model = await EnergyModel.create(decoder, { likelihood: spec });
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    expectClose(m.nll, referenceEnergies(decoder, spec, data.x, data.B, data.z).nll, 2e-6, 5e-4, 'nll');
    const half = discretizedLogMass(0.5, 0.3, 0.05, 0, 1, 256);
    expect(half).toBeCloseTo(discretizedLogMass(0, -0.4, 0.1, -1, 1, 256), 10);
  });

  it('stays finite, with finite gradients, when the data lie thousands of sigmas from the mean', async () => {
    const decoder = smallDecoder('tanh', 11);
    const data = batch(decoder, 2, 2, 'levels', 12);
    const spec: LikelihoodSpec = { kind: 'discretized', sigma: { mode: 'fixed', sigma: 1e-4 } };
    await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
    const out = await model.evaluateWithGradients(data.x, data.B, data.z);
    for (const v of [...out.energy, ...out.gradZ, ...[...out.gradients.values()].flatMap((g) => [...g])]) expect(Number.isFinite(v)).toBe(true);
    const ref = referenceEnergies(decoder, spec, data.x, data.B, data.z);
    expect(Math.min(...ref.nll)).toBeGreaterThan(1e5);
    // Energies of ~1e6-1e8 nats in float32, whose rounding (and that of the means) is ~1e-6 relative.
    expectClose(out.nll, ref.nll, 3e-6, 1, 'nll');
  });
});

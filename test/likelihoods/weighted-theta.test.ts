/**
 * The weighted theta-gradient graph: gradients of sum_c w_c E_c against float64 central differences, the
 * unweighted graph as the all-ones case, and exact exclusion of zero-weight chains.
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { centralDifference, directional, valuesOf, type Values } from './reference.js';
import { batch, expectClose, referenceEnergies, smallDecoder } from './support.js';

const SPECS: [string, LikelihoodSpec][] = [
  ['bernoulli', { kind: 'bernoulli' }],
  ['learned-sigma gaussian', { kind: 'gaussian', sigma: { mode: 'learned', init: 0.7 } }],
];

describe('EnergyModel.weightedThetaGradients', () => {
  for (const [label, spec] of SPECS) {
    it(`matches float64 central differences of sum_c w_c E_c (${label})`, async () => {
      const decoder = smallDecoder('sigmoid', 5);
      const data = batch(decoder, 3, 2, 'binary', 6);
      await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      const weights = Float32Array.of(0.5, 0, 1.25, -0.75, 2, 0.125);
      const grads = await model.weightedThetaGradients(data.x, data.B, data.z, weights);
      const base = valuesOf(decoder);
      const logSigma = model.params.has('likelihood/log_sigma') ? model.params.get('likelihood/log_sigma').data[0] : undefined;
      const weighted = (values: Values, ls = logSigma) => referenceEnergies(decoder, spec, data.x, data.B, data.z, { values, logSigma: ls }).energy.reduce((s, e, c) => s + weights[c] * e, 0);
      const rng = new Mulberry32(9);
      for (const name of model.params.names) {
        const g = grads.get(name)!;
        const v = rng.normals(g.length);
        const an = directional(g, v);
        const fd =
          name === 'likelihood/log_sigma'
            ? centralDifference((t) => weighted(base, logSigma! + t * v[0]), 1e-6)
            : centralDifference(
                (t) =>
                  weighted(
                    new Map(base).set(
                      name,
                      Array.from(base.get(name)!, (p, i) => p + t * v[i]),
                    ),
                  ),
                1e-6,
              );
        // float32 sums of a few hundred terms against float64 differences (step 1e-6, error < 1e-9): 2e-4 of sum |g_i v_i|.
        expect(Math.abs(an.value - fd), name).toBeLessThanOrEqual(2e-4 * an.scale + 1e-9);
      }
    });
  }

  it('gives the unweighted gradients for unit weights and ignores the states of zero-weight chains bit for bit', async () => {
    const decoder = smallDecoder('sigmoid', 7);
    const data = batch(decoder, 2, 3, 'binary', 8);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true });
    const ones = await model.weightedThetaGradients(data.x, data.B, data.z, new Float32Array(6).fill(1));
    const plain = await model.thetaGradients(data.x, data.B, data.z);
    // The same sums seeded by ones: equal up to the order of float32 additions, 1e-6 relative.
    for (const name of model.params.names) expectClose(ones.get(name)!, plain.get(name)!, 1e-6, 1e-6, name);
    const weights = Float32Array.of(1, 0, 1, 1, 1, 0);
    const before = await model.weightedThetaGradients(data.x, data.B, data.z, weights);
    const moved = data.z.slice();
    for (const c of [1, 5]) for (let j = 0; j < 3; j++) moved[c * 3 + j] = 40 * (j + 1) - 50;
    const after = await model.weightedThetaGradients(data.x, data.B, moved, weights);
    for (const name of model.params.names) expect(after.get(name), name).toEqual(before.get(name));
    // ... and what remains is the sum over the other chains, each run alone (float32 sums in another order: 1e-6).
    const D = data.x.length / data.B;
    const sum = new Map(model.params.names.map((n) => [n, new Float64Array(model.params.get(n).data.length)]));
    for (const c of [0, 2, 3, 4]) {
      const b = Math.floor(c / 3);
      const one = await model.thetaGradients(data.x.subarray(b * D, (b + 1) * D), 1, data.z.subarray(c * 3, (c + 1) * 3));
      for (const [n, g] of one) sum.get(n)!.forEach((v, i, a) => (a[i] = v + g[i]));
    }
    for (const name of model.params.names) expectClose(before.get(name)!, sum.get(name)!, 1e-6, 1e-6, `${name} (sum of single chains)`);
  });

  it('rejects weights of the wrong length or non-finite weights', async () => {
    const decoder = smallDecoder();
    const data = batch(decoder, 2, 2, 'binary');
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true });
    await expect(model.weightedThetaGradients(data.x, data.B, data.z, new Float32Array(3))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(model.weightedThetaGradients(data.x, data.B, data.z, Float32Array.of(1, NaN, 1, 1))).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await using frozen = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' } });
    await expect(frozen.weightedThetaGradients(data.x, data.B, data.z, new Float32Array(4))).rejects.toMatchObject({ code: 'LPC_INVALID_STATE' });
  });
});

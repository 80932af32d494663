import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { convDecoder } from '../../lib/models/conv.js';
import { batch, expectGradientsMatchFloat32 } from '../likelihoods/support.js';

describe('convolutional decoders in energy graphs', () => {
  const cases: [string, LikelihoodSpec, 'sigmoid' | 'tanh'][] = [
    ['bernoulli', { kind: 'bernoulli' }, 'sigmoid'],
    ['discretized, learned sigma', { kind: 'discretized', sigma: { mode: 'learned', init: 0.2 } }, 'tanh'],
  ];
  for (const [label, spec, output] of cases) {
    it(`28x28 (padded and cropped inside the outer layers), ${label}: dE/dz and dE/dtheta match finite differences`, async () => {
      const decoder = convDecoder({ latentDim: 3, imageShape: [1, 28, 28], channels: [4, 4, 4], hidden: [8], output, seed: 5 });
      const data = batch(decoder, 2, 2, output === 'tanh' ? 'levels' : 'binary', 6);
      await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      await expectGradientsMatchFloat32(model, data, 1);
      // Sampling and theta graphs agree with the combined one.
      const full = await model.evaluateWithGradients(data.x, data.B, data.z);
      const theta = await model.thetaGradients(data.x, data.B, data.z);
      for (const [name, g] of theta) {
        const ref = full.gradients.get(name)!;
        // The same float32 graph pieces, possibly fused differently: 1e-4 of the largest entry.
        const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - ref[i])).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
      }
    });
  }
});

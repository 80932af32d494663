import { describe, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { convDecoder } from '../../lib/models/conv.js';
import type { Decoder } from '../../lib/models/networks.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { batch, expectClose, expectGradientsMatch, expectGradientsMatchFloat32, referenceEnergies } from '../likelihoods/support.js';

/**
 * Built decoders start with zero biases, so a ReLU whose inputs are all zero sits exactly on its kink, where
 * finite differences average the two one-sided slopes. Random biases move every unit off its kink.
 */
function offKinks(decoder: Decoder): Decoder {
  const rng = new Mulberry32(41);
  for (const p of decoder.params) if (p.name.endsWith('.bias')) p.data.set(rng.normals(p.data.length, 0.1));
  return decoder;
}

describe('convolutional decoders in energy graphs', () => {
  const cases: [string, LikelihoodSpec, 'sigmoid' | 'tanh'][] = [
    ['bernoulli', { kind: 'bernoulli' }, 'sigmoid'],
    ['discretized, learned sigma', { kind: 'discretized', sigma: { mode: 'learned', init: 0.2 } }, 'tanh'],
  ];
  for (const [label, spec, output] of cases) {
    it(`28x28 (padded and cropped inside the outer layers), ${label}: energies and gradients match the float64 reference`, async () => {
      const decoder = offKinks(convDecoder({ latentDim: 3, imageShape: [1, 28, 28], channels: [4, 4, 4], hidden: [8], output, seed: 5 }));
      const data = batch(decoder, 2, 2, output === 'tanh' ? 'levels' : 'binary', 6);
      await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      const m = await model.evaluateMetrics(data.x, data.B, data.z);
      // ~500-nat energies, float32 sums over 784 pixels: 1e-5 relative.
      expectClose(m.energy, referenceEnergies(decoder, spec, data.x, data.B, data.z).energy, 1e-5, 1e-3, 'energy');
      await expectGradientsMatch(model, decoder, spec, data, false, 1);
    });
  }

  it('64x64 RGB, Gaussian with optimal sigma: gradients match finite differences of the float32 energies', async () => {
    const decoder = offKinks(convDecoder({ latentDim: 2, imageShape: [3, 64, 64], channels: [2, 2, 2, 2], hidden: [4], seed: 8 }));
    const data = batch(decoder, 1, 2, 'grey', 9);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'optimal' } }, trainable: true });
    await expectGradientsMatchFloat32(model, data, 1);
  });
});

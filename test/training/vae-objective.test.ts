/**
 * The VAE baseline's gradients in decoder (and learned sigma) and encoder parameters, for the ELBO with the
 * analytic KL and for the IWAE bound, against float64 central differences of the objectives written from
 * their definitions with the reparameterisation noise held fixed; both also as the one fused graph (VaeStep)
 * the trainer runs.
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { vaeGradients } from '../../lib/training/vae-objective.js';
import { VaeStep } from '../../lib/training/vae-step.js';
import { batch as makeBatch, smallDecoder } from '../likelihoods/support.js';
import { valuesOf, type Values } from '../likelihoods/reference.js';
import { encoderReference, energies, expectParamGradients, reparameterise, smallEncoder } from './support/reference.js';

const [B, d] = [3, 3];

/** -ELBO (iwae null) or -IWAE-k in float64, as a function of decoder and encoder values. */
function objective(decoder: ReturnType<typeof smallDecoder>, spec: LikelihoodSpec, x: Float32Array, eps: Float32Array, iwae: number | null) {
  const k = iwae ?? 1;
  return (theta: Values, phi: Values): number => {
    const { mu, logSigma } = encoderReference(phi, x, B);
    const z = reparameterise(mu, logSigma, eps, k, d);
    const e = energies(decoder, spec, x, B, z, theta);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      if (iwae === null) {
        let term = e[b];
        for (let j = b * d; j < (b + 1) * d; j++) term += -0.5 * z[j] * z[j] + 0.5 * (mu[j] ** 2 + Math.exp(2 * logSigma[j]) - 1 - 2 * logSigma[j]);
        loss += term / B;
      } else {
        // log w = log p(x|z) + log N(z; 0, I) - log q(z|x) with -E = log p(x|z) - |z|^2 / 2: the prior's and
        // q's (d/2) log 2 pi cancel, leaving -E + sum log sigma + |(z - mu) / sigma|^2 / 2.
        const logW = Array.from({ length: k }, (_, i) => {
          const r = b * k + i;
          let lw = -e[r];
          for (let j = 0; j < d; j++) {
            const u = (z[r * d + j] - mu[b * d + j]) / Math.exp(logSigma[b * d + j]);
            lw += logSigma[b * d + j] + 0.5 * u * u;
          }
          return lw;
        });
        const top = Math.max(...logW);
        loss -= (top + Math.log(logW.reduce((s, v) => s + Math.exp(v - top), 0) / k)) / B;
      }
    }
    return loss;
  };
}

const CASES: [string, LikelihoodSpec, number | null][] = [
  ['ELBO, Bernoulli', { kind: 'bernoulli' }, null],
  ['IWAE-4, Gaussian with learned sigma', { kind: 'gaussian', sigma: { mode: 'learned', init: 0.8 } }, 4],
];

describe('VAE objective', () => {
  for (const [label, spec, iwae] of CASES) {
    it(`${label}: loss and decoder and encoder gradients match float64 central differences`, async () => {
      const decoder = smallDecoder('sigmoid', 12);
      const encoder = smallEncoder(13);
      await using energy = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      await using encoderModel = await EncoderModel.create(encoder, { trainable: true });
      const { x } = makeBatch(decoder, B, 1, 'binary', 14);
      const eps = new Mulberry32(15).normals(B * (iwae ?? 1) * d);
      const out = await vaeGradients(energy, encoderModel, x, B, eps, iwae);
      const f = objective(decoder, spec, x, eps, iwae);
      const [theta, phi] = [valuesOf(energy), valuesOf(encoder)];
      const reported = iwae === null ? out.losses.negElbo : out.losses.negIwae;
      // float32 network outputs summed into losses of O(10): 1e-5 relative.
      expect(Math.abs(reported - f(theta, phi))).toBeLessThanOrEqual(1e-5 * Math.abs(f(theta, phi)));
      if (iwae === null) expect(out.losses.recon + out.losses.kl).toBeCloseTo(out.losses.negElbo, 10);
      // float32 gradients through two small networks against float64 differences (step 1e-6): 2e-4 of sum |g_i v_i|.
      expectParamGradients('theta', new Map(energy.params.names.map((n, i) => [n, out.theta[i]])), theta, (v) => f(v, phi), 2e-4, 1e-8);
      expectParamGradients('phi', new Map(encoder.params.names.map((n, i) => [n, out.phi[i]])), phi, (v) => f(theta, v), 2e-4, 1e-8);
    });
  }

  for (const [label, spec, iwae] of [
    ['ELBO, Bernoulli', { kind: 'bernoulli' }, null],
    ['ELBO, Gaussian with learned sigma', { kind: 'gaussian', sigma: { mode: 'learned', init: 0.8 } }, null],
    ['IWAE-4, Bernoulli', { kind: 'bernoulli' }, 4],
    ['IWAE-3, Gaussian with learned sigma', { kind: 'gaussian', sigma: { mode: 'learned', init: 0.8 } }, 3],
  ] as [string, LikelihoodSpec, number | null][]) {
    it(`${label} as one graph: loss and gradients match float64 central differences and the separate runs`, async () => {
      const decoder = smallDecoder('sigmoid', 22);
      const encoder = smallEncoder(23);
      await using energy = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
      await using encoderModel = await EncoderModel.create(encoder, { trainable: true });
      await using step = (await VaeStep.create(energy, encoder, { iwae }))!;
      expect(step).not.toBeNull();
      const { x } = makeBatch(decoder, B, 1, 'binary', 24);
      const eps = new Mulberry32(25).normals(B * (iwae ?? 1) * d);
      const out = await step.gradients(x, B, eps);
      const separate = await vaeGradients(energy, encoderModel, x, B, eps, iwae);
      const f = objective(decoder, spec, x, eps, iwae);
      const [theta, phi] = [valuesOf(energy), valuesOf(encoder)];
      const reported = iwae === null ? out.losses.negElbo : out.losses.negIwae;
      expect(Math.abs(reported - f(theta, phi))).toBeLessThanOrEqual(1e-5 * Math.abs(f(theta, phi)));
      expect(Object.keys(out.losses).sort()).toEqual(Object.keys(separate.losses).sort());
      if (iwae === null) expect(out.losses.recon + out.losses.kl).toBeCloseTo(out.losses.negElbo, 10);
      expect(out.meanEnergy).toBeCloseTo(separate.meanEnergy, 4);
      expectParamGradients('theta', new Map(energy.params.names.map((n, i) => [n, out.theta[i]])), theta, (v) => f(v, phi), 2e-4, 1e-8);
      expectParamGradients('phi', new Map(encoder.params.names.map((n, i) => [n, out.phi[i]])), phi, (v) => f(theta, v), 2e-4, 1e-8);
      // The same sums in another order: float32 rounding apart.
      for (const [fused, apart] of [...out.theta.map((g, i) => [g, separate.theta[i]]), ...out.phi.map((g, i) => [g, separate.phi[i]])]) {
        const scale = Math.max(...apart.map(Math.abs));
        for (let i = 0; i < fused.length; i++) expect(Math.abs(fused[i] - apart[i])).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
  }
});

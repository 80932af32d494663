/**
 * The VAE baseline's gradients for one minibatch, in theta (decoder and likelihood) and phi (encoder) jointly,
 * through the reparameterisation z = mu + sigma * eps (docs/ARCHITECTURE.md §2.9):
 *
 * - ELBO (one sample per datapoint, analytic KL): L = mean_b [-log p(x|z) + KL(q || N(0, I))]; one run of the
 *   energy graph gives E, dE/dz and dE/dtheta at z; the latent gradients are those of the reverse KL.
 * - IWAE-k: L = -mean_b [logsumexp_i log w_bi - log k], log w = log p(x|z) + log N(z; 0, I) - log q(z|x)
 *   = -E + sum log sigma + |eps|^2 / 2 (the 2 pi terms cancel). With normalised weights w~ = softmax_i(log w)
 *   and g = dE/dz: dL/dtheta = sum_i w~_i dE_i/dtheta, dL/dmu = sum_i w~_i g_i,
 *   dL/dlogsigma = sum_i w~_i g_i sigma eps_i - 1 (each divided by B).
 */
import type { EnergyModel } from '../likelihoods/energy-model.js';
import type { EncoderModel } from '../models/encoder-model.js';
import type { ParameterGradients } from '../models/networks.js';
import { reverseKl } from './encoder-objectives.js';

/** Losses and mean gradients of one VAE minibatch. */
export interface VaeGradients {
  /** ELBO: negElbo, recon, kl. IWAE: negIwae. */
  readonly losses: Record<string, number>;
  /** Mean energy E(z) over the samples. */
  readonly meanEnergy: number;
  /** dL/dtheta in the order of energy.params. */
  readonly theta: Float32Array[];
  /** dL/dphi in the order of encoder.params. */
  readonly phi: Float32Array[];
}

/**
 * Gradients of the VAE objective at x ([B, data]) with reparameterisation noise eps ([B*k, d], row b*k + i):
 * the ELBO with the analytic KL when `iwae` is null (then k = 1), else the IWAE bound with k = iwae samples.
 */
export async function vaeGradients(energy: EnergyModel, encoder: EncoderModel, x: Float32Array, batch: number, eps: Float32Array, iwae: number | null): Promise<VaeGradients> {
  const { mu, logSigma } = await encoder.forward(x, batch);
  const k = iwae ?? 1;
  const d = energy.latentDim;
  const z = new Float32Array(batch * k * d);
  for (let r = 0; r < batch * k; r++) {
    const b = Math.floor(r / k);
    for (let j = 0; j < d; j++) z[r * d + j] = mu[b * d + j] + Math.exp(logSigma[b * d + j]) * eps[r * d + j];
  }
  if (iwae === null) {
    const full = await energy.evaluateWithGradients(x, batch, z);
    const rev = reverseKl(mu, logSigma, eps, z, full.energy, full.gradZ);
    const phi = await encoderGradients(encoder, x, batch, rev.gradMu, rev.gradLogSigma);
    return {
      losses: { negElbo: rev.loss, recon: rev.recon, kl: rev.kl },
      meanEnergy: mean(full.energy),
      theta: energy.params.names.map((n) => divideInPlace(full.gradients.get(n) as Float32Array, batch)),
      phi,
    };
  }
  const { energy: e, gradZ } = await energy.evaluate(x, batch, z);
  const weights = new Float32Array(batch * k);
  const gradMu = new Float32Array(batch * d);
  const gradLogSigma = new Float32Array(batch * d);
  let bound = 0;
  for (let b = 0; b < batch; b++) {
    let sumLogSigma = 0;
    for (let j = 0; j < d; j++) sumLogSigma += logSigma[b * d + j];
    const logW = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const r = b * k + i;
      let half = 0;
      for (let j = 0; j < d; j++) half += 0.5 * eps[r * d + j] * eps[r * d + j];
      logW[i] = -e[r] + sumLogSigma + half;
    }
    const top = Math.max(...logW);
    let total = 0;
    for (let i = 0; i < k; i++) total += Math.exp(logW[i] - top);
    bound += top + Math.log(total) - Math.log(k);
    for (let i = 0; i < k; i++) {
      const r = b * k + i;
      const w = Math.exp(logW[i] - top) / total;
      weights[r] = w / batch;
      for (let j = 0; j < d; j++) {
        const sigma = Math.exp(logSigma[b * d + j]);
        gradMu[b * d + j] += (w * gradZ[r * d + j]) / batch;
        gradLogSigma[b * d + j] += (w * gradZ[r * d + j] * sigma * eps[r * d + j]) / batch;
      }
    }
    for (let j = 0; j < d; j++) gradLogSigma[b * d + j] -= 1 / batch;
  }
  const grads = await energy.weightedThetaGradients(x, batch, z, weights);
  const phi = await encoderGradients(encoder, x, batch, gradMu, gradLogSigma);
  return { losses: { negIwae: -bound / batch }, meanEnergy: mean(e), theta: energy.params.names.map((n) => grads.get(n) as Float32Array), phi };
}

/** dL/dphi in parameter order from dL/dmu and dL/dlogsigma. */
export async function encoderGradients(encoder: EncoderModel, x: Float32Array, batch: number, gradMu: Float32Array, gradLogSigma: Float32Array): Promise<Float32Array[]> {
  const grads: ParameterGradients = await encoder.vjp(x, batch, gradMu, gradLogSigma);
  return encoder.params.names.map((n) => grads.get(n) as Float32Array);
}

/** g / divisor in place: the arrays are fresh onnxruntime outputs, and a plain loop is ~40x faster than Float32Array.map. */
function divideInPlace(g: Float32Array, divisor: number): Float32Array {
  for (let i = 0; i < g.length; i++) g[i] /= divisor;
  return g;
}

function mean(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

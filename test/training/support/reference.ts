/**
 * Float64 references for the training tests: the small MLP encoder's (mu, log sigma), the objectives written
 * from their definitions on top of the likelihood tests' float64 decoder energies, and directional central
 * differences along random directions of every parameter.
 */
import { expect } from 'vitest';
import type { LikelihoodSpec } from '../../../lib/likelihoods/spec.js';
import { mlpEncoder } from '../../../lib/models/mlp.js';
import type { Decoder, Encoder } from '../../../lib/models/networks.js';
import { Mulberry32 } from '../../../lib/onnx/mulberry32.js';
import { centralDifference, dense, directional, type Values } from '../../likelihoods/reference.js';
import { referenceEnergies } from '../../likelihoods/support.js';

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** An encoder of [1, 4, 4] images with one hidden layer of 8 and d = 3 (matches smallDecoder). */
export function smallEncoder(seed = 3): Encoder {
  return mlpEncoder({ latentDim: 3, imageShape: [1, 4, 4], hidden: [8], seed });
}

/** (mu, log sigma) of an mlpEncoder with one hidden ReLU layer, [B, d] each, float64. */
export function encoderReference(values: Values, x: ArrayLike<number>, batch: number): { mu: Float64Array; logSigma: Float64Array } {
  const D = x.length / batch;
  const d = values.get('fc_mu.bias')!.length;
  const mu = new Float64Array(batch * d);
  const logSigma = new Float64Array(batch * d);
  for (let b = 0; b < batch; b++) {
    const h = dense(values, 'fc1', Array.from(x).slice(b * D, (b + 1) * D)).map((v) => Math.max(v, 0));
    mu.set(dense(values, 'fc_mu', h), b * d);
    logSigma.set(dense(values, 'fc_logsigma', h), b * d);
  }
  return { mu, logSigma };
}

/** z = mu + exp(log sigma) eps for rows b*k + i: [B*k, d] from mu, log sigma [B, d] and eps [B*k, d]. */
export function reparameterise(mu: ArrayLike<number>, logSigma: ArrayLike<number>, eps: ArrayLike<number>, k: number, d: number): Float64Array {
  const z = new Float64Array(eps.length);
  for (let r = 0; r < eps.length / d; r++) {
    const b = Math.floor(r / k);
    for (let j = 0; j < d; j++) z[r * d + j] = mu[b * d + j] + Math.exp(logSigma[b * d + j]) * eps[r * d + j];
  }
  return z;
}

/**
 * Float64 energies of every row of z ([B*K, d]) under the decoder with parameter `values` (a learned log sigma
 * read from its entry 'likelihood/log_sigma' when present).
 */
export function energies(decoder: Decoder, spec: LikelihoodSpec, x: ArrayLike<number>, batch: number, z: ArrayLike<number>, values: Values): Float64Array {
  const logSigma = values.get('likelihood/log_sigma')?.[0];
  return referenceEnergies(decoder, spec, x, batch, z, { values, logSigma }).energy;
}

/**
 * Checks gradients (by parameter name) of a scalar loss against float64 central differences along `directions`
 * random directions per parameter: |<g, v> - fd| <= rel * sum |g_i v_i| + abs.
 */
export function expectParamGradients(what: string, grads: Map<string, ArrayLike<number>>, base: Values, loss: (values: Values) => number, rel: number, abs: number, seed = 11, directions = 2): void {
  const rng = new Mulberry32(seed);
  for (const [name, g] of grads) {
    for (let k = 0; k < directions; k++) {
      const v = rng.normals(g.length);
      const an = directional(g, v);
      const fd = centralDifference(
        (t) =>
          loss(
            new Map(base).set(
              name,
              Array.from(base.get(name)!, (p, i) => p + t * v[i]),
            ),
          ),
        1e-6,
      );
      if (!(Math.abs(an.value - fd) <= rel * an.scale + abs)) expect.fail(`${what} d/d${name}: analytic ${an.value} vs finite difference ${fd} (scale ${an.scale})`);
    }
  }
}

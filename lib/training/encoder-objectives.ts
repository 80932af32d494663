/**
 * The amortised warm-start's objectives for q(z|x) = N(mu, diag sigma^2) with the decoder frozen (docs/ARCHITECTURE.md
 * §2.8), as gradients with respect to mu and log sigma ([B, d] each) that EncoderModel.vjp carries to the
 * encoder's parameters. Every loss is a mean over the batch.
 *
 * - forward KL: L = -mean log q(z_s | x) over the kept Langevin states (weighted like the theta-gradient, so
 *   dropped chains are excluded): dL/dmu = -(z - mu) / sigma^2, dL/dlogsigma = 1 - (z - mu)^2 / sigma^2.
 * - reverse KL: L = mean_b [-log p(x | z) + KL(q || N(0, I))] at z = mu + sigma * eps, one fresh eps per
 *   datapoint, KL analytic = 0.5 sum(mu^2 + sigma^2 - 1 - 2 log sigma). With g = dE/dz (E includes the
 *   prior term 0.5|z|^2): dL/dmu = g - z + mu, dL/dlogsigma = (g - z) sigma eps + sigma^2 - 1.
 * - Jeffreys: the sum of both.
 */

/** log sqrt(2 pi), the normaliser of each dimension of q. */
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Which encoder objective an amortised LPC trainer minimises. */
export type EncoderObjective = 'forward' | 'reverse' | 'jeffreys';

/** Gradients of a loss with respect to the encoder's outputs, [B, d] each. */
export interface LatentGradients {
  readonly gradMu: Float32Array;
  readonly gradLogSigma: Float32Array;
}

/** The forward-KL loss and its gradients. */
export interface ForwardKl extends LatentGradients {
  /** -sum_r w_r log q(z_r | x), with the Gaussian's normalising constant. */
  readonly loss: number;
}

/** The reverse-KL loss (a negative ELBO), its terms and its gradients. */
export interface ReverseKl extends LatentGradients {
  /** recon + kl. */
  readonly loss: number;
  /** mean_b -log p(x_b | z_b). */
  readonly recon: number;
  /** mean_b KL(q(z | x_b) || N(0, I)). */
  readonly kl: number;
}

/**
 * Forward KL over states stacked datapoint by datapoint: rows b*rowsPer .. (b+1)*rowsPer - 1 of `states`
 * ([B*rowsPer, d]) belong to datapoint b, row r has weight weights[r] (weights summing to one give the mean).
 */
export function forwardKl(mu: Float32Array, logSigma: Float32Array, states: Float32Array, rowsPer: number, weights: Float32Array): ForwardKl {
  const batch = weights.length / rowsPer;
  const d = mu.length / batch;
  const gradMu = new Float32Array(mu.length);
  const gradLogSigma = new Float32Array(mu.length);
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < d; j++) {
      const m = mu[b * d + j];
      const ls = logSigma[b * d + j];
      const precision = Math.exp(-2 * ls);
      let gm = 0;
      let gs = 0;
      for (let r = b * rowsPer; r < (b + 1) * rowsPer; r++) {
        const w = weights[r];
        if (w === 0) continue;
        const u = states[r * d + j] - m;
        const u2p = u * u * precision;
        loss += w * (ls + HALF_LOG_2PI + 0.5 * u2p);
        gm -= w * u * precision;
        gs += w * (1 - u2p);
      }
      gradMu[b * d + j] = gm;
      gradLogSigma[b * d + j] = gs;
    }
  }
  return { loss, gradMu, gradLogSigma };
}

/**
 * Reverse KL at z = mu + sigma * eps ([B, d] each), from the energies [B] and dE/dz [B, d] of the decoder at z.
 */
export function reverseKl(mu: Float32Array, logSigma: Float32Array, eps: Float32Array, z: Float32Array, energy: Float32Array, gradZ: Float32Array): ReverseKl {
  const batch = energy.length;
  const d = mu.length / batch;
  const gradMu = new Float32Array(mu.length);
  const gradLogSigma = new Float32Array(mu.length);
  let recon = 0;
  let kl = 0;
  for (let b = 0; b < batch; b++) {
    let prior = 0;
    for (let j = b * d; j < (b + 1) * d; j++) {
      const sigma = Math.exp(logSigma[j]);
      const g = gradZ[j] - z[j];
      prior += 0.5 * z[j] * z[j];
      kl += 0.5 * (mu[j] * mu[j] + sigma * sigma - 1 - 2 * logSigma[j]);
      gradMu[j] = (g + mu[j]) / batch;
      gradLogSigma[j] = (g * sigma * eps[j] + sigma * sigma - 1) / batch;
    }
    recon += energy[b] - prior;
  }
  return { loss: (recon + kl) / batch, recon: recon / batch, kl: kl / batch, gradMu, gradLogSigma };
}

/** a + b elementwise (the Jeffreys gradients). */
export function addLatentGradients(a: LatentGradients, b: LatentGradients): LatentGradients {
  return { gradMu: a.gradMu.map((v, i) => v + b.gradMu[i]), gradLogSigma: a.gradLogSigma.map((v, i) => v + b.gradLogSigma[i]) };
}

/**
 * Analytic targets for the sampler tests, as EnergyFunctions computed in float64 and returned as float32.
 *
 * Probabilistic PCA: x = W z + b + noise, noise ~ N(0, sigma^2 I_D), z ~ N(0, I_d). Its energy is
 *   E(z; x) = ||x - W z - b||^2 / (2 sigma^2) + (D/2) log(2 pi sigma^2) + ||z||^2 / 2
 * and its posterior is Gaussian with precision A = W'W / sigma^2 + I and mean A^-1 W'(x - b) / sigma^2.
 */
import type { EnergyEvaluation, EnergyFunction } from '../../../lib/likelihoods/energy-function.js';
import { symmetricEigen } from '../../../lib/eval/symmetric-eigen.js';
import { SeededRandom } from '../../support/seeded-random.js';

export class PpcaEnergy implements EnergyFunction {
  readonly latentDim: number;
  readonly dataSize: number;
  /** Evaluations so far (calls of evaluate). */
  calls = 0;

  /** w: [D, d] row-major. */
  constructor(
    readonly w: Float64Array,
    readonly bias: Float64Array,
    readonly sigma: number,
  ) {
    this.dataSize = bias.length;
    this.latentDim = w.length / bias.length;
  }

  async evaluate(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyEvaluation> {
    this.calls++;
    const { latentDim: d, dataSize: D, w, bias } = this;
    const n = z.length / d;
    const k = n / batch;
    const energy = new Float32Array(n);
    const gradZ = new Float32Array(n * d);
    const inv = 1 / (this.sigma * this.sigma);
    const constant = 0.5 * D * Math.log(2 * Math.PI * this.sigma * this.sigma);
    const r = new Float64Array(D);
    for (let c = 0; c < n; c++) {
      const b = Math.floor(c / k);
      let e = constant;
      for (let i = 0; i < D; i++) {
        let wz = 0;
        for (let j = 0; j < d; j++) wz += w[i * d + j] * z[c * d + j];
        r[i] = x[b * D + i] - wz - bias[i];
        e += 0.5 * inv * r[i] * r[i];
      }
      for (let j = 0; j < d; j++) {
        const zj = z[c * d + j];
        let g = zj;
        for (let i = 0; i < D; i++) g -= inv * w[i * d + j] * r[i];
        gradZ[c * d + j] = g;
        e += 0.5 * zj * zj;
      }
      energy[c] = e;
    }
    return { energy, gradZ };
  }

  /** The posterior precision A = W'W / sigma^2 + I, [d, d]. */
  precision(): Float64Array {
    const { latentDim: d, dataSize: D, w } = this;
    const a = new Float64Array(d * d);
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += w[i * d + p] * w[i * d + q];
        a[p * d + q] = s / (this.sigma * this.sigma) + (p === q ? 1 : 0);
      }
    }
    return a;
  }

  /** The exact posterior mean of each datapoint, [B, d]. */
  posteriorMeans(x: Float32Array): Float64Array {
    const { latentDim: d, dataSize: D, w, bias } = this;
    const batch = x.length / D;
    const { values, vectors } = symmetricEigen(this.precision(), d);
    const out = new Float64Array(batch * d);
    for (let b = 0; b < batch; b++) {
      const h = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        for (let i = 0; i < D; i++) h[j] += (w[i * d + j] * (x[b * D + i] - bias[i])) / (this.sigma * this.sigma);
      }
      // A^-1 h = Q diag(1/lambda) Q' h
      for (let m = 0; m < d; m++) {
        let proj = 0;
        for (let j = 0; j < d; j++) proj += vectors[j * d + m] * h[j];
        for (let j = 0; j < d; j++) out[b * d + j] += (vectors[j * d + m] * proj) / values[m];
      }
    }
    return out;
  }
}

/**
 * A PPCA model with W drawn from N(0, scale^2) (fixed seed), bias drawn from N(0, 1), and B datapoints
 * drawn from the model itself.
 */
export function randomPpca(opts: { D: number; d: number; sigma: number; scale: number; batch: number; seed: number }): {
  energy: PpcaEnergy;
  x: Float32Array;
} {
  const rand = new SeededRandom(opts.seed);
  const normals = (n: number) => gaussians(rand, n);
  const w = Float64Array.from(normals(opts.D * opts.d), (v) => v * opts.scale);
  const bias = Float64Array.from(normals(opts.D));
  const energy = new PpcaEnergy(w, bias, opts.sigma);
  const zs = normals(opts.batch * opts.d);
  const noise = normals(opts.batch * opts.D);
  const x = new Float32Array(opts.batch * opts.D);
  for (let b = 0; b < opts.batch; b++) {
    for (let i = 0; i < opts.D; i++) {
      let v = bias[i] + opts.sigma * noise[b * opts.D + i];
      for (let j = 0; j < opts.d; j++) v += w[i * opts.d + j] * zs[b * opts.d + j];
      x[b * opts.D + i] = v;
    }
  }
  return { energy, x };
}

/** Standard normals by Box-Muller from a seeded source. */
export function gaussians(rand: SeededRandom, n: number): Float64Array {
  const u = new Float32Array(2 * Math.ceil(n / 2));
  rand.uniform(u);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u[i]));
    out[i] = r * Math.cos(2 * Math.PI * u[i + 1]);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u[i + 1]);
  }
  return out;
}

/**
 * The linear-Gaussian model (probabilistic PCA) where everything is known in closed form:
 *   z ~ N(0, I_d),  x | z ~ N(W z + c, sigma^2 I_D),  so  x ~ N(c, W W^T + sigma^2 I).
 * W's columns have disjoint supports, so W^T W = diag(s^2) exactly even in float32, and the posterior
 *   z | x ~ N(m, diag v),  m_j = W_j^T (x - c) / (sigma^2 + s_j^2),  v_j = sigma^2 / (sigma^2 + s_j^2)
 * is a diagonal Gaussian: an encoder can represent it exactly. The decoder is an ONNX Gemm read by
 * loadDecoder; the encoder of the exact posterior is two Gemms read by loadEncoder. All references are float64.
 */
import { afterAll, beforeAll } from 'vitest';
import { EnergyModel } from '../../../lib/likelihoods/energy-model.js';
import { loadDecoder } from '../../../lib/models/load-decoder.js';
import { loadEncoder } from '../../../lib/models/load-encoder.js';
import type { Decoder, Encoder } from '../../../lib/models/networks.js';
import { GraphBuilder } from '../../../lib/onnx/builder.js';
import { Graph, Model } from '../../../lib/onnx/ir.js';
import { Mulberry32 } from '../../../lib/onnx/mulberry32.js';
import { makeTensor } from '../../../lib/onnx/tensor.js';
import type { GaussianProposal } from '../../../lib/eval/proposal.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** A linear-Gaussian model: sizes, float32 parameters as the graphs hold them, and its closed forms. */
export class LinearGaussian {
  readonly D: number;
  /** W as [D, d] row-major (float32 values). */
  readonly W: Float32Array;
  readonly c: Float32Array;
  /** s_j^2 = |W_j|^2, in float64 from the float32 values. */
  readonly s2: Float64Array;

  constructor(
    readonly d: number,
    readonly imageShape: [number, number, number],
    readonly sigma: number,
    seed = 1,
  ) {
    const D = (this.D = imageShape[0] * imageShape[1] * imageShape[2]);
    const rng = new Mulberry32(seed);
    this.W = new Float32Array(D * d);
    // Pixel i loads on latent i mod d only (disjoint supports), with weights of size ~1.
    for (let i = 0; i < D; i++) this.W[i * d + (i % d)] = Math.fround(0.5 + rng.uniform());
    this.c = rng.normals(D, 0.3);
    this.s2 = new Float64Array(d);
    for (let i = 0; i < D; i++) for (let j = 0; j < d; j++) this.s2[j] += this.W[i * d + j] ** 2;
  }

  /** B images drawn from the model (float32), [B, D]. */
  data(B: number, seed = 2): Float32Array {
    const rng = new Mulberry32(seed);
    const { D, d } = this;
    const x = new Float32Array(B * D);
    for (let b = 0; b < B; b++) {
      const z = Array.from({ length: d }, () => rng.normal());
      for (let i = 0; i < D; i++) {
        let m = this.c[i];
        for (let j = 0; j < d; j++) m += this.W[i * d + j] * z[j];
        x[b * D + i] = m + this.sigma * rng.normal();
      }
    }
    return x;
  }

  /** W_j^T (x_b - c) for each b, j: [B, d]. */
  private projections(x: Float32Array, B: number): Float64Array {
    const { D, d } = this;
    const p = new Float64Array(B * d);
    for (let b = 0; b < B; b++) for (let i = 0; i < D; i++) for (let j = 0; j < d; j++) p[b * d + j] += this.W[i * d + j] * (x[b * D + i] - this.c[i]);
    return p;
  }

  /**
   * log p(x) per image, float64; with `observed` ([D], nonzero = observed) log p(x_obs), the marginal of the
   * observed pixels: N(c_o, W_o W_o^T + sigma^2 I), whose columns keep disjoint supports.
   */
  logMarginal(x: Float32Array, B: number, observed?: Uint8Array): Float64Array {
    const { D, d, sigma } = this;
    const s2 = sigma * sigma;
    const seen = (i: number) => observed === undefined || observed[i] !== 0;
    const colSq = new Float64Array(d);
    let pixels = 0;
    for (let i = 0; i < D; i++) {
      if (!seen(i)) continue;
      pixels++;
      for (let j = 0; j < d; j++) colSq[j] += this.W[i * d + j] ** 2;
    }
    const out = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const p = new Float64Array(d);
      let quad = 0;
      for (let i = 0; i < D; i++) {
        if (!seen(i)) continue;
        const r = x[b * D + i] - this.c[i];
        quad += r * r;
        for (let j = 0; j < d; j++) p[j] += this.W[i * d + j] * r;
      }
      let logDet = 2 * pixels * Math.log(sigma);
      for (let j = 0; j < d; j++) {
        quad -= p[j] ** 2 / (s2 + colSq[j]);
        logDet += Math.log1p(colSq[j] / s2);
      }
      out[b] = -0.5 * pixels * LOG_2PI - 0.5 * logDet - (0.5 * quad) / s2;
    }
    return out;
  }

  /** The exact posterior, as float64 mean and variance [B, d]. */
  posterior(x: Float32Array, B: number): { mean: Float64Array; variance: Float64Array } {
    const { d, sigma } = this;
    const s2 = sigma * sigma;
    const p = this.projections(x, B);
    const mean = p.map((v, i) => v / (s2 + this.s2[i % d]));
    const variance = new Float64Array(B * d).map((_, i) => s2 / (s2 + this.s2[i % d]));
    return { mean, variance };
  }

  /** The exact posterior as a float32 proposal, optionally shifted by `shift` sds and with sds scaled by `scale`. */
  posteriorProposal(x: Float32Array, B: number, shift = 0, scale = 1): GaussianProposal {
    const { mean, variance } = this.posterior(x, B);
    return {
      mean: Float32Array.from(mean, (m, i) => m + shift * Math.sqrt(variance[i])),
      logSigma: Float32Array.from(variance, (v) => 0.5 * Math.log(v) + Math.log(scale)),
    };
  }

  /**
   * The exact ELBO of a float32 proposal q = N(m, diag e^{2 l}) and the variance of the one-sample estimator
   * log p(x|z) - KL under q (so a mean of S draws has standard error sqrt(variance / S)).
   */
  elbo(x: Float32Array, B: number, q: GaussianProposal): { elbo: Float64Array; variance: Float64Array } {
    const { D, d, sigma } = this;
    const s2 = sigma * sigma;
    const elbo = new Float64Array(B);
    const variance = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const m = Array.from({ length: d }, (_, j) => q.mean[b * d + j]);
      const v = Array.from({ length: d }, (_, j) => Math.exp(2 * q.logSigma[b * d + j]));
      // a = x - c - W m; E|a - W u|^2 = |a|^2 + sum s_j^2 v_j; Var = 4 sum (a^T W_j)^2 v_j + 2 sum s_j^4 v_j^2.
      const aW = new Float64Array(d);
      let aa = 0;
      for (let i = 0; i < D; i++) {
        let a = x[b * D + i] - this.c[i];
        for (let j = 0; j < d; j++) a -= this.W[i * d + j] * m[j];
        aa += a * a;
        for (let j = 0; j < d; j++) aW[j] += a * this.W[i * d + j];
      }
      let expectedSq = aa;
      let varSq = 0;
      let kl = 0;
      for (let j = 0; j < d; j++) {
        expectedSq += this.s2[j] * v[j];
        varSq += 4 * aW[j] ** 2 * v[j] + 2 * this.s2[j] ** 2 * v[j] ** 2;
        kl += 0.5 * (m[j] ** 2 + v[j] - 1 - Math.log(v[j]));
      }
      elbo[b] = -D * Math.log(sigma) - 0.5 * D * LOG_2PI - expectedSq / (2 * s2) - kl;
      variance[b] = varSq / (4 * s2 * s2);
    }
    return { elbo, variance };
  }

  /** The decoder z [batch, d] -> Gemm -> [batch, D] (flat, no head: range '01' is given, not detected). */
  async decoder(): Promise<Decoder> {
    const model = new Model(new Graph(), 17);
    const b = new GraphBuilder(model);
    const z = b.input('z', 'float32', ['batch', this.d]);
    const w = b.initializer('W', makeTensor('float32', [this.D, this.d], this.W.slice()));
    const c = b.initializer('c', makeTensor('float32', [this.D], this.c.slice()));
    b.output(b.op('Gemm', [z, w, c], { transB: 1 }), 'mean', 'float32', ['batch', this.D]);
    return loadDecoder(model, { imageShape: this.imageShape, range: '01' });
  }

  /** The Gaussian energy model of the decoder, frozen; `masked` reads NaN pixels as hidden. */
  async energyModel(masked = false): Promise<EnergyModel> {
    return EnergyModel.create(await this.decoder(), { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: this.sigma } }, threads: 1, masked });
  }

  /**
   * The encoder of the exact posterior (mu = A (x - c), log sigma constant), optionally with its mean shifted
   * by `shift` posterior sds and its sds scaled by `scale`.
   */
  async encoder(shift = 0, scale = 1): Promise<Encoder> {
    const { D, d, sigma } = this;
    const s2 = sigma * sigma;
    const A = new Float32Array(d * D);
    const muBias = new Float32Array(d);
    const logSigma = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const v = s2 / (s2 + this.s2[j]);
      let bias = 0;
      for (let i = 0; i < D; i++) {
        A[j * D + i] = this.W[i * d + j] / (s2 + this.s2[j]);
        bias -= (this.W[i * d + j] * this.c[i]) / (s2 + this.s2[j]);
      }
      muBias[j] = bias + shift * Math.sqrt(v);
      logSigma[j] = 0.5 * Math.log(v) + Math.log(scale);
    }
    const model = new Model(new Graph(), 17);
    const b = new GraphBuilder(model);
    const x = b.input('x', 'float32', ['batch', ...this.imageShape]);
    const flat = b.op('Flatten', [x], { axis: 1 });
    const a = b.initializer('enc.A', makeTensor('float32', [d, D], A));
    const mb = b.initializer('enc.mu_bias', makeTensor('float32', [d], muBias));
    const zero = b.initializer('enc.zero', makeTensor('float32', [d, D], new Float32Array(d * D)));
    const lb = b.initializer('enc.logsigma_bias', makeTensor('float32', [d], logSigma));
    b.output(b.op('Gemm', [flat, a, mb], { transB: 1 }), 'mu', 'float32', ['batch', d]);
    b.output(b.op('Gemm', [flat, zero, lb], { transB: 1 }), 'logsigma', 'float32', ['batch', d]);
    return loadEncoder(model, { encoderOutput: 'logsigma', layout: 'nchw' });
  }
}

/**
 * The evaluation tests' linear-Gaussian model (d = 3, 1x4x4 images, sigma 0.5) and its EnergyModel, created
 * before the tests of the calling describe block and disposed after them. Call it inside describe(); read
 * `model` inside the tests.
 */
export function linearGaussianFixture(): { readonly lg: LinearGaussian; readonly model: EnergyModel } {
  const lg = new LinearGaussian(3, [1, 4, 4], 0.5);
  let model: EnergyModel | undefined;
  beforeAll(async () => {
    model = await lg.energyModel();
  });
  afterAll(async () => {
    await model?.dispose();
  });
  return {
    lg,
    get model(): EnergyModel {
      if (model === undefined) throw new Error('the linear-Gaussian EnergyModel exists only inside the tests (beforeAll creates it)');
      return model;
    },
  };
}

/**
 * Shared pieces of the likelihood tests: a small MLP decoder, seeded batches, the float64 reference energy
 * of a batch under each likelihood, and a gradient check of an EnergyModel's graph gradients against
 * central differences of that reference.
 */
import { expect } from 'vitest';
import type { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { mlpDecoder } from '../../lib/models/mlp.js';
import type { Decoder } from '../../lib/models/networks.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { bernoulliNll, centralDifference, directional, discretizedLogMass, gaussianNll, preactivation, sse, valuesOf, type Values } from './reference.js';

/** d = 3 -> 8 -> 16 = [1, 4, 4]: small enough for float64 finite differences of every parameter. */
export function smallDecoder(output: 'sigmoid' | 'tanh' = 'sigmoid', seed = 1): Decoder {
  return mlpDecoder({ latentDim: 3, imageShape: [1, 4, 4], hidden: [8], output, seed });
}

/** A batch: x with `kind` values in the decoder's range, z standard normal, B datapoints, K chains each. */
export function batch(decoder: Decoder, B: number, K: number, kind: 'grey' | 'binary' | 'levels', seed = 2) {
  const rng = new Mulberry32(seed);
  const D = decoder.imageShape[0] * decoder.imageShape[1] * decoder.imageShape[2];
  const [lo, hi] = decoder.range === '01' ? [0, 1] : [-1, 1];
  const x = new Float32Array(B * D);
  for (let i = 0; i < x.length; i++) {
    const u = rng.uniform();
    const v = kind === 'grey' ? u : kind === 'binary' ? (u < 0.5 ? 0 : 1) : Math.floor(u * 256) / 255;
    x[i] = lo + (hi - lo) * v;
  }
  return { x, z: rng.normals(B * K * decoder.latentDim), B, K, D };
}

/** What the reference computes per chain. */
export interface ReferenceEnergies {
  energy: Float64Array;
  nll: Float64Array;
  sse: Float64Array;
  /** The scale used (the optimal sigma of the batch, or the fixed / learned one). */
  sigma: number;
}

/** Overrides of referenceEnergies. */
export interface ReferenceOptions {
  /** Parameter values (default the decoder's current ones). */
  values?: Values;
  /** The scale, held fixed (the optimal sigma under its stop-gradient). */
  sigma?: number;
  /** The learned log sigma. */
  logSigma?: number;
}

/** The float64 energies of every chain of a built decoder (MLP or conv) under `spec`. */
export function referenceEnergies(decoder: Decoder, spec: LikelihoodSpec, x: ArrayLike<number>, B: number, z: ArrayLike<number>, options: ReferenceOptions = {}): ReferenceEnergies {
  const { values = valuesOf(decoder), sigma, logSigma } = options;
  const d = decoder.latentDim;
  const D = x.length / B;
  const chains = z.length / d;
  const K = chains / B;
  const pre = Array.from({ length: chains }, (_, c) => preactivation(values, decoder, Array.from(z).slice(c * d, (c + 1) * d)));
  const act = (u: number) => (decoder.range === '01' ? 1 / (1 + Math.exp(-u)) : Math.tanh(u));
  const means = pre.map((u) => u.map(act));
  const xs = Array.from({ length: B }, (_, b) => Array.from(x).slice(b * D, (b + 1) * D));
  const errors = means.map((m, c) => sse(m, xs[Math.floor(c / K)]));
  let s = sigma;
  if (s === undefined && spec.kind !== 'bernoulli') {
    const sg = spec.sigma;
    if (sg.mode === 'fixed') s = sg.sigma;
    else if (sg.mode === 'learned') s = Math.exp(logSigma ?? Math.log(sg.init ?? 1));
    else s = Math.sqrt(Math.max(errors.reduce((a, e) => a + e, 0) / (chains * D), (sg.min ?? 1e-3) ** 2));
  }
  const nll = new Float64Array(chains);
  for (let c = 0; c < chains; c++) {
    const xb = xs[Math.floor(c / K)];
    if (spec.kind === 'bernoulli') {
      const logits = decoder.range === '01' ? pre[c] : pre[c].map((u) => 2 * u);
      const target = decoder.range === '01' ? xb : xb.map((v) => (v + 1) / 2);
      nll[c] = bernoulliNll(logits, target);
    } else if (spec.kind === 'gaussian') nll[c] = gaussianNll(means[c], xb, s!);
    else {
      const [lo, hi] = decoder.range === '01' ? [0, 1] : [-1, 1];
      nll[c] = -xb.reduce((a, v, j) => a + discretizedLogMass(v, means[c][j], s!, lo, hi, spec.bins ?? 256), 0);
    }
  }
  const energy = nll.map(
    (v, c) =>
      v +
      0.5 *
        Array.from(z)
          .slice(c * d, (c + 1) * d)
          .reduce((a, t) => a + t * t, 0),
  );
  return { energy, nll, sse: Float64Array.from(errors), sigma: s ?? NaN };
}

/** Expects float32 graph values to match float64 reference values to `rel` of their size plus `abs`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= rel * Math.abs(expected[i]) + abs)) expect.fail(`${what}[${i}]: ${actual[i]} vs reference ${expected[i]} (error ${err.toExponential(2)})`);
  }
}

/**
 * Checks dE/dz and dE/dtheta of `model` (a trainable EnergyModel over `decoder`) along random directions
 * against central differences of the float64 reference of the summed energy.
 * Tolerance: 2e-4 of sum |g_i v_i|, since the graph's gradients are float32 sums over at most a few hundred
 * terms (relative rounding ~1e-6..1e-5 each); the float64 differences (step 1e-6) err below 1e-9.
 */
export async function expectGradientsMatch(
  model: EnergyModel,
  decoder: Decoder,
  spec: LikelihoodSpec,
  data: { x: Float32Array; z: Float32Array; B: number },
  holdSigma = false,
  directions = 2,
): Promise<void> {
  const { x, z, B } = data;
  const full = await model.evaluateWithGradients(x, B, z);
  const base = valuesOf(decoder);
  const logSigma = model.params.has('likelihood/log_sigma') ? model.params.get('likelihood/log_sigma').data[0] : undefined;
  const sigma = holdSigma ? referenceEnergies(decoder, spec, x, B, z, { logSigma }).sigma : undefined;
  const total = (zz: ArrayLike<number>, values: Values, ls = logSigma) => referenceEnergies(decoder, spec, x, B, zz, { values, sigma, logSigma: ls }).energy.reduce((a, e) => a + e, 0);
  const rng = new Mulberry32(17);
  const h = 1e-6;
  const check = (what: string, analytic: ArrayLike<number>, f: (t: number, v: Float32Array) => number) => {
    for (let k = 0; k < directions; k++) {
      const v = rng.normals(analytic.length);
      const an = directional(analytic, v);
      const fd = centralDifference((t) => f(t, v), h);
      if (!(Math.abs(an.value - fd) <= 2e-4 * an.scale + 1e-9)) expect.fail(`${what}: graph ${an.value} vs finite difference ${fd} (scale ${an.scale})`);
    }
  };
  check('dE/dz', full.gradZ, (t, v) =>
    total(
      Array.from(z, (zi, i) => zi + t * v[i]),
      base,
    ),
  );
  for (const name of model.params.names) {
    const g = full.gradients.get(name)!;
    if (name === 'likelihood/log_sigma') check(name, g, (t, v) => total(z, base, logSigma! + t * v[0]));
    else
      check(`dE/d${name}`, g, (t, v) =>
        total(
          z,
          new Map(base).set(
            name,
            Array.from(base.get(name)!, (p, i) => p + t * v[i]),
          ),
        ),
      );
  }
  // The sampling and theta graphs give the same gradients as the full one.
  const sample = await model.evaluate(x, B, z);
  expectClose(sample.gradZ, full.gradZ, 1e-6, 1e-6, 'grad_z (sample graph)');
  const theta = await model.thetaGradients(x, B, z);
  for (const name of model.params.names) expectClose(theta.get(name)!, full.gradients.get(name)!, 1e-6, 1e-6, `grad/${name} (theta graph)`);
}

/**
 * For decoders without a float64 reference (convolutions: onnxruntime has no double Conv), checks the model's
 * dE/dz and dE/dtheta along random directions against central differences of its own float32 energies
 * (parameters perturbed in place, then restored), as lib/onnx/check-grad.ts does: a direction passes when, for
 * the best of the steps tried, |fd - an| <= 1e-3 |an| + eps / step, eps = 32 u sum|E| the rounding of the summed
 * energy (u = 2^-24). Truncation at the best step is ~1e-5 relative; a wrong gradient errs by far more than 1e-3.
 * Steps that move ReLU pre-activations across 0 err more; the smaller steps avoid most crossings.
 */
export async function expectGradientsMatchFloat32(model: EnergyModel, data: { x: Float32Array; z: Float32Array; B: number }, directions = 2): Promise<void> {
  const { x, z, B } = data;
  const full = await model.evaluateWithGradients(x, B, z);
  const total = async (zz: Float32Array) => {
    const e = (await model.evaluateMetrics(x, B, zz)).energy;
    return { value: e.reduce((a, v) => a + v, 0), magnitude: e.reduce((a, v) => a + Math.abs(v), 0) };
  };
  const rng = new Mulberry32(31);
  const check = async (what: string, analytic: Float32Array, base: Float32Array, shifted: (delta: Float32Array) => Promise<{ value: number; magnitude: number }>) => {
    let rms = 0;
    for (const v of base) rms += v * v;
    const s = Math.max(Math.sqrt(rms / base.length), 1);
    for (let k = 0; k < directions; k++) {
      const v = rng.normals(base.length);
      let best = Infinity;
      let report = '';
      for (const h of [1e-2, 3e-3, 1e-3, 3e-4]) {
        const step = h * s;
        const plus = await shifted(v.map((t) => t * step));
        const minus = await shifted(v.map((t) => -t * step));
        const fd = (plus.value - minus.value) / (2 * step);
        const an = directional(analytic, v).value;
        const noise = (32 * 2 ** -24 * (plus.magnitude + minus.magnitude)) / 2 / step;
        const rel = Math.abs(fd - an) / (Math.abs(an) + noise / 1e-3);
        if (rel < best) [best, report] = [rel, `analytic ${an}, numeric ${fd} at step ${step}`];
      }
      if (!(best <= 1e-3)) expect.fail(`${what}: ${report} (relative error ${best.toExponential(2)})`);
    }
  };
  await check('dE/dz', full.gradZ, z, (delta) => total(z.map((t, i) => t + delta[i])));
  for (const name of model.params.names) {
    const p = model.params.get(name).data;
    const saved = p.slice();
    await check(`dE/d${name}`, full.gradients.get(name)!, saved, async (delta) => {
      p.set(saved.map((t, i) => t + delta[i]));
      try {
        return await total(z);
      } finally {
        p.set(saved);
      }
    });
  }
}

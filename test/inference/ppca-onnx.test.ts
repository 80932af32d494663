/**
 * End to end through ONNX: a linear decoder written as torch.onnx.export writes nn.Linear (Gemm, transB = 1)
 * plus a view to [batch, 1, 2, 4], loaded with loadDecoder, composed with a fixed-sigma Gaussian likelihood by
 * EnergyModel and sampled by LangevinSampler, is probabilistic PCA, whose posterior is known in closed form:
 * precision A = W'W / sigma^2 + I, mean A^-1 W'(x - b) / sigma^2. Moments are compared in A's eigenbasis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LangevinSampler } from '../../lib/inference/index.js';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { floatAttr } from '../../lib/onnx/builder.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { symmetricEigen } from '../../lib/eval/symmetric-eigen.js';
import { TorchExport } from '../onnx/fixtures/torch-export.js';
import { acrossChains, chainAverages, pooled, ulaProductSe } from './support/moments.js';
import { PpcaEnergy, randomPpca } from './support/targets.js';

const D = 8;
const d = 3;
const batch = 3;
const sigma = 0.4;
// W, b and x drawn by the JavaScript PPCA of the sampler tests; W and b rounded to float32 as the ONNX file stores them.
const drawn = randomPpca({ D, d, sigma, scale: 0.3, batch, seed: 7 });
const w32 = Float32Array.from(drawn.energy.w);
const b32 = Float32Array.from(drawn.energy.bias);
const reference = new PpcaEnergy(Float64Array.from(w32), Float64Array.from(b32), sigma);
const x = drawn.x;
const { values: lambda, vectors: Q } = symmetricEigen(reference.precision(), d);
const lambdaMax = Math.max(...lambda);
const means = reference.posteriorMeans(x);

/** nn.Linear(d, D) then .view(B, 1, 2, 4), exported: Gemm with weight [D, d] and transB = 1, Shape-built Reshape. */
function linearDecoder(): TorchExport {
  const t = new TorchExport(17, 0);
  const weight = t.b.initializer('decoder.weight', makeTensor('float32', [D, d], w32.slice()));
  const bias = t.b.initializer('decoder.bias', makeTensor('float32', [D], b32.slice()));
  const h = t.op('/decoder', 'Gemm', [t.input('z', ['batch_size', d]), weight, bias], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 });
  t.output(t.view('', h, [1, 2, 4]), 'x_mean', ['batch_size', 1, 2, 4]);
  return t;
}

let energy: EnergyModel;

beforeAll(async () => {
  // A linear output has no Sigmoid or Tanh to read its range from (the Gaussian does not use it), and [1, 2, 4]
  // reads as NCHW or NHWC alike: both are given.
  const decoder = await loadDecoder(linearDecoder().model, { range: '01', imageShape: [1, 2, 4] });
  expect(decoder.imageShape).toEqual([1, 2, 4]);
  energy = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma } }, threads: 1 });
});

afterAll(async () => {
  await energy?.dispose();
});

describe('posterior sampling through an ONNX linear-Gaussian decoder (probabilistic PCA)', () => {
  it('has the energy and gradient of the float64 PPCA reference', async () => {
    const K = 5;
    const z = new Float32Array(batch * K * d).map((_, i) => Math.sin(1.7 * i) * 2);
    const got = await energy.evaluate(x, batch, z);
    const want = await reference.evaluate(x, batch, z);
    for (let c = 0; c < batch * K; c++) {
      // float32 sums of ~D terms of size ~|x - Wz - b|^2 / sigma^2 <= ~200: a few float32 ulps of that.
      expect(Math.abs(got.energy[c] - want.energy[c])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.energy[c])));
      for (let j = 0; j < d; j++) expect(Math.abs(got.gradZ[c * d + j] - want.gradZ[c * d + j])).toBeLessThan(1e-4);
    }
  });

  it('ULA at a small step: mean exact and covariance the unadjusted 2[A(2I - eta A)]^-1, within 4 SE', async () => {
    const eta = 0.15 / lambdaMax; // the unadjusted variance is at most 2 / (2 - 0.15) = 1.08 times 1/lambda
    const K = 200;
    const burnIn = Math.ceil(Math.log(1e-6) / Math.log(1 - eta * Math.min(...lambda))); // start forgotten to 1e-6
    const S = 800;
    const result = await new LangevinSampler(energy, { steps: burnIn + S, stepSize: eta, chains: K, keep: { burnIn }, seed: 21 }).run(x);
    expect(result.totalRestarts).toBe(0);
    const avg = chainAverages(result.kept!, S, K, d, means, Q);
    const count = batch * K * S;
    const rho = lambda.map((l) => 1 - eta * l);
    const s = lambda.map((l) => 2 / (l * (2 - eta * l)));
    for (let p = 0; p < d; p++) {
      // The mean: 4 SE from the AR(1) effective sample size N (1 - rho) / (1 + rho).
      expect(Math.abs(pooled(avg.mean, avg.n, d, p))).toBeLessThan(4 * Math.sqrt((s[p] * (1 + rho[p])) / (count * (1 - rho[p]))));
      for (let q = 0; q < d; q++) {
        const got = pooled(avg.second, avg.n, d * d, p * d + q);
        // 4 SE from the AR(1) effective sample size of products (test/inference/support/moments.ts).
        expect(Math.abs(got - (p === q ? s[p] : 0)), `u${p}u${q}`).toBeLessThan(4 * ulaProductSe(s, rho, p, q, count));
      }
    }
  });

  it('MALA at a large step matches the exact posterior within 4 SE where ULA is off by more than 10 SE', async () => {
    const eta = 1.0 / lambdaMax; // ULA's variance along the stiffest direction: 2 / (2 - 1) = 2 times 1/lambda
    const K = 200;
    const burnIn = 100;
    const S = 400;
    const common = { steps: burnIn + S, stepSize: eta, chains: K, keep: { burnIn }, seed: 22 } as const;
    const mala = await new LangevinSampler(energy, { ...common, sampler: 'mala' }).run(x);
    const ula = await new LangevinSampler(energy, common).run(x);
    expect(mala.acceptRate).toBeGreaterThan(0.3);
    const malaAvg = chainAverages(mala.kept!, S, K, d, means, Q);
    const ulaAvg = chainAverages(ula.kept!, S, K, d, means, Q);
    for (let p = 0; p < d; p++) {
      // Standard errors from the spread of the 600 independent chains' time averages (batch means).
      const m = acrossChains(malaAvg.mean, malaAvg.n, d, p);
      expect(Math.abs(m.value), `MALA mean u${p}`).toBeLessThan(4 * m.se);
      for (let q = 0; q < d; q++) {
        const c = acrossChains(malaAvg.second, malaAvg.n, d * d, p * d + q);
        expect(Math.abs(c.value - (p === q ? 1 / lambda[p] : 0)), `MALA u${p}u${q}`).toBeLessThan(4 * c.se);
      }
    }
    const top = lambda.indexOf(lambdaMax);
    const biased = acrossChains(ulaAvg.second, ulaAvg.n, d * d, top * d + top);
    expect(Math.abs(biased.value - 1 / lambdaMax)).toBeGreaterThan(10 * biased.se);
    // ULA's error is the discretisation's 2 / (lambda (2 - eta lambda)): within 4 SE of it.
    expect(Math.abs(biased.value - 2 / (lambdaMax * (2 - eta * lambdaMax)))).toBeLessThan(4 * biased.se);
  });
});

/**
 * Chooses the variance inflation of the Langevin importance-sampling proposal (lib/eval/langevin-proposal.ts
 * DEFAULT_INFLATION) and the evaluation's default Langevin settings (DEFAULT_EVAL_LANGEVIN), by measurement.
 *
 * 1. Trains a VAE (MLP decoder d -> hidden -> 784 with the Bernoulli likelihood, MLP encoder) on dynamically
 *    binarised MNIST (the standard training split; bench/RESULTS.md's numbers were measured on the 8,000-digit
 *    subset of the former `mnist` package), batch 64, Adam 1e-3. Cached in bench/out/.
 * 2. On a fixed binarised copy of 200 test digits: the reference log p(x), IWAE with the encoder's proposal at
 *    K = 5000. Then, treating the decoder as encoder-free, for each Langevin setting (4 chains from the prior,
 *    200 steps, states 105, 110, ..., 200 kept: 80 per digit) the diagonal Gaussian is fitted once, and for each
 *    inflation factor log p(x) is estimated with K = 1000 fresh draws twice (two seeds). Reported: the mean
 *    bound over digits (higher is better: each is a lower bound in expectation), how far it is below the
 *    reference, the per-digit repeat spread (|a - b| / sqrt 2, mean over digits: the Monte Carlo error of one
 *    estimate), and the mean ESS / K.
 *
 * Run: npm run build:ts && node bench/eval-inflation.mjs [small|reference]   (writes bench/out/eval-inflation-<model>.json)
 * small: d = 16, hidden [256], 5000 updates; reference: d = 32, hidden [512, 512], 3000 updates.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  binarizeImages,
  createImageSet,
  EncoderModel,
  EnergyModel,
  exportDecoder,
  exportEncoder,
  fitDiagonalGaussian,
  importanceSampledLogLikelihood,
  inflateProposal,
  LangevinSampler,
  loadDecoder,
  loadEncoder,
  loadMnist,
  MinibatchLoader,
  mlpDecoder,
  mlpEncoder,
  Optimizer,
  proposalFromVariance,
  Rng,
} from '../dist/index.js';

const which = process.argv[2] ?? 'small';
const CONFIG = {
  small: { latentDim: 16, hidden: [256], updates: 5000 },
  reference: { latentDim: 32, hidden: [512, 512], updates: 3000 },
}[which];
if (CONFIG === undefined) throw new Error(`unknown model '${which}': small or reference`);
const THREADS = 1;
const TEST_IMAGES = 200;
const K = 1000;
const FACTORS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];
const SETTINGS = [
  { name: 'ula none eta 0.01', stepSize: 0.01, preconditioner: 'none' },
  { name: 'ula none eta 0.05', stepSize: 0.05, preconditioner: 'none' },
  { name: 'ula rmsprop eta 0.03', stepSize: 0.03, preconditioner: 'rmsprop', beta2: 0.999 },
  { name: 'ula rmsprop eta 0.1', stepSize: 0.1, preconditioner: 'rmsprop', beta2: 0.999 },
  { name: 'ula rmsprop eta 0.3', stepSize: 0.3, preconditioner: 'rmsprop', beta2: 0.999 },
  { name: 'mala rmsprop adapted', stepSize: 0.1, preconditioner: 'rmsprop', beta2: 0.999, sampler: 'mala', mala: { warmup: 50, adapt: true } },
];

/**
 * A VAE (reparameterised ELBO, analytic KL) of the decoder with an MLP encoder of the same widths: a decoder whose
 * posteriors are meaningful (a few minutes of LPC from the prior left most latents unused), and an encoder whose
 * IWAE estimate at K = 5000 serves as the reference value.
 */
async function trainVae(data) {
  const opts = { latentDim: CONFIG.latentDim, imageShape: [1, 28, 28], hidden: CONFIG.hidden };
  const decoder = mlpDecoder({ ...opts, seed: 1 });
  const encoder = mlpEncoder({ ...opts, hidden: [...CONFIG.hidden].reverse(), seed: 2 });
  const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true, threads: THREADS });
  const enc = await EncoderModel.create(encoder, { trainable: true, threads: THREADS });
  const thetaOpt = new Optimizer(
    [...energy.params].map((p) => p.data),
    { kind: 'adam', lr: 1e-3 },
  );
  const phiOpt = new Optimizer(
    [...enc.params].map((p) => p.data),
    { kind: 'adam', lr: 1e-3 },
  );
  const rng = new Rng({ seed: 3 });
  const loader = new MinibatchLoader(data.train, { batchSize: 64, source: rng, binarize: true, dropLast: true });
  const d = CONFIG.latentDim;
  const started = performance.now();
  let updates = 0;
  let loss = 0;
  while (updates < CONFIG.updates) {
    for (const batch of loader.epoch()) {
      const B = batch.size;
      const { mu, logSigma } = await enc.forward(batch.x, B);
      const eps = rng.normal(B * d);
      const sigma = logSigma.map(Math.exp);
      const z = mu.map((m, i) => m + sigma[i] * eps[i]);
      const full = await energy.evaluateWithGradients(batch.x, B, z);
      // d(-log p(x|z))/dz = grad_z - z; the analytic KL adds mu and sigma^2 - 1 (docs/ARCHITECTURE.md §2.8).
      const gMu = new Float32Array(B * d);
      const gLs = new Float32Array(B * d);
      for (let i = 0; i < B * d; i++) {
        const g = full.gradZ[i] - z[i];
        gMu[i] = (g + mu[i]) / B;
        gLs[i] = (g * sigma[i] * eps[i] + sigma[i] * sigma[i] - 1) / B;
      }
      const phiGrads = await enc.vjp(batch.x, B, gMu, gLs);
      thetaOpt.step([...energy.params].map((p) => full.gradients.get(p.name).map((g) => g / B)));
      phiOpt.step([...enc.params].map((p) => phiGrads.get(p.name)));
      let kl = 0;
      for (let i = 0; i < B * d; i++) kl += 0.5 * (mu[i] ** 2 + sigma[i] ** 2 - 1 - 2 * logSigma[i]);
      loss += (full.nll.reduce((a, v) => a + v, 0) + kl) / B;
      if (++updates % 500 === 0) {
        console.log(`update ${updates}: train negative ELBO ${(loss / 500).toFixed(1)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        loss = 0;
      }
      if (updates >= CONFIG.updates) break;
    }
  }
  await energy.dispose();
  await enc.dispose();
  return { decoder, encoder };
}

const data = loadMnist();
mkdirSync('bench/out', { recursive: true });
const cached = { decoder: `bench/out/eval-vae-decoder-${which}.onnx`, encoder: `bench/out/eval-vae-encoder-${which}.onnx` };
let decoder;
let encoder;
if (existsSync(cached.decoder) && existsSync(cached.encoder)) {
  decoder = await loadDecoder(readFileSync(cached.decoder));
  encoder = await loadEncoder(readFileSync(cached.encoder));
} else {
  ({ decoder, encoder } = await trainVae(data));
  writeFileSync(cached.decoder, exportDecoder(decoder));
  writeFileSync(cached.encoder, exportEncoder(encoder));
}
const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, threads: THREADS });
const enc = await EncoderModel.create(encoder, { threads: THREADS });
const testBytes = createImageSet({ ...data.test, name: 'mnist/test[:200]', count: TEST_IMAGES, images: data.test.images.subarray(0, TEST_IMAGES * 784), labels: null });
const x = binarizeImages(testBytes, new Rng({ seed: 4 })).images;
const B = TEST_IMAGES;
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const q0 = await enc.forward(x, B);
const reference = await importanceSampledLogLikelihood(energy, x, B, { mean: q0.mu, logSigma: q0.logSigma }, { samples: 5000, rng: new Rng({ seed: 8 }) });
console.log(`reference: encoder proposal, K = 5000: mean log p(x) ${mean(reference.logLikelihood).toFixed(3)}, ess/K ${(mean(reference.ess) / 5000).toFixed(3)}`);

const rows = [];
for (const setting of SETTINGS) {
  const { name, ...opts } = setting;
  const sampler = new LangevinSampler(energy, { steps: 200, chains: 4, keep: { burnIn: 100, thin: 5 }, seed: 5, ...opts });
  const t0 = performance.now();
  const run = await sampler.run(x);
  const langevinSeconds = (performance.now() - t0) / 1000;
  const fit = fitDiagonalGaussian(run.kept, B, energy.latentDim);
  const base = proposalFromVariance(fit.mean, fit.variance);
  for (const f of FACTORS) {
    const q = inflateProposal(base, f);
    const a = await importanceSampledLogLikelihood(energy, x, B, q, { samples: K, rng: new Rng({ seed: 6 }) });
    const b = await importanceSampledLogLikelihood(energy, x, B, q, { samples: K, rng: new Rng({ seed: 7 }) });
    const row = {
      setting: name,
      inflation: f,
      bound: (mean(a.logLikelihood) + mean(b.logLikelihood)) / 2,
      repeatSpread: mean(Array.from(a.logLikelihood, (v, i) => Math.abs(v - b.logLikelihood[i]) / Math.SQRT2)),
      essFraction: mean(a.ess) / K,
      belowReference: mean(reference.logLikelihood) - (mean(a.logLikelihood) + mean(b.logLikelihood)) / 2,
      restarts: run.totalRestarts,
      langevinSeconds,
    };
    rows.push(row);
    console.log(`${name.padEnd(24)} f=${String(f).padEnd(4)} bound ${row.bound.toFixed(3)}  spread ${row.repeatSpread.toFixed(3)}  ess/K ${row.essFraction.toFixed(3)}  restarts ${row.restarts}`);
  }
}
await energy.dispose();
await enc.dispose();
writeFileSync(`bench/out/eval-inflation-${which}.json`, JSON.stringify({ model: which, config: CONFIG, testImages: B, K, reference: mean(reference.logLikelihood), rows }, null, 2));

/**
 * How the step size, the number of steps and the preconditioner of `langevin-pc infer` affect posterior
 * inference on PyTorch-style decoders (test/inference/support/decoders.ts) whose images were generated from
 * known latents z* ~ N(0, I). Two scenarios:
 * - bernoulli: the decoder's mean images, inferred under the Bernoulli likelihood (infer's default for sigmoid
 *   decoders);
 * - gaussian: the mean images plus N(0, 0.1^2) pixel noise, inferred under the Gaussian likelihood with
 *   sigma = 0.1, so that z* is an exact draw from the posterior: the chains' final energies should then lie
 *   about 0 nats above E(z*) on average (both are posterior draws), and more means chains not yet at
 *   equilibrium or stuck in local modes.
 * Reported per setting: the reconstruction MSE over the MSE of decoding z = 0, the mean squared distance of
 * the posterior mean from z* per latent dim, the share of chains left out by the energy gap, E - E(z*)
 * (gaussian only), and the seconds of the whole run (shared 2-core machine: a rough guide).
 *
 *   npm run bench:infer -- [bernoulli|gaussian] [steps,...]
 */
import { EnergyModel } from '../lib/likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../lib/likelihoods/spec.js';
import { inferPosterior } from '../lib/inference/posterior-inference.js';
import { loadDecoder } from '../lib/models/load-decoder.js';
import type { Decoder } from '../lib/models/networks.js';
import type { Preconditioner } from '../lib/native/chains.js';
import { generateImages, torchBetaVaeDecoder, torchConvDecoder, torchMlpDecoder } from '../test/inference/support/decoders.js';

const IMAGES = 32;
const CHAINS = 4;
const NOISE = 0.1;

interface Setting {
  precond: Preconditioner;
  stepSize: number;
  energyGap?: number;
}

const SETTINGS: Setting[] = [
  ...[1e-3, 3e-3].map((stepSize) => ({ precond: 'none' as const, stepSize })),
  ...[0.03, 0.1].map((stepSize) => ({ precond: 'rmsprop' as const, stepSize })),
  ...[0.01, 0.03, 0.1, 0.3].map((stepSize) => ({ precond: 'adam' as const, stepSize })),
  { precond: 'adam', stepSize: 0.1, energyGap: Infinity },
];

async function decoders(): Promise<[string, Decoder][]> {
  return [
    ['conv 12x12 d=3', await loadDecoder(torchConvDecoder({ latent: 3, gain: 8 }))],
    ['beta-VAE 28x28 d=4', await loadDecoder(torchBetaVaeDecoder({ latent: 4, gain: 4 }))],
    ['MLP 28x28 d=8', await loadDecoder(torchMlpDecoder({ latent: 8, side: 28, gain: 2 }))],
  ];
}

async function main(): Promise<void> {
  const scenario = process.argv[2] ?? 'bernoulli';
  if (scenario !== 'bernoulli' && scenario !== 'gaussian') throw new Error('scenario: bernoulli or gaussian');
  const stepsList = (process.argv[3] ?? '300').split(',').map(Number);
  const likelihood: LikelihoodSpec = scenario === 'bernoulli' ? { kind: 'bernoulli' } : { kind: 'gaussian', sigma: { mode: 'fixed', sigma: NOISE } };
  console.log(`${scenario}: ${IMAGES} images, ${CHAINS} chains each, posterior mean over the second half of the steps`);
  console.log('| decoder | precond | step size | steps | recon/prior MSE | ‖ẑ−z*‖²/d | dropped | E − E(z*) | seconds |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, decoder] of await decoders()) {
    const { z, images } = await generateImages(decoder, IMAGES, { seed: 11, noise: scenario === 'gaussian' ? NOISE : 0 });
    const energy = await EnergyModel.create(decoder, { likelihood, threads: 1 });
    const d = decoder.latentDim;
    const size = images.length / IMAGES;
    const prior = (await energy.evaluateMetrics(images.subarray(0, size), 1, new Float32Array(d))).mean;
    let priorSq = 0;
    for (let i = 0; i < images.length; i++) priorSq += (prior[i % size] - images[i]) ** 2;
    let starEnergy = 0;
    for (const e of (await energy.evaluate(images, IMAGES, z)).energy) starEnergy += e / IMAGES;
    for (const steps of stepsList) {
      for (const s of SETTINGS) {
        const options = { steps, stepSize: s.stepSize, chains: CHAINS, preconditioner: s.precond, seed: 1, batch: IMAGES };
        const start = performance.now();
        const r = await inferPosterior(energy, images, { ...options, energyGap: s.energyGap });
        const seconds = (performance.now() - start) / 1000;
        let reconSq = 0;
        for (let i = 0; i < images.length; i++) reconSq += (r.reconstructions[i] - images[i]) ** 2;
        let zSq = 0;
        for (let i = 0; i < z.length; i++) zSq += (r.means[i] - z[i]) ** 2;
        const excess = scenario === 'gaussian' ? (r.meanEnergy - starEnergy).toFixed(1) : '';
        const precond = s.energyGap === Infinity ? `${s.precond}, all chains` : s.precond;
        const cells = [
          name,
          precond,
          s.stepSize,
          steps,
          (reconSq / priorSq).toFixed(4),
          (zSq / z.length).toFixed(4),
          `${((100 * r.droppedChains) / (IMAGES * CHAINS)).toFixed(0)}%`,
          excess,
          seconds.toFixed(2),
        ];
        console.log(`| ${cells.join(' | ')} |`);
      }
    }
    await energy.dispose();
  }
}

await main();

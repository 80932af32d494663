/**
 * Per-image NLLs of a trained model, so that models can be compared image by image (paired differences).
 *
 * The declared proposal, fixed before any test number was computed: the Langevin-refined proposal, chains
 * started from the model's encoder (LPC from the prior: from the prior), a diagonal Gaussian fitted to the kept
 * states and inflated by the package's DEFAULT_INFLATION, K importance draws. The encoder's own q is scored
 * beside it with the same draws budget. Every model sees the same images and the same seeds.
 *
 * `declaredOnly` leaves the encoder's q out (it then costs nothing).
 * `kLadder` gives nested estimates: draws come in batches (K_1, then K_2 - K_1 more, ...), and the estimate at K_j
 * combines the batches' mean weights, so the larger K reuses the smaller K's draws.
 */
import os from 'node:os';
import {
  DEFAULT_EVAL_LANGEVIN,
  DEFAULT_INFLATION,
  EncoderModel,
  EnergyModel,
  importanceSampledLogLikelihood,
  LangevinSampler,
  langevinProposal,
  loadDecoder,
  loadEncoder,
  Rng,
} from '../../../dist/index.js';

const BATCH = 32;

/** log(sum_i n_i exp(l_i)) - log(sum_i n_i): combines batch means of weights given their logs. */
function combineLogMeans(logMeans, counts) {
  const max = Math.max(...logMeans);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < logMeans.length; i++) {
    sum += counts[i] * Math.exp(logMeans[i] - max);
    n += counts[i];
  }
  return max + Math.log(sum / n);
}

/**
 * NLL per image (nats) under the declared proposal and, with an encoder, under the encoder's q, at each K of
 * `kLadder`. `model` holds ONNX bytes or paths: { decoder, encoder (or null) }.
 * Returns { images, kLadder, declared, perImage: { [proposal]: { [K]: number[] } }, mean, seconds, loadavg }.
 */
export async function perImageNll(model, images, { kLadder, langevin = DEFAULT_EVAL_LANGEVIN, seed, declaredOnly = false }) {
  const started = performance.now();
  const energy = await EnergyModel.create(await loadDecoder(model.decoder), { likelihood: { kind: 'bernoulli' }, threads: 1 });
  const encoder = model.encoder === null ? null : await EncoderModel.create(await loadEncoder(model.encoder), { threads: 1 });
  const declared = encoder === null ? 'langevin' : 'langevin-from-encoder';
  const kinds = encoder === null || declaredOnly ? [declared] : [declared, 'encoder'];
  const N = images.count;
  const D = energy.dataSize;
  const perImage = Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(kLadder.map((K) => [K, new Array(N)]))]));
  const sampler = new LangevinSampler(energy, { ...langevin, seed });
  const rng = new Rng({ seed, stream: 1 });
  try {
    for (let first = 0; first < N; first += BATCH) {
      const B = Math.min(BATCH, N - first);
      const x = images.images.subarray(first * D, (first + B) * D);
      const proposals = {};
      if (encoder === null) {
        proposals.langevin = (await langevinProposal(sampler, x, { inflation: DEFAULT_INFLATION })).proposal;
      } else {
        const { mu, logSigma } = await encoder.forward(x, B);
        proposals['langevin-from-encoder'] = (await langevinProposal(sampler, x, { inflation: DEFAULT_INFLATION, init: { mu, logSigma } })).proposal;
        proposals.encoder = { mean: mu, logSigma };
      }
      for (const kind of kinds) {
        const logMeans = Array.from({ length: B }, () => []);
        let previous = 0;
        for (const K of kLadder) {
          const iw = await importanceSampledLogLikelihood(energy, x, B, proposals[kind], { samples: K - previous, rng });
          for (let b = 0; b < B; b++) {
            logMeans[b].push(iw.logLikelihood[b]);
            const counts = kLadder.slice(0, logMeans[b].length).map((k, j) => k - (j === 0 ? 0 : kLadder[j - 1]));
            perImage[kind][K][first + b] = -combineLogMeans(logMeans[b], counts);
          }
          previous = K;
        }
      }
    }
  } finally {
    rng.dispose();
    await energy.dispose();
    await encoder?.dispose();
  }
  const mean = Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(kLadder.map((K) => [K, average(perImage[k][K])]))]));
  return { images: N, kLadder, declared, perImage, mean, seconds: (performance.now() - started) / 1000, loadavg: os.loadavg() };
}

export function average(values) {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

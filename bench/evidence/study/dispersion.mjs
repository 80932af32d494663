/**
 * How far the training sampler's chains are from the true posterior, per latent dimension: for each of the first
 * DISPERSION_IMAGES binarised test images, 16 independent chains of the training sampler (ULA at the run's T, eta,
 * preconditioner and momentum, started as training starts them) against a Metropolis-adjusted reference (MALA with
 * an RMSprop preconditioner and step sizes adapted during a warm-up and frozen after it, so the kept draws come
 * from an exact kernel). Over- or under-dispersion shows as the ratio of the 16 final states' variance to the
 * reference's, split by the size of the reference variance (the stiff directions are the smallest-variance ones);
 * bias as the offset of the means in reference standard deviations. The reference's own convergence is reported
 * beside it: acceptance, split-R-hat and ESS per image and dimension.
 *
 * Finite samples move every summary even for an exact sampler: `exactSamplerFloor` gives the same summaries for
 * 16 independent draws from a Gaussian with the reference's moments (variance ratio ~ chi^2_15 / 15).
 *
 * Run: node bench/evidence/study/dispersion.mjs '{"dataset":"mnist","decoder":".../decoder.onnx","encoder":".../encoder.onnx"|null,
 *        "sampler":{"steps":20,"stepSize":0.1,"preconditioner":"rmsprop","momentum":false},"out":".../dispersion.json"}'
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { effectiveSampleSize, EncoderModel, EnergyModel, LangevinSampler, loadDecoder, loadEncoder, Rng, setThreads, splitRhat } from '../../../dist/index.js';
import { DISPERSION_IMAGES, EVAL_SEED, NET, TINY } from './config.mjs';
import { firstImages, studyData } from './data.mjs';

/** Independent chains of the training sampler per image: enough for a variance to within ~35% (chi^2_15). */
const TRAIN_CHAINS = 16;
/**
 * The reference: 4 MALA chains per image, a warm-up that learns the RMSprop preconditioner and adapts each chain's
 * step size toward 0.57 acceptance, then REF_KEEP frozen steps, every REF_THIN-th kept (1000 draws per chain).
 * Measured at 1 thread on a 2-core machine under load ~4: a MALA step of 400 chains (100 images) of the
 * 784-512-512-32 decoder costs ~12 ms, so 1000 + 8000 steps take ~110 s and the script ~2 minutes per model. On
 * a VAE trained one epoch, 4 images, this gave split-R-hat <= 1.017 and ESS >= 400 of 4000 draws in every
 * dimension, where 500 + 1500 steps left R-hat up to 1.11 and ESS down to 28 (the slow directions need the length).
 */
const REF_CHAINS = 4;
const REF_WARMUP = TINY ? 200 : 1000;
const REF_KEEP = TINY ? 800 : 8000;
const REF_THIN = 8;
const REF_STEP_SIZE = 0.05;
const REF_TARGET_ACCEPT = 0.57;
/** The reference chains start over-dispersed: the encoder's q with sigma doubled (or the prior without an encoder). */
const REF_SIGMA_FACTOR = 2;

const JOB_KEYS = ['dataset', 'decoder', 'encoder', 'sampler', 'out'];
const SAMPLER_KEYS = ['steps', 'stepSize', 'preconditioner', 'momentum'];

function parseJob(text) {
  if (text === undefined) throw new Error(`usage: node bench/evidence/study/dispersion.mjs '<job JSON with ${JOB_KEYS.join(', ')}>'`);
  const job = JSON.parse(text);
  for (const key of Object.keys(job)) if (!JOB_KEYS.includes(key)) throw new Error(`job.${key} is not a job key (${JOB_KEYS.join(', ')})`);
  for (const key of Object.keys(job.sampler ?? {})) if (!SAMPLER_KEYS.includes(key)) throw new Error(`job.sampler.${key} is not a sampler key (${SAMPLER_KEYS.join(', ')})`);
  if (!['mnist', 'fashion-mnist'].includes(job.dataset)) throw new Error(`job.dataset must be 'mnist' or 'fashion-mnist'; got ${JSON.stringify(job.dataset)}`);
  if (typeof job.decoder !== 'string') throw new Error(`job.decoder must be the path of decoder.onnx; got ${JSON.stringify(job.decoder)}`);
  if (job.encoder !== null && typeof job.encoder !== 'string') throw new Error(`job.encoder must be the path of encoder.onnx or null; got ${JSON.stringify(job.encoder)}`);
  if (typeof job.out !== 'string') throw new Error(`job.out must be the path of the JSON to write; got ${JSON.stringify(job.out)}`);
  const { steps, stepSize, preconditioner, momentum = false } = job.sampler ?? {};
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`job.sampler.steps must be an integer >= 1; got ${JSON.stringify(steps)}`);
  if (!(stepSize > 0)) throw new Error(`job.sampler.stepSize must be > 0; got ${JSON.stringify(stepSize)}`);
  return { ...job, sampler: { steps, stepSize, preconditioner, momentum } };
}

/** The q-th quantile (0..1) of sorted values, interpolating linearly between order statistics. */
function quantile(sorted, q) {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
}

function sortedCopy(values) {
  return Float64Array.from(values).sort();
}

function fraction(values, keep) {
  let count = 0;
  for (const v of values) if (keep(v)) count++;
  return count / values.length;
}

/** Median, 10th and 90th percentiles of variance ratios, and the fractions above 2 and below 1/2. */
function ratioSummary(ratios) {
  const s = sortedCopy(ratios);
  return { count: s.length, median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), above2: fraction(s, (r) => r > 2), below0_5: fraction(s, (r) => r < 0.5) };
}

function offsetSummary(offsets) {
  const s = sortedCopy(offsets);
  return { median: quantile(s, 0.5), p90: quantile(s, 0.9) };
}

/** Mean and variance (divisor n - 1) of `count` values read at start, start + stride, ... */
function moments(values, start, stride, count) {
  let mean = 0;
  for (let i = 0; i < count; i++) mean += values[start + i * stride];
  mean /= count;
  let ss = 0;
  for (let i = 0; i < count; i++) ss += (values[start + i * stride] - mean) ** 2;
  return { mean, variance: ss / (count - 1) };
}

/** Image b's kept reference draws, [B, S, K, d] rows (b*S + s)*K + k, as [K, S, d] for the diagnostics. */
function chainMajor(kept, b, draws, chains, d) {
  const out = new Float64Array(chains * draws * d);
  for (let s = 0; s < draws; s++) {
    for (let k = 0; k < chains; k++) {
      const from = ((b * draws + s) * chains + k) * d;
      out.set(kept.subarray(from, from + d), (k * draws + s) * d);
    }
  }
  return out;
}

/** Simulated cells of the exact-sampler floor: enough for its quantiles to ~1%, whatever the number of images. */
const FLOOR_CELLS = 100_000;

/**
 * The summaries an exact sampler would get: per cell, 16 independent standard normals against unit variance and
 * zero mean (every ratio and offset is scale-free, so the reference's moments drop out; so does its own noise).
 */
function exactSamplerFloor(cells, seed) {
  const rng = new Rng({ seed });
  try {
    const z = rng.normal(cells * TRAIN_CHAINS);
    const ratios = new Float64Array(cells);
    const offsets = new Float64Array(cells);
    for (let c = 0; c < cells; c++) {
      const { mean, variance } = moments(z, c * TRAIN_CHAINS, 1, TRAIN_CHAINS);
      ratios[c] = variance;
      offsets[c] = Math.abs(mean);
    }
    const { count: _count, ...ratio } = ratioSummary(ratios);
    return { varianceRatio: ratio, meanOffset: offsetSummary(offsets) };
  } finally {
    rng.dispose();
  }
}

async function main() {
  const job = parseJob(process.argv[2]);
  const started = performance.now();
  const loadAtStart = os.loadavg();
  setThreads(1);
  const images = firstImages(studyData(job.dataset).test, DISPERSION_IMAGES);
  const batch = images.count;
  const x = images.images;
  const energy = await EnergyModel.create(await loadDecoder(job.decoder, { imageShape: NET.imageShape }), { likelihood: { kind: 'bernoulli' }, threads: 1 });
  const encoder = job.encoder === null ? null : await EncoderModel.create(await loadEncoder(job.encoder, { imageShape: NET.imageShape }), { threads: 1 });
  const d = energy.latentDim;
  const seconds = { load: (performance.now() - started) / 1000 };
  try {
    const q = encoder === null ? null : await encoder.forward(x, batch);

    // The training sampler, started as training starts it: from q (mu, log sigma) or from the prior.
    let t0 = performance.now();
    const { steps, stepSize, preconditioner, momentum } = job.sampler;
    const training = new LangevinSampler(energy, { steps, stepSize, preconditioner, momentum, chains: TRAIN_CHAINS, seed: EVAL_SEED });
    const trained = await training.run(x, q === null ? undefined : { mu: q.mu, logSigma: q.logSigma });
    seconds.training = (performance.now() - t0) / 1000;

    // The reference, from over-dispersed starts.
    t0 = performance.now();
    const reference = new LangevinSampler(energy, {
      sampler: 'mala',
      steps: REF_WARMUP + REF_KEEP,
      stepSize: REF_STEP_SIZE,
      chains: REF_CHAINS,
      preconditioner: 'rmsprop',
      mala: { warmup: REF_WARMUP, adapt: true, targetAccept: REF_TARGET_ACCEPT },
      keep: { burnIn: REF_WARMUP, thin: REF_THIN },
      seed: EVAL_SEED + 1,
    });
    const wide = q === null ? undefined : { mu: q.mu, logSigma: q.logSigma.map((v) => v + Math.log(REF_SIGMA_FACTOR)) };
    const ref = await reference.run(x, wide);
    seconds.reference = (performance.now() - t0) / 1000;

    // Per image and dimension: moments of both, the reference's diagnostics.
    t0 = performance.now();
    const S = ref.keptPerChain;
    const cells = batch * d;
    const ratios = new Float64Array(cells);
    const offsets = new Float64Array(cells);
    const refVariances = new Float64Array(cells);
    const rhats = new Float64Array(cells);
    const esses = new Float64Array(cells);
    const acceptPerImage = new Float64Array(batch);
    for (let b = 0; b < batch; b++) {
      const draws = chainMajor(ref.kept, b, S, REF_CHAINS, d);
      rhats.set(splitRhat(draws, REF_CHAINS, S, d), b * d);
      esses.set(effectiveSampleSize(draws, REF_CHAINS, S, d), b * d);
      for (let k = 0; k < REF_CHAINS; k++) acceptPerImage[b] += ref.acceptRates[b * REF_CHAINS + k] / REF_CHAINS;
      for (let j = 0; j < d; j++) {
        const r = moments(draws, j, d, REF_CHAINS * S);
        const t = moments(trained.samples, b * TRAIN_CHAINS * d + j, d, TRAIN_CHAINS);
        const cell = b * d + j;
        refVariances[cell] = r.variance;
        ratios[cell] = t.variance / r.variance;
        offsets[cell] = Math.abs(t.mean - r.mean) / Math.sqrt(r.variance);
      }
    }
    // Quartiles of the reference variance over image x dim; quartile 1 holds the stiffest directions.
    const order = Array.from({ length: cells }, (_, i) => i).sort((a, b) => refVariances[a] - refVariances[b]);
    const byReferenceVarianceQuartile = [0, 1, 2, 3].map((quartile) => {
      const members = order.slice(Math.round((quartile * cells) / 4), Math.round(((quartile + 1) * cells) / 4));
      return {
        quartile: quartile + 1,
        referenceVariance: { min: refVariances[members[0]], max: refVariances[members[members.length - 1]] },
        varianceRatio: ratioSummary(members.map((i) => ratios[i])),
        meanOffset: offsetSummary(members.map((i) => offsets[i])),
      };
    });
    const sortedRhat = sortedCopy(rhats);
    const sortedEss = sortedCopy(esses);
    const sortedAccept = sortedCopy(acceptPerImage);
    seconds.diagnostics = (performance.now() - t0) / 1000;
    seconds.total = (performance.now() - started) / 1000;

    const result = {
      job,
      settings: {
        images: batch,
        latentDim: d,
        data: `the first ${batch} images of the study's binarised test set`,
        training: { sampler: 'ula', steps, stepSize, preconditioner, momentum, chains: TRAIN_CHAINS, init: q === null ? 'prior' : 'encoder', seed: EVAL_SEED },
        reference: {
          sampler: 'mala',
          preconditioner: 'rmsprop',
          chains: REF_CHAINS,
          initialStepSize: REF_STEP_SIZE,
          warmup: REF_WARMUP,
          keptSteps: REF_KEEP,
          thin: REF_THIN,
          keptPerChain: S,
          targetAccept: REF_TARGET_ACCEPT,
          init: q === null ? 'prior' : `encoder q with sigma x ${REF_SIGMA_FACTOR}`,
          seed: EVAL_SEED + 1,
        },
      },
      acceptance: { mean: ref.acceptRate, min: sortedAccept[0], warmupMean: ref.warmupAcceptRate, medianStepSize: quantile(sortedCopy(ref.stepSizes), 0.5) },
      rhat: { median: quantile(sortedRhat, 0.5), max: sortedRhat[cells - 1], above1_01: fraction(sortedRhat, (r) => r > 1.01), above1_1: fraction(sortedRhat, (r) => r > 1.1) },
      ess: { median: quantile(sortedEss, 0.5), min: sortedEss[0], drawsPerImage: REF_CHAINS * S },
      varianceRatio: { ...ratioSummary(ratios), byReferenceVarianceQuartile },
      meanOffset: offsetSummary(offsets),
      exactSamplerFloor: exactSamplerFloor(FLOOR_CELLS, EVAL_SEED + 2),
      restarts: { training: trained.totalRestarts, reference: ref.totalRestarts },
      seconds,
      loadAverage: { start: loadAtStart, end: os.loadavg() },
      cpus: os.cpus().length,
      time: new Date().toISOString(),
    };
    mkdirSync(path.dirname(job.out), { recursive: true });
    writeFileSync(`${job.out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    renameSync(`${job.out}.tmp`, job.out);
    const v = result.varianceRatio;
    console.log(
      `${path.basename(job.out)}: accept ${ref.acceptRate.toFixed(2)} (min ${sortedAccept[0].toFixed(2)}), R-hat max ${result.rhat.max.toFixed(3)}, ESS min ${result.ess.min.toFixed(0)}; ` +
        `variance ratio median ${v.median.toFixed(2)} [${v.p10.toFixed(2)}, ${v.p90.toFixed(2)}], >2 ${v.above2.toFixed(3)}, <0.5 ${v.below0_5.toFixed(3)}; ` +
        `offset median ${result.meanOffset.median.toFixed(2)}; ${seconds.total.toFixed(1)} s`,
    );
  } finally {
    await energy.dispose();
    await encoder?.dispose();
  }
}

await main();

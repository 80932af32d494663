/**
 * Sample quality against updates in the Langevin PC paper's own setting: the conv builder's decoder and encoder
 * (as `langevin-pc train --arch conv --likelihood discretized` builds them: 32 latents, tanh output) with the
 * discretised Gaussian on Fashion-MNIST grey values, its sigma at the CLI's default ('optimal'). The VAE and
 * amortised LPC train side by side in one process, interleaved in chunks of updates so that the machine's load
 * falls on both alike; at fixed update counts both are scored by the Fréchet distance between decoder samples
 * (means of z ~ N(0, I), the same latents for both models and every point, as `langevin-pc eval` draws them) and
 * validation images, under the package's shipped Fashion-MNIST feature classifier. That is not Inception FID:
 * the numbers compare only with each other, not with the paper's FID.
 *
 * Data: the training split minus its validation part (splitValidation: 50,000 / 10,000), grey values in
 * [0, 1] (the trainers map them to the decoder's [-1, 1]); batch 64, Adam 1e-3 for decoder and encoder, seed 1,
 * one thread. LPC's settings (init, encoder objective, preconditioner, T, eta) come from --settings, a JSON
 * file or JSON text with the keys of lpcSpec in ./config.mjs; the decoder's gradient is taken at the last state.
 *
 * Run: npx tsc -p tsconfig.json && node bench/evidence/study/conv-quality.mjs [--settings FILE|JSON] [--out NAME]
 * Writes bench/results/conv-quality.json (or NAME.json). CONV_SCALE=tiny (64 training images, 64 images per distance, 20
 * updates) checks the pipeline and writes bench/out/conv-quality-tiny.json instead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createImageSet, DecoderMeans, frechetDistance, loadFashionMnist, loadFeatureClassifier, LpcTrainer, Rng, setThreads, splitValidation, VaeTrainer } from '../../../dist/index.js';
import { machineInfo } from '../../machine.mjs';
import { decoderPassesPerUpdate, lpcSpec, REPO, vaeSpec } from './config.mjs';

const TINY = process.env.CONV_SCALE === 'tiny';
const DATASET = 'fashion-mnist';
const BATCH = 64;
const LR = 1e-3;
const SEED = 1;
/** Seed of the prior draws the samples decode: the same latents for both models at every point. */
const SAMPLE_SEED = 17n;
/** Images on each side of a distance: the first IMAGES validation images against IMAGES samples. */
const IMAGES = TINY ? 64 : 2000;
const TRAIN_IMAGES = TINY ? 64 : null;
/** Update counts at which both models are scored (0: the initial networks). */
const POINTS = TINY ? [0, 5, 20] : [0, 250, 500, 1000, 1500, 2000];
/** Updates per model between switches; a multiple of it lands on every point. */
const CHUNK = TINY ? 5 : 25;
/** The conv builder's networks at the CLI's defaults (no --hidden: 32 channels per convolution, fc 256-256). */
const NET = { latentDim: 32, imageShape: [1, 28, 28] };
const LIKELIHOOD = { kind: 'discretized', sigma: { mode: 'optimal' } };
const DEFAULT_SETTINGS = { init: 'encoder', objective: 'jeffreys', precond: 'rmsprop', momentum: false, T: 5, eta: 0.3 };
const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS);
/** --out NAME: results go to bench/results/NAME.json (default conv-quality), so that runs with other settings sit beside each other. */
const OUT_NAME = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : 'conv-quality';
if (!/^conv-quality[\w-]*$/.test(OUT_NAME)) throw new Error(`--out: a name starting conv-quality (letters, digits, - and _); got ${OUT_NAME}`);
const RESULTS = TINY ? path.join(REPO, `bench/out/${OUT_NAME}-tiny.json`) : path.join(REPO, `bench/results/${OUT_NAME}.json`);

/** --settings: a JSON file's path or JSON text, over the defaults; unknown keys are refused. */
function readSettings() {
  const at = process.argv.indexOf('--settings');
  if (at < 0) return { ...DEFAULT_SETTINGS };
  const value = process.argv[at + 1];
  if (value === undefined) throw new Error('--settings: expected a JSON file or JSON text, e.g. {"T": 5, "eta": 0.3}');
  const given = JSON.parse(existsSync(value) ? readFileSync(value, 'utf8') : value);
  const unknown = Object.keys(given).filter((k) => !SETTING_KEYS.includes(k));
  if (unknown.length > 0) throw new Error(`--settings: unknown key(s) ${unknown.join(', ')}; known: ${SETTING_KEYS.join(', ')}`);
  return { ...DEFAULT_SETTINGS, ...given };
}

/** The first `count` images of a set (views, no copy). */
function firstImages(set, count) {
  const size = set.images.length / set.count;
  return createImageSet({ ...set, name: `${set.name}[0:${count}]`, count, images: set.images.subarray(0, count * size), labels: set.labels?.subarray(0, count) ?? null });
}

/** The VAE's and LPC's trainers, built from the same network specs and seed. */
async function createTrainers(settings) {
  const decoder = { kind: 'conv', options: { ...NET, output: 'tanh' } };
  const encoder = { kind: 'conv', options: NET };
  const common = { decoder, likelihood: LIKELIHOOD, optimizer: { kind: 'adam', lr: LR }, seed: SEED, threads: 1 };
  const spec = lpcSpec(DATASET, { ...settings, seed: SEED });
  const langevin = { steps: spec.T, stepSize: spec.eta, chains: 1, preconditioner: spec.precond, momentum: spec.momentum };
  const amortised = spec.init === 'encoder' ? { encoder, init: 'encoder', encoderObjective: spec.objective } : { init: 'prior' };
  const vae = await VaeTrainer.create({ ...common, encoder });
  const lpc = await LpcTrainer.create({ ...common, ...amortised, langevin, thetaGrad: 'last' });
  return [
    { name: 'vae', trainer: vae, passes: decoderPassesPerUpdate(vaeSpec(DATASET, LR)), seconds: 0, lossName: 'negElbo' },
    { name: 'lpc', trainer: lpc, passes: decoderPassesPerUpdate(spec), seconds: 0, lossName: 'energy' },
  ];
}

/** Trains `model` up to `updates` in all; returns the mean loss of these updates. Adds the wall-clock to its seconds. */
async function trainTo(model, train, updates) {
  const started = performance.now();
  let loss = 0;
  let count = 0;
  for await (const event of model.trainer.run({ data: train, batchSize: BATCH, updates, dropLast: true })) {
    if (event.type !== 'update') continue;
    loss += event.losses[model.lossName];
    count++;
  }
  model.seconds += (performance.now() - started) / 1000;
  return { loss, count };
}

/** Decoder means of IMAGES latents z ~ N(0, I) drawn with SAMPLE_SEED, mapped to [0, 1] as `langevin-pc eval` does. */
async function samples(decoder) {
  const rng = new Rng({ seed: SAMPLE_SEED });
  const means = await DecoderMeans.create(decoder, { threads: 1 });
  try {
    const images = await means.decode(rng.normal(IMAGES * decoder.latentDim));
    if (means.range === '11') for (let i = 0; i < images.length; i++) images[i] = (images[i] + 1) / 2;
    return images;
  } finally {
    rng.dispose();
    await means.dispose();
  }
}

async function main() {
  const started = performance.now();
  // The machine and its load as the run starts (each row adds the load at its evaluation).
  const machine = machineInfo();
  setThreads(1);
  const settings = readSettings();
  const { train: trainPart, validation } = splitValidation(loadFashionMnist().train);
  const train = TRAIN_IMAGES === null ? trainPart : firstImages(trainPart, TRAIN_IMAGES);
  const network = await loadFeatureClassifier(DATASET, { threads: 1 });
  const models = await createTrainers(settings);
  const rows = [];
  try {
    const real = await network.statistics(firstImages(validation, IMAGES));
    // The distance's floor at this sample size: as many training images (real too) against the same validation images.
    const floor = await frechetDistance(real, firstImages(train, Math.min(IMAGES, train.count)), { network });
    process.stdout.write(`floor (training vs validation images, ${floor.generatedCount} vs ${floor.realCount}): fd ${floor.fd.toFixed(3)}\n`);
    const losses = new Map(models.map((m) => [m.name, { loss: 0, count: 0 }]));
    let done = 0;
    for (const point of POINTS) {
      for (let round = 0; done < point; round++) {
        done = Math.min(point, done + CHUNK);
        // The model that goes first alternates, so neither always runs right after evaluation or the other.
        const order = round % 2 === 0 ? models : [...models].reverse();
        for (const model of order) {
          const r = await trainTo(model, train, done);
          const sum = losses.get(model.name);
          sum.loss += r.loss;
          sum.count += r.count;
        }
      }
      for (const model of models) {
        const t0 = performance.now();
        const fd = await frechetDistance(real, await samples(model.trainer.decoder), { network });
        const sum = losses.get(model.name);
        const row = {
          model: model.name,
          updates: model.trainer.updates,
          fd: fd.fd,
          meanTerm: fd.meanTerm,
          covarianceTerm: fd.covarianceTerm,
          trainSeconds: model.seconds,
          decoderPassesPerImage: model.passes,
          decoderPasses: model.trainer.updates * BATCH * model.passes,
          lossName: model.lossName,
          meanLoss: sum.count === 0 ? null : sum.loss / sum.count,
          evalSeconds: (performance.now() - t0) / 1000,
          loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
        };
        losses.set(model.name, { loss: 0, count: 0 });
        rows.push(row);
        process.stdout.write(
          `${model.name} at ${row.updates} updates: fd ${row.fd.toFixed(3)}, ${row.trainSeconds.toFixed(1)} s of training, ${row.decoderPasses} decoder passes${row.meanLoss === null ? '' : `, mean ${row.lossName} ${row.meanLoss.toFixed(1)}`}\n`,
        );
      }
    }
    const result = {
      machine,
      scale: TINY ? 'tiny' : 'full',
      setup: {
        dataset: DATASET,
        data: `${train.count} training images (grey values, the training split minus its last ${validation.count} validation images), batch ${BATCH}, the last partial batch dropped`,
        networks: { kind: 'conv', decoder: { ...NET, output: 'tanh' }, encoder: NET },
        likelihood: LIKELIHOOD,
        optimizer: { kind: 'adam', lr: LR },
        seed: SEED,
        threads: 1,
        chunk: CHUNK,
        points: POINTS,
        distance: {
          network: network.name,
          featureDim: network.featureDim,
          real: `the first ${IMAGES} validation images`,
          samples: `decoder means of ${IMAGES} latents z ~ N(0, I), seed ${SAMPLE_SEED}, the same for both models and every point`,
          floor: { fd: floor.fd, images: floor.generatedCount, what: `the first ${floor.generatedCount} training images against the same validation images` },
          note: 'Fréchet distance of the shipped classifier features, not Inception FID',
        },
      },
      settings: { lpc: { ...settings, thetaGrad: 'last', lr: LR }, vae: { lr: LR } },
      rows,
      seconds: (performance.now() - started) / 1000,
    };
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(REPO, RESULTS)} (${result.seconds.toFixed(0)} s)\n`);
  } finally {
    for (const model of models) await model.trainer.dispose();
    await network.dispose();
  }
}

await main();

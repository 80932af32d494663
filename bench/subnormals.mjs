/**
 * What flushing subnormal floats saves in training: the same runs under setDenormals('flush') (the default)
 * and setDenormals('keep') (IEEE subnormals), side by side. Subnormals appear as training goes on (optimiser
 * moments of weights whose gradient is zero, sigmoids of saturated logits, importance weights far below the
 * largest), so each case trains from a fresh start on binarised MNIST and the time per update is compared
 * over the run's last fifth, where `speedupFromFlush` = keep / flush (median over the chunks of that part,
 * with its range). The losses at the end show both runs do the same work.
 *
 * The two trainers of a case alternate in chunks of updates; the policy is set before each chunk (the
 * sessions of each trainer were created under its own policy). Networks: the IWAE paper's MLP (784-200-200-50,
 * tanh) at batch 20 with Adam (eps 1e-4), as in the literature anchor, and the reference MLP 784-512-512-32
 * (ReLU) VAE at batch 64. One thread.
 *
 * Run: npm run build:ts && node bench/subnormals.mjs [--quick]   (writes bench/results/subnormals.json)
 */
import { LpcTrainer, loadMnist, setDenormals, setThreads, VaeTrainer } from '../dist/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const QUICK = process.argv.includes('--quick');
const CHUNK = 50;
const PAPER = { kind: 'mlp', options: { latentDim: 50, imageShape: [1, 28, 28], hidden: [200, 200], activation: 'tanh' } };
const REFERENCE = { kind: 'mlp', options: { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] } };
const PAPER_ADAM = { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-4 };

const CASES = [
  {
    name: 'vae-paper',
    label: 'VAE (ELBO), MLP 200-200 tanh, batch 20',
    batch: 20,
    updates: QUICK ? 1000 : 4000,
    loss: 'negElbo',
    create: () => VaeTrainer.create({ decoder: PAPER, encoder: PAPER, optimizer: PAPER_ADAM, binarize: true, seed: 1, threads: 1 }),
  },
  {
    name: 'iwae50-paper',
    label: 'IWAE, k = 50, MLP 200-200 tanh, batch 20',
    batch: 20,
    updates: QUICK ? 200 : 600,
    loss: 'negIwae',
    create: () => VaeTrainer.create({ decoder: PAPER, encoder: PAPER, optimizer: PAPER_ADAM, iwae: 50, binarize: true, seed: 1, threads: 1 }),
  },
  {
    name: 'lpc-paper',
    label: 'LPC, T = 20, adam eta 0.3, reverse KL, MLP 200-200 tanh, batch 20',
    batch: 20,
    updates: QUICK ? 300 : 1500,
    loss: 'energy',
    create: () =>
      LpcTrainer.create({
        decoder: PAPER,
        encoder: PAPER,
        optimizer: PAPER_ADAM,
        encoderObjective: 'reverse',
        thetaGrad: 'last',
        langevin: { steps: 20, stepSize: 0.3, preconditioner: 'adam' },
        binarize: true,
        seed: 1,
        threads: 1,
      }),
  },
  {
    name: 'vae-reference',
    label: 'VAE (ELBO), MLP 512-512 ReLU, batch 64',
    batch: 64,
    updates: QUICK ? 500 : 2000,
    loss: 'negElbo',
    create: () => VaeTrainer.create({ decoder: REFERENCE, encoder: REFERENCE, binarize: true, seed: 1, threads: 1 }),
  },
];

/** Takes `count` more updates from `run` under `policy`; returns the milliseconds of each and the last `lossName`. */
async function chunk(run, policy, count, lossName) {
  setDenormals(policy);
  const ms = [];
  let loss = NaN;
  while (ms.length < count) {
    const { value, done } = await run.next();
    if (done) throw new Error('the run ended early');
    if (value.type !== 'update') continue;
    ms.push(value.seconds * 1000);
    loss = value.losses[lossName];
  }
  return { ms, loss };
}

async function runCase(c, train) {
  const sides = {};
  for (const policy of ['flush', 'keep']) {
    setDenormals(policy);
    const trainer = await c.create();
    sides[policy] = { trainer, run: trainer.run({ data: train, batchSize: c.batch, updates: c.updates }), chunks: [], losses: [] };
  }
  const chunks = Math.ceil(c.updates / CHUNK);
  for (let k = 0; k < chunks; k++) {
    const count = Math.min(CHUNK, c.updates - k * CHUNK);
    // Alternate which side goes first, so that neither always follows the other.
    const order = k % 2 === 0 ? ['flush', 'keep'] : ['keep', 'flush'];
    for (const policy of order) {
      const { ms, loss } = await chunk(sides[policy].run, policy, count, c.loss);
      sides[policy].chunks.push(ms);
      sides[policy].losses.push(loss);
    }
  }
  setDenormals('flush');
  const firstPart = Math.max(1, Math.floor(chunks / 5));
  const side = (s) => ({
    earlyMs: spread(s.chunks.slice(0, firstPart).flat()),
    lateMs: spread(s.chunks.slice(-firstPart).flat()),
    finalLoss: s.losses.at(-1),
  });
  const lateRatios = sides.keep.chunks.slice(-firstPart).map((keepMs, i) => spread(keepMs).median / spread(sides.flush.chunks.at(-firstPart + i)).median);
  for (const s of Object.values(sides)) {
    await s.run.return();
    await s.trainer.dispose();
  }
  return { name: c.name, label: c.label, batch: c.batch, updates: c.updates, flush: side(sides.flush), keep: side(sides.keep), speedupFromFlush: spread(lateRatios) };
}

async function main() {
  setThreads(1);
  const started = performance.now();
  const train = loadMnist().train;
  const results = [];
  for (const c of CASES) {
    const r = await runCase(c, train);
    results.push(r);
    console.log(
      `${r.label}: last fifth ${r.flush.lateMs.median.toFixed(2)} ms flushing, ${r.keep.lateMs.median.toFixed(2)} ms keeping (first fifth ${r.flush.earlyMs.median.toFixed(2)} / ${r.keep.earlyMs.median.toFixed(2)}); speedupFromFlush ${r.speedupFromFlush.median.toFixed(2)}; final loss ${r.flush.finalLoss.toFixed(2)} / ${r.keep.finalLoss.toFixed(2)}`,
    );
  }
  const json = { suite: 'subnormals', quick: QUICK, chunk: CHUNK, threads: 1, machine: machineInfo(), results, seconds: (performance.now() - started) / 1000 };
  console.log(`wrote ${writeResults('subnormals', QUICK, json)}`);
}

await main();

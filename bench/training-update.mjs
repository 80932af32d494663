/**
 * Seconds per training update of the trainers (lib/training) on the issue's reference setup: MLP
 * 784-512-512-32 decoder and encoder (ReLU), batch 64, Bernoulli likelihood on dynamically binarised MNIST,
 * Adam 1e-3, one intra-op thread. Cases: the VAE (ELBO), LPC from the prior with T = 5 and T = 20 (theta-gradient
 * over all states or the last one), and amortised LPC with the Jeffreys objective at T = 20. For LPC T = 20
 * 'mean' the floor is the bare EnergyModel work of one update (T + 1 evaluate calls and one weighted
 * theta-gradient call over the T kept states), so the ratio to it is the trainer's own overhead (sampler steps,
 * batching, binarisation, optimiser). Cases are interleaved in rounds; medians [min, max] of update times over
 * all rounds and per-round ratios to the VAE.
 *
 * Run: npm run build:ts && node bench/training-update.mjs [rounds]   (writes bench/out/training-update.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { EnergyModel, LpcTrainer, loadMnist, mlpDecoder, VaeTrainer, createImageSet } from '../dist/index.js';
import { median, spread } from './stats.mjs';

const ROUNDS = Number(process.argv[2] ?? 5);
const UPDATES = 6; // timed updates per case per round (after one warm-up update)
const B = 64;
const NET = { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] };

const { train } = loadMnist();
const data = createImageSet({ ...train, name: 'mnist[0:2048]', count: 2048, images: train.images.subarray(0, 2048 * 784), labels: train.labels.subarray(0, 2048) });

const spec = { kind: 'mlp', options: NET };
const CASES = [
  ['VAE (ELBO)', () => VaeTrainer.create({ decoder: spec, encoder: spec, binarize: true, seed: 1, threads: 1 })],
  ['LPC prior, T = 5, mean', () => LpcTrainer.create({ decoder: spec, langevin: { steps: 5, stepSize: 0.1 }, binarize: true, seed: 1, threads: 1 })],
  ['LPC prior, T = 20, last', () => LpcTrainer.create({ decoder: spec, langevin: { steps: 20, stepSize: 0.1 }, thetaGrad: 'last', binarize: true, seed: 1, threads: 1 })],
  ['LPC prior, T = 20, mean', () => LpcTrainer.create({ decoder: spec, langevin: { steps: 20, stepSize: 0.1 }, binarize: true, seed: 1, threads: 1 })],
  ['LPC Jeffreys, T = 20, mean', () => LpcTrainer.create({ decoder: spec, encoder: spec, langevin: { steps: 20, stepSize: 0.1 }, binarize: true, seed: 1, threads: 1 })],
];

/** The bare model work of one LPC T = 20 'mean' update: 21 evaluate calls on B chains, one weighted theta call on 20 B states. */
async function floorCase() {
  const energy = await EnergyModel.create(mlpDecoder({ ...NET, seed: 1 }), { likelihood: { kind: 'bernoulli' }, trainable: true, threads: 1 });
  const x = Float32Array.from({ length: B * 784 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const z = Float32Array.from({ length: B * 32 }, (_, i) => Math.sin(i));
  const kept = Float32Array.from({ length: 20 * B * 32 }, (_, i) => Math.cos(i));
  const weights = new Float32Array(20 * B).fill(1 / (20 * B));
  return {
    async update() {
      const t0 = performance.now();
      for (let t = 0; t <= 20; t++) await energy.evaluate(x, B, z);
      await energy.weightedThetaGradients(x, B, kept, weights);
      return (performance.now() - t0) / 1000;
    },
    dispose: () => energy.dispose(),
  };
}

const fmt = (s) => (s * 1000).toFixed(1);

async function main() {
  const times = new Map([...CASES.map(([label]) => [label, []]), ['floor: bare EnergyModel calls of LPC T = 20 mean', []]]);
  const ratios = new Map(CASES.map(([label]) => [label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const roundMedian = new Map();
    for (const [label, create] of CASES) {
      const trainer = await create();
      const seconds = [];
      for await (const e of trainer.run({ data, batchSize: B, updates: UPDATES + 1 })) if (e.type === 'update' && e.update > 1) seconds.push(e.seconds);
      await trainer.dispose();
      times.get(label).push(...seconds);
      roundMedian.set(label, median(seconds));
    }
    const floor = await floorCase();
    await floor.update();
    const floorSeconds = [];
    for (let i = 0; i < UPDATES; i++) floorSeconds.push(await floor.update());
    await floor.dispose();
    times.get('floor: bare EnergyModel calls of LPC T = 20 mean').push(...floorSeconds);
    roundMedian.set('floor', median(floorSeconds));
    for (const [label] of CASES) ratios.get(label).push(roundMedian.get(label) / roundMedian.get(CASES[0][0]));
    ratios.set('LPC T = 20 mean / floor', [...(ratios.get('LPC T = 20 mean / floor') ?? []), roundMedian.get('LPC prior, T = 20, mean') / roundMedian.get('floor')]);
  }
  const rows = [];
  for (const [label, v] of times) {
    const r = ratios.get(label);
    rows.push({
      label,
      medianMs: median(v) * 1000,
      minMs: Math.min(...v) * 1000,
      maxMs: Math.max(...v) * 1000,
      ratioToVae: r ? spread(r) : null,
    });
    console.log(
      `| ${label} | ${fmt(median(v))} [${fmt(Math.min(...v))}, ${fmt(Math.max(...v))}] | ${r ? `${median(r).toFixed(2)} [${Math.min(...r).toFixed(2)}, ${Math.max(...r).toFixed(2)}]` : ''} |`,
    );
  }
  const overhead = ratios.get('LPC T = 20 mean / floor');
  console.log(`LPC T = 20 mean / floor: ${median(overhead).toFixed(2)} [${Math.min(...overhead).toFixed(2)}, ${Math.max(...overhead).toFixed(2)}]`);
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./out/training-update.json', import.meta.url), JSON.stringify({ rounds: ROUNDS, updates: UPDATES, batch: B, rows, overhead }, null, 2));
}

await main();

/**
 * Training updates at one thread and at the machine's cores (`threads` sets onnxruntime's sessions and the
 * native pool): the VAE (ELBO) and amortised LPC (Jeffreys, T = 20, rmsprop 0.3, last state) on the
 * reference MLP 784-512-512-32, batch 64. Each thread count runs in its own child process (the native
 * pool is process-wide), alternating in rounds; `speedupOverOneThread` = time at one thread / time at N,
 * per round (median and range), so below 1 means more threads were slower.
 *
 * Run: npm run build:ts && node bench/training-threads.mjs [--quick] [--rounds N]   (writes bench/results/threads.json)
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const QUICK = process.argv.includes('--quick');
const ROUNDS = process.argv.includes('--rounds') ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) : QUICK ? 2 : 5;
const UPDATES = QUICK ? 10 : 25;
const WARMUP = 5;
const NET = { kind: 'mlp', options: { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] } };

/** In a child: times both updates at `threads` and prints { vae, lpc } medians in ms. */
async function child(threads) {
  const { LpcTrainer, VaeTrainer, Rng } = await import('../dist/index.js');
  const rng = new Rng({ seed: 3n });
  const x = Float32Array.from(rng.uniform(64 * 784), (u) => (u < 0.3 ? 1 : 0));
  const trainers = {
    vae: await VaeTrainer.create({ decoder: NET, encoder: NET, seed: 1, threads }),
    lpc: await LpcTrainer.create({ decoder: NET, encoder: NET, encoderObjective: 'jeffreys', thetaGrad: 'last', langevin: { steps: 20, stepSize: 0.3, preconditioner: 'rmsprop' }, seed: 1, threads }),
  };
  const out = {};
  for (const [name, trainer] of Object.entries(trainers)) {
    const times = [];
    for (let i = 0; i < WARMUP + UPDATES; i++) {
      const e = await trainer.step(x);
      if (i >= WARMUP) times.push(e.seconds * 1000);
    }
    out[name] = spread(times).median;
    await trainer.dispose();
  }
  rng.dispose();
  console.log(JSON.stringify(out));
}

function main() {
  const counts = [...new Set([1, os.availableParallelism()])];
  const runs = new Map(counts.map((t) => [t, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of counts) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(t), ...(QUICK ? ['--quick'] : [])], { encoding: 'utf8' });
      runs.get(t).push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
  const results = [];
  for (const update of ['vae', 'lpc']) {
    for (const t of counts) {
      const ms = runs.get(t).map((r) => r[update]);
      const ratios = runs.get(t).map((r, i) => runs.get(1)[i][update] / r[update]);
      results.push({ update, threads: t, ms: spread(ms), speedupOverOneThread: spread(ratios) });
      console.log(`${update} threads ${t}: ${spread(ms).median.toFixed(2)} ms, speedupOverOneThread ${spread(ratios).median.toFixed(2)}`);
    }
  }
  const json = { suite: 'threads', quick: QUICK, rounds: ROUNDS, updatesPerRound: UPDATES, machine: machineInfo(), results };
  console.log(`wrote ${writeResults('threads', QUICK, json)}`);
}

if (process.argv.includes('--child')) await child(Number(process.argv[process.argv.indexOf('--child') + 1]));
else main();

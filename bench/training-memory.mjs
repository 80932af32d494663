/**
 * Peak resident memory of LPC training against the batch size B and the chains per datapoint K: amortised LPC
 * (Jeffreys, T = 20, rmsprop 0.3, decoder gradient averaged over all kept states, the setting that stacks
 * T * B * K states) on the reference MLP 784-512-512-32, one thread. Each (B, K) runs a few updates in a child
 * process of its own and reports its peak RSS (getrusage's maxrss) beside a child that only loads the
 * library, so the difference is what training adds.
 *
 * Run: npm run build:ts && node bench/training-memory.mjs [--quick]   (writes bench/results/memory.json)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';

const QUICK = process.argv.includes('--quick');
const CONFIGS = QUICK
  ? [
      [32, 1],
      [128, 1],
      [32, 4],
    ]
  : [
      [32, 1],
      [64, 1],
      [128, 1],
      [256, 1],
      [64, 2],
      [64, 4],
      [64, 8],
    ];
const UPDATES = 3;

/** In a child: trains UPDATES updates at batch B and K chains (or nothing for B = 0); prints the peak RSS in MB. */
async function child(batch, chains) {
  const { LpcTrainer, Rng } = await import('../dist/index.js');
  if (batch > 0) {
    const net = { kind: 'mlp', options: { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] } };
    const trainer = await LpcTrainer.create({ decoder: net, encoder: net, langevin: { steps: 20, stepSize: 0.3, preconditioner: 'rmsprop', chains }, seed: 1, threads: 1 });
    const rng = new Rng({ seed: 2n });
    const x = Float32Array.from(rng.uniform(batch * 784), (u) => (u < 0.3 ? 1 : 0));
    for (let i = 0; i < UPDATES; i++) await trainer.step(x);
    await trainer.dispose();
    rng.dispose();
  }
  console.log(JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function main() {
  const run = (b, k) =>
    JSON.parse(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(b), String(k)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop(),
    ).peakRssMb;
  const baseline = run(0, 0);
  const results = CONFIGS.map(([batch, chains]) => {
    const peak = run(batch, chains);
    console.log(`B = ${batch}, K = ${chains}: peak RSS ${peak.toFixed(0)} MB (${(peak - baseline).toFixed(0)} MB over the library alone)`);
    return { batch, chains, keptStates: 20 * batch * chains, peakRssMb: peak, overBaselineMb: peak - baseline };
  });
  const json = { suite: 'memory', quick: QUICK, updates: UPDATES, threads: 1, machine: machineInfo(), baselineRssMb: baseline, results };
  console.log(`wrote ${writeResults('memory', QUICK, json)}`);
}

if (process.argv.includes('--child')) {
  const at = process.argv.indexOf('--child');
  await child(Number(process.argv[at + 1]), Number(process.argv[at + 2]));
} else main();

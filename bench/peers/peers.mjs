/**
 * This package's training updates beside PyTorch's (bench/peers/pytorch_peer.py) on the same networks,
 * objectives and data, one thread each, interleaved in rounds: in each round every case runs here (in this
 * process, trainers kept warm across rounds) and then in a fresh PyTorch process (with its own warm-up).
 * Reports per case the per-update median of each side, `speedupVsPytorch` = PyTorch / ours per round
 * (median and range over rounds) and both sides' mean training loss, to show the work is the same.
 *
 * Run: npm run build:ts && node bench/peers/peers.mjs [--rounds N] [--quick]   (needs Debian's python3-torch
 * and libopenblas0-pthread: bench/peers/install.sh). Writes bench/results/peers.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { LpcTrainer, VaeTrainer, loadFashionMnist } from '../../dist/index.js';
import { machineInfo } from '../machine.mjs';
import { spread } from '../stats.mjs';

const quick = process.argv.includes('--quick');
const roundsAt = process.argv.indexOf('--rounds');
const ROUNDS = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : quick ? 3 : 5;
const UPDATES = quick ? 15 : 40; // timed updates per side per case per round
const WARMUP = 10;
const PYTHON = '/usr/bin/python3';
const PEER = new URL('./pytorch_peer.py', import.meta.url).pathname;

const net = (hidden) => ({ kind: 'mlp', options: { latentDim: 32, imageShape: [1, 28, 28], hidden } });
const lpc = (steps) => ({
  create: () =>
    LpcTrainer.create({
      decoder: net([512, 512]),
      encoder: net([512, 512]),
      encoderObjective: 'jeffreys',
      thetaGrad: 'last',
      langevin: { steps, stepSize: 0.3, preconditioner: 'rmsprop' },
      binarize: true,
      seed: 1,
      threads: 1,
    }),
  peer: ['--case', 'lpc', '--steps', String(steps)],
  loss: 'energy',
});
const CASES = [
  {
    name: 'vae-mlp512x2-b64',
    label: 'VAE (ELBO), MLP 512-512, batch 64',
    create: () => VaeTrainer.create({ decoder: net([512, 512]), encoder: net([512, 512]), binarize: true, seed: 1, threads: 1 }),
    peer: ['--case', 'vae'],
    loss: 'negElbo',
  },
  { name: 'lpc-jeffreys-t20-b64', label: 'LPC, Jeffreys, T = 20, rmsprop 0.3, last state, batch 64', ...lpc(20) },
  { name: 'lpc-jeffreys-t5-b64', label: 'LPC, Jeffreys, T = 5, rmsprop 0.3, last state, batch 64', ...lpc(5) },
];

async function oursRound(trainer, data, c, first) {
  const times = [];
  const losses = [];
  let seen = 0;
  for await (const e of trainer.run({ data, batchSize: 64, updates: trainer.updates + (first ? WARMUP : 0) + UPDATES })) {
    if (e.type !== 'update' || (first && seen++ < WARMUP)) continue;
    times.push(e.seconds * 1000);
    losses.push(e.losses[c.loss]);
  }
  return { ms: spread(times).median, loss: losses.reduce((s, v) => s + v, 0) / losses.length };
}

function peerRound(c) {
  const out = execFileSync(PYTHON, [PEER, ...c.peer, '--updates', String(UPDATES), '--warmup', String(WARMUP), '--threads', '1'], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  return { ms: r.msMedian, loss: r.loss, version: r.version };
}

async function main() {
  const data = loadFashionMnist().train;
  const trainers = await Promise.all(CASES.map((c) => c.create()));
  const per = CASES.map(() => ({ ours: [], pytorch: [], ratio: [], oursLoss: [], pytorchLoss: [] }));
  let version = '';
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of CASES.entries()) {
      const ours = await oursRound(trainers[i], data, c, round === 0);
      const peer = peerRound(c);
      version = peer.version;
      per[i].ours.push(ours.ms);
      per[i].pytorch.push(peer.ms);
      per[i].ratio.push(peer.ms / ours.ms);
      per[i].oursLoss.push(ours.loss);
      per[i].pytorchLoss.push(peer.loss);
      console.log(`round ${round + 1} ${c.name}: ours ${ours.ms.toFixed(2)} ms, PyTorch ${peer.ms.toFixed(2)} ms, ratio ${(peer.ms / ours.ms).toFixed(2)}`);
    }
  }
  for (const t of trainers) await t.dispose();
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const results = CASES.map((c, i) => ({
    case: c.name,
    label: c.label,
    oursMs: spread(per[i].ours),
    pytorchMs: spread(per[i].pytorch),
    speedupVsPytorch: spread(per[i].ratio),
    oursLoss: mean(per[i].oursLoss),
    pytorchLoss: mean(per[i].pytorchLoss),
    lossName: c.loss,
  }));
  const json = { suite: 'peers', quick, rounds: ROUNDS, updatesPerRound: UPDATES, threads: 1, machine: machineInfo(), pytorch: version, results };
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`../results/peers${quick ? '-quick' : ''}.json`, import.meta.url), `${JSON.stringify(json, null, 2)}\n`);
  for (const r of results) console.log(`${r.label}: speedupVsPytorch ${r.speedupVsPytorch.median.toFixed(2)} [${r.speedupVsPytorch.min.toFixed(2)}, ${r.speedupVsPytorch.max.toFixed(2)}]`);
}

await main();

/**
 * This package's training updates beside PyTorch's (bench/peers/pytorch_peer.py) on the same networks,
 * objectives and data, one thread each, interleaved in rounds: in each round every case runs here (in this
 * process, trainers kept warm across rounds) and then in a fresh PyTorch process (with its own warm-up).
 * Reports per case the per-update median of each side, `speedupVsPytorch` = PyTorch / ours per round
 * (median and range over rounds) and both sides' mean training loss over the same updates (this package's
 * first round against each peer round), to show the work is the same.
 *
 * TensorFlow.js (bench/peers/tfjs_peer.mjs, tuned and tf.layers) joins the case it has, when installed.
 *
 * Run: npm run build:ts && node bench/peers/peers.mjs [--rounds N] [--quick]   (needs Debian's python3-torch
 * and libopenblas0-pthread, and TensorFlow.js in bench/peers/node_modules: bench/peers/install.sh).
 * Writes bench/results/peers.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LpcTrainer, VaeTrainer, loadFashionMnist } from '../../dist/index.js';
import { machineInfo } from '../machine.mjs';
import { writeResults } from '../output.mjs';
import { spread } from '../stats.mjs';

const quick = process.argv.includes('--quick');
const roundsAt = process.argv.indexOf('--rounds');
const ROUNDS = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : quick ? 2 : 3;
const DEFAULT_UPDATES = quick ? 6 : 30; // timed updates per side per case per round
const DEFAULT_WARMUP = quick ? 3 : 10;
const PYTHON = '/usr/bin/python3';
const here = (file) => new URL(file, import.meta.url).pathname;
const HAS_TFJS = existsSync(here('./node_modules/@tensorflow/tfjs-backend-wasm'));

/** Peers by ratio name: how to run one round of a case's peer command line. */
const PEERS = {
  speedupVsPytorch: (args) => [PYTHON, [here('./pytorch_peer.py'), ...args, '--threads', '1']],
  speedupVsTfjsTuned: (args) => [process.execPath, [here('./tfjs_peer.mjs'), '--variant', 'tuned', ...args]],
  speedupVsTfjsLayers: (args) => [process.execPath, [here('./tfjs_peer.mjs'), '--variant', 'layers', ...args]],
};

const image = [1, 28, 28];
const mlp = (hidden) => ({ kind: 'mlp', options: { latentDim: 32, imageShape: image, hidden } });
const conv = { kind: 'conv', options: { latentDim: 32, imageShape: image } };
const vae = (net, binarize) => () => VaeTrainer.create({ decoder: net, encoder: net, binarize, seed: 1, threads: 1 });
const lpc = (net, steps) => () =>
  LpcTrainer.create({
    decoder: net,
    encoder: net,
    encoderObjective: 'jeffreys',
    thetaGrad: 'last',
    langevin: { steps, stepSize: 0.3, preconditioner: 'rmsprop' },
    binarize: true,
    seed: 1,
    threads: 1,
  });
const lpcArgs = (steps) => ['--case', 'lpc', '--steps', String(steps)];

const CASES = [
  { name: 'vae-mlp', label: 'VAE (ELBO), MLP 512-512, batch 64, binarised', create: vae(mlp([512, 512]), true), batch: 64, loss: 'negElbo', peers: { speedupVsPytorch: ['--case', 'vae'] } },
  // Later in a run: both sides train 2,000 updates first, when subnormal floats have appeared (bench/RESULTS.md,
  // "Subnormal floats"); PyTorch keeps them, this package flushes them.
  {
    name: 'vae-mlp-late',
    label: 'VAE (ELBO), MLP 512-512, batch 64, binarised, after 2,000 updates',
    create: vae(mlp([512, 512]), true),
    batch: 64,
    loss: 'negElbo',
    peers: { speedupVsPytorch: ['--case', 'vae'] },
    warmup: 2000,
  },
  { name: 'lpc-t20-mlp', label: 'LPC, Jeffreys, T = 20, MLP 512-512, batch 64', create: lpc(mlp([512, 512]), 20), batch: 64, loss: 'energy', peers: { speedupVsPytorch: lpcArgs(20) } },
  { name: 'lpc-t5-mlp', label: 'LPC, Jeffreys, T = 5, MLP 512-512, batch 64', create: lpc(mlp([512, 512]), 5), batch: 64, loss: 'energy', peers: { speedupVsPytorch: lpcArgs(5) } },
  {
    name: 'vae-mlp512-b128-grey',
    label: 'VAE (ELBO), MLP 512, batch 128, grey values',
    create: vae(mlp([512]), false),
    batch: 128,
    loss: 'negElbo',
    peers: {
      speedupVsPytorch: ['--case', 'vae', '--hidden', '512', '--batch', '128', '--grey'],
      speedupVsTfjsTuned: ['--hidden', '512', '--batch', '128'],
      speedupVsTfjsLayers: ['--hidden', '512', '--batch', '128'],
    },
  },
  { name: 'vae-conv', label: 'VAE (ELBO), conv builder, batch 64, binarised', create: vae(conv, true), batch: 64, loss: 'negElbo', peers: { speedupVsPytorch: ['--case', 'vae', '--arch', 'conv'] } },
  // Seconds per update on both sides: fewer updates per round.
  {
    name: 'lpc-t20-conv',
    label: 'LPC, Jeffreys, T = 20, conv builder, batch 64',
    create: lpc(conv, 20),
    batch: 64,
    loss: 'energy',
    peers: { speedupVsPytorch: [...lpcArgs(20), '--arch', 'conv'] },
    updates: 6,
    warmup: 2,
  },
];

async function oursRound(trainer, data, c, first) {
  const [UPDATES, WARMUP] = [c.updates ?? DEFAULT_UPDATES, c.warmup ?? DEFAULT_WARMUP];
  const times = [];
  const losses = [];
  let seen = 0;
  for await (const e of trainer.run({ data, batchSize: c.batch, updates: trainer.updates + (first ? WARMUP : 0) + UPDATES })) {
    if (e.type !== 'update' || (first && seen++ < WARMUP)) continue;
    times.push(e.seconds * 1000);
    losses.push(e.losses[c.loss]);
  }
  return { ms: spread(times).median, loss: losses.reduce((s, v) => s + v, 0) / losses.length };
}

function peerRound(c, ratioName, args) {
  const [UPDATES, WARMUP] = [c.updates ?? DEFAULT_UPDATES, c.warmup ?? DEFAULT_WARMUP];
  const [command, argv] = PEERS[ratioName](args);
  // The TF.js layers variant is ~20x slower: fewer updates keep a round short.
  const updates = ratioName === 'speedupVsTfjsLayers' ? Math.max(3, Math.round(UPDATES / 5)) : UPDATES;
  const out = execFileSync(command, [...argv, '--updates', String(updates), '--warmup', String(WARMUP)], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  return { ms: r.msMedian, loss: r.loss, version: `${r.peer} ${r.version}` };
}

async function main() {
  const data = loadFashionMnist().train;
  // Quick: the three reference cases only (each PyTorch round pays its own start and warm-up).
  const cases = CASES.filter((c) => !quick || ['vae-mlp', 'lpc-t20-mlp', 'vae-mlp512-b128-grey'].includes(c.name));
  const trainers = [];
  for (const c of cases) trainers.push(await c.create());
  const per = cases.map((c) => ({ ours: [], oursLoss: [], peers: Object.fromEntries(Object.keys(c.peers).map((r) => [r, { ms: [], ratio: [], loss: [], version: '' }])) }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of cases.entries()) {
      const ours = await oursRound(trainers[i], data, c, round === 0);
      per[i].ours.push(ours.ms);
      per[i].oursLoss.push(ours.loss);
      const line = [`round ${round + 1} ${c.name}: ours ${ours.ms.toFixed(2)} ms`];
      for (const [ratioName, args] of Object.entries(c.peers)) {
        if (ratioName !== 'speedupVsPytorch' && !HAS_TFJS) continue;
        const peer = peerRound(c, ratioName, args);
        const p = per[i].peers[ratioName];
        p.ms.push(peer.ms);
        p.ratio.push(peer.ms / ours.ms);
        p.loss.push(peer.loss);
        p.version = peer.version;
        line.push(`${peer.version} ${peer.ms.toFixed(2)} ms (${ratioName} ${(peer.ms / ours.ms).toFixed(2)})`);
      }
      console.log(line.join(', '));
    }
  }
  for (const t of trainers) await t.dispose();
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const results = cases.map((c, i) => ({
    case: c.name,
    label: c.label,
    lossName: c.loss,
    oursMs: spread(per[i].ours),
    // Round one covers the same updates (after the warm-up) as every peer round, which starts afresh; later
    // rounds here continue training, so their losses are lower.
    oursLoss: per[i].oursLoss[0],
    oursLossAllRounds: mean(per[i].oursLoss),
    peers: Object.entries(per[i].peers)
      .filter(([, p]) => p.ms.length > 0)
      .map(([ratioName, p]) => ({ ratioName, peer: p.version, ms: spread(p.ms), [ratioName]: spread(p.ratio), loss: mean(p.loss) })),
  }));
  const json = { suite: 'peers', quick, rounds: ROUNDS, updatesPerRound: DEFAULT_UPDATES, threads: 1, machine: machineInfo(), results };
  console.log(`wrote ${writeResults('peers', quick, json)}`);
  for (const r of results) for (const p of r.peers) console.log(`${r.label}: ${p.ratioName} ${p[p.ratioName].median.toFixed(2)} [${p[p.ratioName].min.toFixed(2)}, ${p[p.ratioName].max.toFixed(2)}]`);
}

await main();

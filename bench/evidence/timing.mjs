/**
 * Seconds per training update of each configuration structure (costKey), measured side by side: all trainers
 * are created first, then in each round every one runs UPDATES updates in turn, so load from other processes
 * falls on all alike. The per-second axes of the evidence tables are updates times these medians; the runs'
 * own wall-clock (taken two jobs at a time on a shared machine) is recorded beside them.
 * The driver runs this alone (no other job of the benchmark running).
 *
 * Run: node bench/evidence/timing.mjs '<JSON array of specs, the first the VAE>'   (writes timing.json)
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LpcTrainer, setThreads, VaeTrainer } from '../../dist/index.js';
import { BATCH, costKey, OUT_DIR, passesPerUpdate, TINY, trainerOptions } from './config.mjs';
import { evidenceData } from './data.mjs';
import { median, spread } from '../stats.mjs';
import { interleavedSecondsPerUpdate } from './run-files.mjs';

const ROUNDS = TINY ? 2 : 7;
const UPDATES = TINY ? 2 : 10;
const specs = JSON.parse(process.argv[2]);
setThreads(1);
const { train } = evidenceData();
const loadStart = os.loadavg();

const trainers = [];
for (const spec of specs) trainers.push(spec.algo === 'vae' ? await VaeTrainer.create(trainerOptions(spec)) : await LpcTrainer.create(trainerOptions(spec)));
// Warm-up: the first updates allocate and let onnxruntime settle.
const perRound = await interleavedSecondsPerUpdate(trainers, train, {
  rounds: ROUNDS,
  updates: UPDATES,
  warmup: 2,
  batchSize: BATCH,
  onRound: (round) => console.log(`timing round ${round + 1}/${ROUNDS}, load ${os.loadavg()[0].toFixed(2)}`),
});
const cases = specs.map((spec, i) => ({ spec, trainer: trainers[i], perRound: perRound[i] }));
const vae = cases[0].perRound;
const rows = cases.map((c) => {
  const ratios = c.perRound.map((s, r) => s / vae[r]);
  return {
    key: costKey(c.spec),
    passesPerUpdate: passesPerUpdate(c.spec),
    secondsPerUpdate: median(c.perRound),
    min: Math.min(...c.perRound),
    max: Math.max(...c.perRound),
    ratioToVae: spread(ratios),
  };
});
for (const c of cases) await c.trainer.dispose();
writeFileSync(path.join(OUT_DIR, 'timing.json'), JSON.stringify({ rounds: ROUNDS, updatesPerRound: UPDATES, loadStart, loadEnd: os.loadavg(), time: new Date().toISOString(), rows }, null, 2));
for (const r of rows)
  console.log(`${r.key}: ${(r.secondsPerUpdate * 1000).toFixed(1)} ms/update [${(r.min * 1000).toFixed(1)}, ${(r.max * 1000).toFixed(1)}], ratio to VAE ${r.ratioToVae.median.toFixed(2)}`);

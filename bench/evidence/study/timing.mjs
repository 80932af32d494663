/**
 * Seconds per training update of the final VAE and the final LPC of one dataset, side by side: both trainers are
 * created first, then in each round each runs UPDATES updates in turn, so load from other processes falls on
 * both alike. The equal-seconds comparison point comes from the median ratio.
 *
 * Run: node bench/evidence/study/timing.mjs '<[vaeSpec, lpcSpec]>' OUT.json
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { LpcTrainer, setThreads, VaeTrainer } from '../../../dist/index.js';
import { median, spread } from '../../stats.mjs';
import { BATCH, TINY, trainerOptions } from './config.mjs';
import { studyData } from './data.mjs';
import { interleavedSecondsPerUpdate } from '../run-files.mjs';

const ROUNDS = TINY ? 2 : 7;
const UPDATES = TINY ? 2 : 20;
const specs = JSON.parse(process.argv[2]);
const out = process.argv[3];
setThreads(1);
const { train } = studyData(specs[0].dataset);
const loadStart = os.loadavg();
const trainers = [];
for (const spec of specs) trainers.push(spec.algo === 'vae' ? await VaeTrainer.create(trainerOptions(spec)) : await LpcTrainer.create(trainerOptions(spec)));
const perRound = await interleavedSecondsPerUpdate(trainers, train, { rounds: ROUNDS, updates: UPDATES, warmup: 3, batchSize: BATCH });
const cases = specs.map((spec, i) => ({ spec, trainer: trainers[i], perRound: perRound[i] }));
for (const c of cases) await c.trainer.dispose();
const [vae, lpc] = cases;
const ratio = spread(lpc.perRound.map((s, r) => s / vae.perRound[r]));
const result = {
  rounds: ROUNDS,
  updatesPerRound: UPDATES,
  vae: { spec: vae.spec, secondsPerUpdate: spread(vae.perRound) },
  lpc: { spec: lpc.spec, secondsPerUpdate: spread(lpc.perRound) },
  lpcOverVae: ratio,
  loadStart,
  loadEnd: os.loadavg(),
  time: new Date().toISOString(),
};
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`timing ${specs[0].dataset}: VAE ${(median(vae.perRound) * 1000).toFixed(1)} ms, LPC ${(median(lpc.perRound) * 1000).toFixed(1)} ms per update, LPC / VAE ${ratio.median.toFixed(2)}`);

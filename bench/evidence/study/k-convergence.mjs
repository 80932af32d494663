/**
 * K convergence of one final model: nested importance-sampled NLLs at each K of K_LADDER on the first K_IMAGES
 * test images under the declared proposal, per image, so that the LPC-VAE difference can be
 * followed as K grows.
 *
 * Run: node bench/evidence/study/k-convergence.mjs '<{dataset, id, model: {decoder, encoder}}>' OUT.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setThreads } from '../../../dist/index.js';
import { EVAL_SEED, K_IMAGES, K_LADDER } from './config.mjs';
import { firstImages, studyData } from './data.mjs';
import { perImageNll } from './evaluate.mjs';

const job = JSON.parse(process.argv[2]);
setThreads(1);
const images = firstImages(studyData(job.dataset).test, K_IMAGES);
const model = { decoder: readFileSync(job.model.decoder), encoder: job.model.encoder === null ? null : readFileSync(job.model.encoder) };
const r = await perImageNll(model, images, { kLadder: K_LADDER, seed: EVAL_SEED, declaredOnly: true });
const perImage = Object.fromEntries(Object.entries(r.perImage).map(([kind, byK]) => [kind, Object.fromEntries(Object.entries(byK).map(([K, v]) => [K, v.map((x) => Number(x.toFixed(4)))]))]));
writeFileSync(
  process.argv[3],
  `${JSON.stringify({ id: job.id, images: r.images, kLadder: r.kLadder, declared: r.declared, mean: r.mean, perImage, seconds: r.seconds, loadavg: r.loadavg }, null, 1)}\n`,
);
console.log(`k-convergence ${job.id}: ${K_LADDER.map((K) => `K=${K} ${r.mean[r.declared][K].toFixed(3)}`).join(', ')} (${r.seconds.toFixed(0)} s)`);

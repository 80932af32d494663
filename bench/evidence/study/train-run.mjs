/**
 * One run of the validated study: trains a spec (config.mjs) and evaluates it at the given update counts, on
 * the validation copy (selection) or on the test copy (final runs), writing JSON lines to runs/<id>.partial.jsonl,
 * renamed to runs/<id>.jsonl when the run ends (finished, diverged, degenerate or failed; only a failed one is run
 * again).
 * Final runs keep their networks as ONNX under models/<id>/ for the K-convergence and dispersion steps.
 *
 * Lines: {type: 'start', spec, ...}, {type: 'eval', updates, trainSeconds, mean, perImage?, ...} per point,
 * {type: 'done', status}. trainSeconds is training alone (evaluations excluded).
 *
 * Run: node bench/evidence/study/train-run.mjs '<{spec, split, at, keepModel}>'   (study.mjs does this)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LpcTrainer, setThreads, VaeTrainer } from '../../../dist/index.js';
import { BATCH, decoderPassesPerUpdate, EVAL_SEED, OUT_DIR, runId, SELECT_EVAL_LANGEVIN, TEST_IMAGES, TEST_K, trainerOptions, VALIDATION_IMAGES, VALIDATION_K } from './config.mjs';
import { firstImages, studyData } from './data.mjs';
import { perImageNll } from './evaluate.mjs';
import { openRunLog } from '../run-files.mjs';

const { spec, split, at, keepModel } = JSON.parse(process.argv[2]);
const id = runId(spec);
const log = openRunLog(OUT_DIR, id);
const write = log.write;

setThreads(1);
const data = studyData(spec.dataset);
const images = split === 'validation' ? firstImages(data.validation, VALIDATION_IMAGES) : firstImages(data.test, TEST_IMAGES);
const evalOptions = split === 'validation' ? { kLadder: [VALIDATION_K], langevin: SELECT_EVAL_LANGEVIN, seed: EVAL_SEED } : { kLadder: [TEST_K], seed: EVAL_SEED };
const total = Math.max(...at);
write({
  type: 'start',
  id,
  spec,
  split,
  at,
  images: images.count,
  passesPerUpdate: decoderPassesPerUpdate(spec),
  cpus: os.cpus().length,
  node: process.version,
  loadavg: os.loadavg(),
  time: new Date().toISOString(),
});

const trainer = spec.algo === 'vae' ? await VaeTrainer.create(trainerOptions(spec)) : await LpcTrainer.create(trainerOptions(spec));
let trainSeconds = 0;
let status = 'ok';
let message = null;
let lossSum = 0;
let lossCount = 0;
try {
  let mark = performance.now();
  for await (const e of trainer.run({ data: data.train, batchSize: BATCH, updates: total, dropLast: true })) {
    trainSeconds += (performance.now() - mark) / 1000;
    if (e.type === 'update') {
      if (!Number.isFinite(e.meanEnergy)) throw Object.assign(new Error(`non-finite mean energy at update ${e.update}`), { code: 'NONFINITE' });
      lossSum += e.meanEnergy;
      lossCount++;
      if (at.includes(e.update)) {
        const model = { decoder: trainer.exportDecoder(), encoder: trainer.exportEncoder() };
        const r = await perImageNll(model, images, evalOptions).catch((error) => {
          // A proposal the estimator refuses (an encoder sigma below e^-40) means a degenerate model, not a broken run.
          if (error?.code === 'LPC_INVALID_ARGUMENT' && /proposal\./.test(error.message)) throw Object.assign(new Error(error.message), { code: 'DEGENERATE' });
          throw error;
        });
        const K = r.kLadder[0];
        const mean = Object.fromEntries(Object.entries(r.mean).map(([kind, byK]) => [kind, byK[K]]));
        const perImage = split === 'test' ? Object.fromEntries(Object.entries(r.perImage).map(([kind, byK]) => [kind, byK[K].map((v) => Number(v.toFixed(4)))])) : undefined;
        write({
          type: 'eval',
          updates: e.update,
          trainSeconds,
          meanTrainEnergy: lossSum / lossCount,
          K,
          declared: r.declared,
          nll: mean[r.declared],
          mean,
          perImage,
          evalSeconds: r.seconds,
          loadavg: r.loadavg,
        });
        console.log(`${id}: ${e.update} updates, ${trainSeconds.toFixed(0)} s, ${split} NLL ${mean[r.declared].toFixed(2)}, eval ${r.seconds.toFixed(0)} s, load ${r.loadavg[0].toFixed(2)}`);
        lossSum = 0;
        lossCount = 0;
      }
    }
    mark = performance.now();
  }
  if (keepModel) {
    const dir = path.join(OUT_DIR, 'models', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'decoder.onnx'), trainer.exportDecoder());
    const encoder = trainer.exportEncoder();
    if (encoder !== null) writeFileSync(path.join(dir, 'encoder.onnx'), encoder);
  }
} catch (error) {
  status = error?.code === 'LPC_DIVERGED' || error?.code === 'NONFINITE' ? 'diverged' : error?.code === 'DEGENERATE' ? 'degenerate' : 'error';
  message = `${error?.code ?? ''} ${error?.message ?? error}`.trim();
  console.error(`${id}: ${status}: ${message}`);
} finally {
  await trainer.dispose();
}
write({ type: 'done', status, message, updates: trainer.updates, trainSeconds, loadavg: os.loadavg(), time: new Date().toISOString() });
log.finish();
if (status === 'error') process.exitCode = 1;

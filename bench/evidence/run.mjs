/**
 * One evidence run (one configuration, one seed): trains on Fashion-MNIST and evaluates the test NLL on the
 * fixed subset at the configuration's evaluation points, writing JSON lines to runs/<id>.partial.jsonl, renamed
 * to runs/<id>.jsonl when the run ends (finished, diverged or failed: a finished file is never run again).
 * The trained networks are saved as ONNX under models/<id>/ for the full-test-set evaluation.
 *
 * Lines: {type: 'start', spec, ...}, {type: 'eval', updates, trainSeconds, ...} per point, {type: 'done', status}.
 * trainSeconds is the wall-clock of training alone (evaluations excluded); the load average is recorded at
 * each line because the machine is shared.
 *
 * Run: node bench/evidence/run.mjs '<spec as JSON>'   (the driver, evidence.mjs, does this)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LpcTrainer, setThreads, VaeTrainer } from '../../dist/index.js';
import { BATCH, evalPoints, OUT_DIR, passesPerUpdate, runId, trainerOptions, TEST_SUBSET } from './config.mjs';
import { evidenceData } from './data.mjs';
import { testNll } from './evaluate.mjs';
import { openRunLog } from './run-files.mjs';

const spec = JSON.parse(process.argv[2]);
const id = runId(spec);
const log = openRunLog(OUT_DIR, id);
const write = log.write;

setThreads(1);
const { train, subset } = evidenceData();
const passes = passesPerUpdate(spec);
const points = evalPoints(spec);
const concurrency = Number(process.env.EVIDENCE_CONCURRENCY ?? 1);
write({
  type: 'start',
  id,
  spec,
  passesPerUpdate: passes,
  evalAt: points,
  testImages: TEST_SUBSET,
  concurrency,
  cpus: os.cpus().length,
  node: process.version,
  loadavg: os.loadavg(),
  time: new Date().toISOString(),
});

const trainer = spec.algo === 'vae' ? await VaeTrainer.create(trainerOptions(spec)) : await LpcTrainer.create(trainerOptions(spec));
let trainSeconds = 0;
let updateSeconds = 0;
let restarts = 0;
let dropped = 0;
let lossSums = {};
let lossCount = 0;
let status = 'ok';
let message = null;
try {
  let mark = performance.now();
  for await (const e of trainer.run({ data: train, batchSize: BATCH, epochs: spec.epochs, dropLast: true })) {
    trainSeconds += (performance.now() - mark) / 1000;
    if (e.type === 'update') {
      updateSeconds += e.seconds;
      restarts += e.restarts;
      dropped += e.droppedChains;
      for (const [k, v] of Object.entries(e.losses)) lossSums[k] = (lossSums[k] ?? 0) + v;
      lossCount++;
      if (!Number.isFinite(e.meanEnergy)) throw Object.assign(new Error(`non-finite mean energy at update ${e.update}`), { code: 'NONFINITE' });
      if (points.includes(e.update)) {
        const losses = Object.fromEntries(Object.entries(lossSums).map(([k, v]) => [k, v / lossCount]));
        const result = await testNll(trainer.decoder, trainer.encoder, subset, { encoderFree: e.update === points[points.length - 1] && trainer.encoder !== null });
        write({
          type: 'eval',
          updates: e.update,
          epoch: e.epoch,
          trainSeconds,
          updateSeconds,
          decoderPasses: e.update * BATCH * passes.decoder,
          encoderPasses: e.update * BATCH * passes.encoder,
          restarts,
          droppedChains: dropped,
          trainLosses: losses,
          ...result,
        });
        console.log(
          `${id}: ${e.update} updates, ${trainSeconds.toFixed(0)} s, NLL ${result.nll.toFixed(2)} (${result.proposal}), eval ${result.evalSeconds.toFixed(0)} s, load ${result.loadavg[0].toFixed(2)}`,
        );
        lossSums = {};
        lossCount = 0;
      }
    }
    mark = performance.now();
  }
  const modelDir = path.join(OUT_DIR, 'models', id);
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(path.join(modelDir, 'decoder.onnx'), trainer.exportDecoder());
  const encoder = trainer.exportEncoder();
  if (encoder !== null) writeFileSync(path.join(modelDir, 'encoder.onnx'), encoder);
} catch (error) {
  status = error?.code === 'LPC_DIVERGED' || error?.code === 'NONFINITE' ? 'diverged' : 'error';
  message = `${error?.code ?? ''} ${error?.message ?? error}`.trim();
  console.error(`${id}: ${status}: ${message}`);
} finally {
  await trainer.dispose();
}
write({ type: 'done', status, message, updates: trainer.updates, trainSeconds, updateSeconds, restarts, droppedChains: dropped, loadavg: os.loadavg(), time: new Date().toISOString() });
log.finish();
if (status === 'error') process.exitCode = 1;

/**
 * Cost of an LPC update against the number of Langevin steps T in {1, 5, 20, 50}: amortised LPC (Jeffreys,
 * rmsprop 0.3, decoder gradient at the last state) on the reference MLP 784-512-512-32, batch 64, one
 * thread, the T values interleaved in rounds. A least-squares line ms = fixed + perStep * T over the
 * medians shows the cost is linear in T (each step is one onnxruntime run of the energy graph plus the
 * native step); `overheadVsOrtRun` = perStep / the energy graph's run alone (timed in the same rounds).
 *
 * Run: npm run build:ts && node bench/training-throughput.mjs [--quick] [--rounds N]   (writes bench/results/throughput.json)
 */
import { EnergyModel, LpcTrainer, mlpDecoder, Rng, setThreads } from '../dist/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const QUICK = process.argv.includes('--quick');
const ROUNDS = process.argv.includes('--rounds') ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) : QUICK ? 2 : 4;
const UPDATES = QUICK ? 4 : 8;
const STEPS = [1, 5, 20, 50];
const NET = { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] };
const spec = { kind: 'mlp', options: NET };

async function main() {
  setThreads(1);
  const rng = new Rng({ seed: 4n });
  const x = Float32Array.from(rng.uniform(64 * 784), (u) => (u < 0.3 ? 1 : 0));
  const z = rng.normal(64 * 32);
  const trainers = await Promise.all(
    STEPS.map((steps) =>
      LpcTrainer.create({ decoder: spec, encoder: spec, encoderObjective: 'jeffreys', thetaGrad: 'last', langevin: { steps, stepSize: 0.3, preconditioner: 'rmsprop' }, seed: 1, threads: 1 }),
    ),
  );
  const energy = await EnergyModel.create(mlpDecoder({ ...NET, seed: 1 }), { likelihood: { kind: 'bernoulli' }, trainable: true, threads: 1 });
  const times = STEPS.map(() => []);
  const ortRun = [];
  for (const t of trainers) await t.step(x);
  await energy.evaluate(x, 64, z);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, trainer] of trainers.entries()) for (let u = 0; u < UPDATES; u++) times[i].push((await trainer.step(x)).seconds * 1000);
    for (let u = 0; u < 20; u++) {
      const t0 = performance.now();
      await energy.evaluate(x, 64, z);
      ortRun.push(performance.now() - t0);
    }
  }
  const medians = times.map((t) => spread(t).median);
  const meanT = STEPS.reduce((s, v) => s + v, 0) / STEPS.length;
  const meanMs = medians.reduce((s, v) => s + v, 0) / STEPS.length;
  const perStep = STEPS.reduce((s, t, i) => s + (t - meanT) * (medians[i] - meanMs), 0) / STEPS.reduce((s, t) => s + (t - meanT) ** 2, 0);
  const fixed = meanMs - perStep * meanT;
  const results = STEPS.map((steps, i) => ({ steps, ms: spread(times[i]), lineMs: fixed + perStep * steps }));
  const ort = spread(ortRun);
  const json = {
    suite: 'throughput',
    quick: QUICK,
    rounds: ROUNDS,
    updatesPerRound: UPDATES,
    threads: 1,
    machine: machineInfo(),
    results,
    line: { fixedMs: fixed, perStepMs: perStep },
    energyRunMs: ort,
    overheadVsOrtRun: perStep / ort.median,
  };
  for (const r of results) console.log(`T = ${r.steps}: ${r.ms.median.toFixed(2)} ms (line ${r.lineMs.toFixed(2)})`);
  console.log(`per step ${perStep.toFixed(3)} ms, fixed ${fixed.toFixed(2)} ms, energy run ${ort.median.toFixed(3)} ms, overheadVsOrtRun ${json.overheadVsOrtRun.toFixed(2)}`);
  console.log(`wrote ${writeResults('throughput', QUICK, json)}`);
  for (const t of trainers) await t.dispose();
  await energy.dispose();
  rng.dispose();
}

await main();

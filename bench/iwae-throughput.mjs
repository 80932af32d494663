/**
 * Importance samples per second of importanceSampledLogLikelihood (lib/eval) on the reference MLP decoder
 * (d = 32 -> 512 -> 512 -> 784, ReLU, Bernoulli likelihood, frozen weights), K = 1000, beside its floor:
 * the same model calls alone (EnergyModel.negLogLikelihood on pre-drawn latents of the same chunk size),
 * and beside the same calls through evaluateMetrics (all four outputs, decoder means copied out) to show what
 * fetching `nll` alone saves. Chunk sizes (rows per model call) 1024, 4096 (the default) and 16384.
 * Cases are interleaved over ROUNDS rounds; medians and [min, max] over rounds.
 *
 * Run: npm run build:ts && node bench/iwae-throughput.mjs   (writes bench/out/iwae-throughput.json; about a minute)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { EnergyModel, importanceSampledLogLikelihood, mlpDecoder, Rng } from '../dist/index.js';
import { median, spread } from './stats.mjs';

const B = 16;
const K = 1000;
const ROUNDS = 9;
const CHUNK_ROWS = [1024, 4096, 16384];

const decoder = mlpDecoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512], seed: 1 });
const model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' } });
const d = model.latentDim;
const rng = new Rng({ seed: 2 });
const x = rng.uniform(B * 784).map((u) => (u < 0.3 ? 1 : 0));
const proposal = { mean: rng.normal(B * d).map((v) => 0.5 * v), logSigma: new Float32Array(B * d).fill(Math.log(0.3)) };

const cases = [];
for (const rows of CHUNK_ROWS) {
  const chunkSize = rows / B;
  const z = rng.normal(rows * d);
  cases.push({ name: `importanceSampledLogLikelihood, ${rows} rows/call`, run: () => importanceSampledLogLikelihood(model, x, B, proposal, { samples: K, chunkSize, rng }) });
  cases.push({
    name: `floor: negLogLikelihood calls only, ${rows} rows/call`,
    run: async () => {
      for (let done = 0; done < K; done += chunkSize) await model.negLogLikelihood(x, B, z.subarray(0, B * Math.min(chunkSize, K - done) * d));
    },
  });
  cases.push({
    name: `evaluateMetrics calls (all outputs), ${rows} rows/call`,
    run: async () => {
      for (let done = 0; done < K; done += chunkSize) await model.evaluateMetrics(x, B, z.subarray(0, B * Math.min(chunkSize, K - done) * d));
    },
  });
}

for (const c of cases) await c.run(); // warm-up: sessions created, buffers allocated
const times = new Map(cases.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    await c.run();
    times.get(c.name).push((performance.now() - t0) / 1000);
  }
}
const results = cases.map((c) => {
  const t = times.get(c.name);
  const rates = t.map((s) => (B * K) / s);
  return { name: c.name, samplesPerSecond: spread(rates), seconds: t };
});
for (const r of results) {
  const s = r.samplesPerSecond;
  console.log(`${r.name.padEnd(62)} ${Math.round(s.median).toString().padStart(7)} samples/s  [${Math.round(s.min)}, ${Math.round(s.max)}]`);
}
// Per-round ratios of the estimator to its floor, same chunk size.
for (const rows of CHUNK_ROWS) {
  const est = times.get(`importanceSampledLogLikelihood, ${rows} rows/call`);
  const floor = times.get(`floor: negLogLikelihood calls only, ${rows} rows/call`);
  const metrics = times.get(`evaluateMetrics calls (all outputs), ${rows} rows/call`);
  const r1 = est.map((t, i) => t / floor[i]);
  const r2 = metrics.map((t, i) => t / floor[i]);
  console.log(
    `${rows} rows: estimator / floor ${median(r1).toFixed(3)} [${Math.min(...r1).toFixed(3)}, ${Math.max(...r1).toFixed(3)}]; evaluateMetrics / floor ${median(r2).toFixed(3)} [${Math.min(...r2).toFixed(3)}, ${Math.max(...r2).toFixed(3)}]`,
  );
}
await model.dispose();
mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/iwae-throughput.json', JSON.stringify({ B, K, rounds: ROUNDS, results }, null, 2));

// Memory growth over long runs: resident memory after a warm-up and at every tenth of (a) 20,000 Langevin
// steps through an EnergyModel (LangevinSampler runs of 100 steps, ULA and MALA, each run creating and freeing
// its native chains), and (b) 2,000 training updates of LpcTrainer and of VaeTrainer on a small MLP. Each
// workload runs in a child process of its own (node --expose-gc), and every sample follows two full
// collections, so what is left is memory the package still holds. A leak shows as growth between the first
// sample and the last, and as a steady trend across the eleven; the bar is 5% of the RSS after the warm-up.
// bench/ROBUSTNESS.md has the figure.
//
//   node bench/rss-growth.mjs [--steps 20000] [--updates 2000] [--seed 1]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 20_000);
const UPDATES = arg('updates', 2_000);
const SEED = arg('seed', 1);
/**
 * Warm-up before the first sample: RSS climbs by some 30 MiB over the first thousand updates or several
 * thousand steps (onnxruntime's arena and the allocator's pools reaching their working set), then stays flat
 * (100,000 MALA steps after this warm-up: within 1.5%).
 */
const WARM_STEPS = 10_000;
const WARM_UPDATES = 1_000;
const PER_RUN = 100;
/** The bar: growth between the two samples, as a share of the first. */
const LIMIT = 0.05;
const NET = { latentDim: 8, imageShape: [1, 14, 14], hidden: [64] };

/** Memory after two full collections (the second frees what finalisers of the first released). */
function sample() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Binary images [count, 196], drawn from the seeded generator. */
function images(Rng, count, seed) {
  const rng = new Rng({ seed: BigInt(seed) });
  const x = Float32Array.from(rng.uniform(count * 196), (u) => (u < 0.3 ? 1 : 0));
  rng.dispose();
  return x;
}

/**
 * In a child: runs one workload, sampling memory after the warm-up and at every tenth of the measured part;
 * prints the samples as JSON. `step(k)` does the k-th unit of work (a sampler run or an update).
 */
async function measure(kind, units, warmUnits, step) {
  const samples = [];
  for (let k = 0; k < warmUnits + units; k++) {
    const done = k - warmUnits;
    if (done >= 0 && done % Math.max(1, Math.floor(units / 10)) === 0) samples.push({ at: done, ...sample() });
    await step(k);
  }
  samples.push({ at: units, ...sample() });
  console.log(JSON.stringify({ kind, samples }));
}

async function child(kind) {
  const { EnergyModel, LangevinSampler, LpcTrainer, VaeTrainer, Rng, mlpDecoder } = await import('../dist/index.js');
  const x = images(Rng, 16, SEED);
  if (kind === 'ula' || kind === 'mala') {
    const energy = await EnergyModel.create(mlpDecoder({ ...NET, seed: SEED }), { likelihood: { kind: 'bernoulli' }, threads: 1 });
    const options = kind === 'ula' ? { steps: PER_RUN, stepSize: 0.05, chains: 4, preconditioner: 'rmsprop' } : { steps: PER_RUN, stepSize: 0.05, chains: 4, sampler: 'mala' };
    // Each run creates its native chains and frees them: 100 steps a run.
    await measure(kind, Math.ceil(STEPS / PER_RUN), Math.ceil(WARM_STEPS / PER_RUN), (k) => new LangevinSampler(energy, { ...options, seed: SEED * 1000 + k }).run(x));
    await energy.dispose();
  } else {
    const options = {
      decoder: { kind: 'mlp', options: NET },
      ...(kind === 'lpc' ? { langevin: { steps: 5, stepSize: 0.1 } } : { encoder: { kind: 'mlp', options: NET } }),
      binarize: true,
      seed: SEED,
      threads: 1,
    };
    const trainer = kind === 'lpc' ? await LpcTrainer.create(options) : await VaeTrainer.create(options);
    await measure(kind, UPDATES, WARM_UPDATES, () => trainer.step(x));
    await trainer.dispose();
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
  process.exit(0);
}

const WORKLOADS = [
  ['ula', `${STEPS.toLocaleString('en')} Langevin steps, ULA + rmsprop (LangevinSampler on an EnergyModel, B = 16, K = 4, runs of ${PER_RUN} steps)`],
  ['mala', `${STEPS.toLocaleString('en')} Langevin steps, MALA (the same)`],
  ['lpc', `${UPDATES.toLocaleString('en')} LpcTrainer updates (T = 5, B = 16)`],
  ['vae', `${UPDATES.toLocaleString('en')} VaeTrainer updates (B = 16)`],
];
const mib = (b) => (b / 2 ** 20).toFixed(1);
/** Least-squares slope of RSS against the sample's position, in KiB per tenth of the measured part. */
function slope(samples) {
  const n = samples.length;
  const xs = samples.map((_, i) => i);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = samples.reduce((a, s) => a + s.rss, 0) / n;
  const sxy = samples.reduce((a, s, i) => a + (xs[i] - mx) * (s.rss - my), 0);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxy / sxx / 1024;
}
console.log(
  `MLP decoder ${NET.latentDim}-${NET.hidden.join('-')}-[${NET.imageShape.join(',')}], one thread, seed ${SEED}; warm-up ${WARM_STEPS.toLocaleString('en')} steps or ${WARM_UPDATES.toLocaleString('en')} updates; 11 samples, each after two global.gc() calls`,
);
console.log('\n| workload | RSS after warm-up (MiB) | RSS at the end (MiB) | growth | lowest and highest sample (MiB) | trend (KiB per tenth) | JS heap warm-up -> end (MiB) | seconds |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
let failed = false;
for (const [kind, what] of WORKLOADS) {
  const started = performance.now();
  const out = execFileSync(process.execPath, ['--expose-gc', self, '--child', kind, '--steps', String(STEPS), '--updates', String(UPDATES), '--seed', String(SEED)], { encoding: 'utf8' });
  const { samples } = JSON.parse(out.trim().split('\n').pop());
  const [warm, end] = [samples[0], samples.at(-1)];
  const growth = (end.rss - warm.rss) / warm.rss;
  if (growth >= LIMIT) failed = true;
  const rss = samples.map((s) => s.rss);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `| ${what} | ${mib(warm.rss)} | ${mib(end.rss)} | ${(growth * 100).toFixed(2)}% | ${mib(Math.min(...rss))} - ${mib(Math.max(...rss))} | ${slope(samples).toFixed(0)} | ${mib(warm.heapUsed)} -> ${mib(end.heapUsed)} | ${seconds} |`,
  );
}
process.exit(failed ? 1 : 0);

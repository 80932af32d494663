/**
 * The `native` suite: native Langevin step throughput beside a plain memory copy of the same bytes, sampled
 * alternately in the same run, at one thread and at the machine's cores; and Rng.normal's rate.
 *
 * Bytes per element are all arrays the step reads and writes: z (read), gradient (read), next z (written),
 * plus v (read and written) for rmsprop and v and m for adam (with momentum drift). Noise is generated in
 * the loop and never stored. The copy moves the same number of bytes (reads half, writes half) with the
 * same thread split, so fractionOfCopy = step bytes/s / copy bytes/s, taken per pair of alternating samples
 * (median and range over the pairs).
 *
 * The copy is the addon's own memcpy split over the same threads (`binding.copy` in dist/native/binding.js):
 * a reference for this benchmark, not a feature of the library, so it is not exported; dist/ ships with the
 * package, so the import works from an installed package as well.
 *
 * Run: npm run bench -- --suite native [--quick]   (or, after npm run build:ts, node bench/native.mjs [--quick] [--out DIR];
 * writes bench/results/native.json)
 */
import os from 'node:os';
import { Chains, Rng, getThreads, setThreads } from '../dist/index.js';
import { binding } from '../dist/native/binding.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const QUICK = process.argv.includes('--quick');
const D = 128; // latent dims per chain; n = elements / D chains
const SIZES = QUICK ? [65536, 1 << 20] : [4096, 65536, 1 << 20, 1 << 24];
const NORMAL_COUNTS = QUICK ? [1 << 20] : [1 << 20, 1 << 24];
const KINDS = [
  { kind: 'none', options: {}, bytes: 12 },
  { kind: 'rmsprop', options: { preconditioner: 'rmsprop' }, bytes: 20 },
  { kind: 'adam', options: { preconditioner: 'adam', momentum: true }, bytes: 28 },
];
const SAMPLES = QUICK ? 5 : 7;
const MIN_SAMPLE_SECONDS = QUICK ? 0.01 : 0.02;

// Calls of `fn` that last at least MIN_SAMPLE_SECONDS (after two warm-up calls).
function callsPerSample(fn) {
  fn();
  fn();
  const t0 = performance.now();
  fn();
  const single = Math.max(1e-6, (performance.now() - t0) / 1000);
  return Math.max(1, Math.ceil(MIN_SAMPLE_SECONDS / single));
}

// Rate (units per second) of one sample of `calls` calls.
function sample(fn, calls, unitsPerCall) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (unitsPerCall * calls) / ((performance.now() - start) / 1000);
}

// Rates of `fn` over SAMPLES samples.
function measure(fn, unitsPerCall) {
  const calls = callsPerSample(fn);
  return spread(Array.from({ length: SAMPLES }, () => sample(fn, calls, unitsPerCall)));
}

// Step and copy sampled alternately, so that both see the same machine load (these machines are shared);
// the ratio is taken per pair of samples.
function measurePair(step, stepUnits, copy, copyUnits, bytesPerUnit) {
  const stepCalls = callsPerSample(step);
  const copyCalls = callsPerSample(copy);
  const steps = [];
  const copies = [];
  const fractions = [];
  for (let s = 0; s < SAMPLES; s++) {
    const stepRate = sample(step, stepCalls, stepUnits);
    const copyRate = sample(copy, copyCalls, copyUnits);
    steps.push(stepRate);
    copies.push(copyRate);
    fractions.push((stepRate * bytesPerUnit) / copyRate);
  }
  return { step: spread(steps), copy: spread(copies), fraction: spread(fractions) };
}

const scale = (s, k) => ({ median: s.median * k, min: s.min * k, max: s.max * k });

function main() {
  const results = [];
  const normals = [];
  const machine = machineInfo();
  const defaultThreads = getThreads();
  const begin = performance.now();
  for (const threads of [...new Set([1, os.availableParallelism()])]) {
    setThreads(threads);
    for (const elements of SIZES) {
      for (const { kind, options, bytes } of KINDS) {
        const chains = new Chains({ n: elements / D, d: D, stepSize: 1e-3, seed: 1, ...options });
        chains.initPrior();
        const gradRng = new Rng({ seed: 2 });
        const grad = gradRng.normal(elements);
        gradRng.dispose();
        // The copy: bytes * elements / 8 floats move the same bytes (4 read + 4 written per float).
        const floats = (bytes * elements) / 8;
        const src = new Float32Array(floats).fill(1);
        const dst = new Float32Array(floats);
        const m = measurePair(
          () => chains.step(grad),
          elements,
          () => binding.copy(dst, src),
          floats * 8,
          bytes,
        );
        chains.dispose();
        results.push({
          kind,
          threads,
          elements,
          chains: elements / D,
          dims: D,
          bytesPerElement: bytes,
          stepElementsPerSecond: m.step,
          stepBytesPerSecond: scale(m.step, bytes),
          copyBytesPerSecond: m.copy,
          fractionOfCopy: m.fraction,
        });
        const f = m.fraction;
        console.log(
          `${kind.padEnd(7)} threads ${threads} elements ${String(elements).padStart(8)}: ${(m.step.median / 1e6).toFixed(1)} Melem/s, fractionOfCopy ${f.median.toFixed(2)} [${f.min.toFixed(2)}, ${f.max.toFixed(2)}]`,
        );
      }
    }
    for (const count of NORMAL_COUNTS) {
      const rng = new Rng({ seed: 3 });
      const out = new Float32Array(count);
      normals.push({ threads, count, normalsPerSecond: measure(() => rng.normal(out), count) });
      rng.dispose();
    }
  }
  setThreads(defaultThreads);
  const json = {
    suite: 'native',
    quick: QUICK,
    samples: SAMPLES,
    minSampleSeconds: MIN_SAMPLE_SECONDS,
    seconds: (performance.now() - begin) / 1000,
    machine,
    results,
    normals,
  };
  console.log(`wrote ${writeResults('native', QUICK, json)} (${json.seconds.toFixed(1)} s)`);
}

main();

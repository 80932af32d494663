// Data-layer timings: dataset loads against the bare gunzip they cannot avoid, and one epoch of
// minibatches. Run after `npm run build:ts`:  node bench/data-loading.mjs [repeats]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnist, MinibatchLoader, scaleImages, UNIT_RANGE } from '../dist/index.js';

const repeats = Number(process.argv[2] ?? 5);

/** A small seeded source (murmur3 finaliser over a Weyl sequence), standing in for the native Rng. */
class BenchRandom {
  constructor(seed) {
    this.state = seed >>> 0;
  }
  next() {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  uniform(out) {
    for (let i = 0; i < out.length; i++) out[i] = ((this.next() >>> 9) + 0.5) / 8388608;
  }
  permutation(n) {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.next() % (i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
function summary(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}
const fmt = ({ median, min, max }) => `${median.toFixed(1)} ms (range ${min.toFixed(1)}-${max.toFixed(1)})`;

const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const timings = { gunzip: [], fashion: [], mnist: [], scale: [], epoch: [], epochBinarised: [] };
let fashion;
for (let r = 0; r < repeats; r++) {
  // Interleaved, so that machine noise hits both sides of the ratio alike.
  timings.gunzip.push(time(() => files.forEach((f) => gunzipSync(readFileSync(path.join(FASHION_MNIST_DIR, f))))));
  timings.fashion.push(
    time(() => {
      fashion = loadFashionMnist();
    }),
  );
  timings.mnist.push(time(() => loadMnist()));
  timings.scale.push(time(() => scaleImages(fashion.train, UNIT_RANGE)));
  const plain = new MinibatchLoader(fashion.train, { batchSize: 128, source: new BenchRandom(r) });
  timings.epoch.push(
    time(() => {
      for (const b of plain.epoch()) void b;
    }),
  );
  const binarised = new MinibatchLoader(fashion.train, { batchSize: 128, source: new BenchRandom(r), binarize: true });
  timings.epochBinarised.push(
    time(() => {
      for (const b of binarised.epoch()) void b;
    }),
  );
}
const g = summary(timings.gunzip);
const f = summary(timings.fashion);
const ratios = summary(timings.fashion.map((t, i) => t / timings.gunzip[i]));
console.log(`repeats: ${repeats}, node ${process.version}`);
console.log(`gunzip of the 4 Fashion-MNIST files (floor):  ${fmt(g)}`);
console.log(`loadFashionMnist (60k + 10k, checked):       ${fmt(f)}; ratio to gunzip median ${ratios.median.toFixed(2)} (range ${ratios.min.toFixed(2)}-${ratios.max.toFixed(2)})`);
console.log(`loadMnist (10k digits from JSON):            ${fmt(summary(timings.mnist))}`);
console.log(`scaleImages(train, [0,1]) 47M values:        ${fmt(summary(timings.scale))}`);
console.log(`epoch of 469 batches of 128, [0,1]:          ${fmt(summary(timings.epoch))}`);
console.log(`same, dynamically binarised:                 ${fmt(summary(timings.epochBinarised))}`);

// Checkpoint costs at the size of the reference model (MLP 784-512-512-32 decoder and encoder with
// Adam state: ~16 MB), against the floors they cannot avoid: the same bytes written with one
// writeFileSync + fsync per file, and read with readFileSync. Run after `npm run build:ts`:
//   node bench/checkpoint-store.mjs [repeats]
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointStore, decodeState, encodeState } from '../dist/index.js';
import { median } from './stats.mjs';

const repeats = Number(process.argv[2] ?? 5);
const root = mkdtempSync(path.join(tmpdir(), 'lpc-bench-ckpt-'));

/** Pseudo-random floats (no compressible pattern; the disk sees real bytes). */
function noise(n, seed) {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 2 ** 32 - 0.5) * 0.1;
  }
  return out;
}

const params = 32 * 512 + 512 + 512 * 512 + 512 + 512 * 784 + 784; // decoder; the encoder is about as big
const moments = { mDec: noise(params, 1), vDec: noise(params, 2), mEnc: noise(params, 3), vEnc: noise(params, 4), step: 1200, rng: 81n };
const files = () => ({
  'decoder.onnx': new Uint8Array(noise(params, 5).buffer),
  'encoder.onnx': new Uint8Array(noise(params, 6).buffer),
  'optimizer.state': encodeState(moments),
  'config.json': JSON.stringify({ seed: 1, lr: 1e-3 }),
  'metrics.json': JSON.stringify({ history: Array.from({ length: 200 }, (_, i) => ({ updates: i * 100, nll: 100 - i / 10 })) }),
});
const content = files();
const totalBytes = Object.values(content).reduce((s, v) => s + (typeof v === 'string' ? Buffer.byteLength(v) : v.length), 0);

function floorWrite(dir) {
  mkdirSync(dir);
  for (const [name, v] of Object.entries(content)) {
    const fd = openSync(path.join(dir, name), 'w');
    writeSync(fd, typeof v === 'string' ? Buffer.from(v) : v);
    fsyncSync(fd);
    closeSync(fd);
  }
}

const time = (f) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const rows = { floorWrite: [], storeWrite: [], writeRatio: [], floorRead: [], storeRead: [], readRatio: [], encode: [], decode: [] };
const store = new CheckpointStore(path.join(root, 'checkpoint'));
for (let r = 0; r < repeats; r++) {
  const fw = time(() => floorWrite(path.join(root, `floor-${r}`)));
  const sw = time(() => store.write(content, { step: r }));
  const fr = time(() => {
    for (const name of Object.keys(content)) readFileSync(path.join(root, `floor-${r}`, name));
  });
  const sr = time(() => store.read());
  rows.floorWrite.push(fw);
  rows.storeWrite.push(sw);
  rows.writeRatio.push(sw / fw);
  rows.floorRead.push(fr);
  rows.storeRead.push(sr);
  rows.readRatio.push(sr / fr);
  let blob;
  rows.encode.push(
    time(() => {
      blob = encodeState(moments);
    }),
  );
  rows.decode.push(time(() => decodeState(blob)));
}
rmSync(root, { recursive: true, force: true });

const fmt = (v, ratio) => (ratio ? v.toFixed(2) : `${v.toFixed(1)} ms`);
console.log(`checkpoint of ${(totalBytes / 1e6).toFixed(1)} MB in ${Object.keys(content).length} files; state blob ${(content['optimizer.state'].length / 1e6).toFixed(1)} MB; ${repeats} repeats`);
for (const [name, values] of Object.entries(rows)) {
  const ratio = name.endsWith('Ratio');
  console.log(`${name.padEnd(11)} median ${fmt(median(values), ratio)}  range ${fmt(Math.min(...values), ratio)}–${fmt(Math.max(...values), ratio)}`);
}

/**
 * The addon is context-aware: it loads in worker threads, each with its own instance data and thread
 * pool, gives the same numbers there, and survives a worker being terminated mid-call.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Chains, getThreads } from '../../lib/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Runs 20 preconditioned steps of E = |z|^2 / 2 with the raw addon and posts z back.
const workerSource = `
  const { parentPort, workerData } = require('node:worker_threads');
  const b = require('node-gyp-build')(workerData.root);
  b.setThreads(workerData.threads);
  const c = new b.Chains({ n: 300, d: 200, preconditioner: 'rmsprop', beta1: 0.9, beta2: 0.99, eps: 1e-8, gMax: 10,
    momentum: false, stepSize: 0.05, seed: 42n, stream: 0n, device: 'cpu', warmup: 0, adapt: false, targetAccept: 0.57,
    adaptRate: 0.05 });
  c.initPrior();
  const grad = new Float32Array(300 * 200);
  for (let t = 0; t < 20; t++) { grad.set(c.z); c.step(grad, undefined, undefined); }
  parentPort.postMessage({ z: Float32Array.from(c.z), threads: b.getThreads() });
`;

function runInWorker(threads: number): Promise<{ z: Float32Array; threads: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource, { eval: true, workerData: { root, threads } });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

function runHere(): Float32Array {
  const chains = new Chains({ n: 300, d: 200, stepSize: 0.05, preconditioner: 'rmsprop', seed: 42 });
  chains.initPrior();
  const grad = new Float32Array(300 * 200);
  for (let t = 0; t < 20; t++) {
    grad.set(chains.z);
    chains.step(grad);
  }
  return Float32Array.from(chains.z);
}

describe('worker threads', () => {
  it('give the same chains as the main thread, with their own thread-pool settings', async () => {
    const here = runHere();
    const mainThreads = getThreads();
    const [one, two] = await Promise.all([runInWorker(1), runInWorker(2)]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(getThreads()).toBe(mainThreads);
    expect(one.z).toEqual(here);
    expect(two.z).toEqual(here);
  });

  it('survive a worker terminated inside a native loop', async () => {
    const w = new Worker(
      `const b = require('node-gyp-build')(require('node:worker_threads').workerData.root);
       const r = new b.Rng({ seed: 1n, stream: 0n, device: 'cpu' });
       require('node:worker_threads').parentPort.postMessage('ready');
       for (;;) r.normal(new Float32Array(1 << 18));`,
      { eval: true, workerData: { root } },
    );
    await new Promise((resolve) => w.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await w.terminate();
    // The main thread's copy of the addon is unaffected.
    expect(runHere().length).toBe(60000);
  });
});

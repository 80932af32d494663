/**
 * Training in a worker thread: the caller's event loop stays mostly idle while the worker trains, the worker's
 * parameters equal an in-process run's bit for bit, a state carried by an event resumes in another thread, an
 * abort stops the worker at an update boundary, and errors cross the boundary with their codes.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpDecoder } from '../../lib/models/mlp.js';
import { LpcTrainer, type LpcTrainerOptions } from '../../lib/training/lpc-trainer.js';
import { TrainingWorker } from '../../lib/training/training-worker.js';
import { VaeTrainer, type VaeTrainerOptions } from '../../lib/training/vae-trainer.js';
import type { StateRecord } from '../../lib/training/state-blob.js';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';
import { firstImages, mnist } from './support/data.js';

const NET = { latentDim: 8, imageShape: [1, 28, 28] as const, hidden: [128] };
// T = 40 steps on 100 chains and a theta-gradient over 4,000 kept states: each update takes tens of milliseconds.
const LPC = {
  decoder: { kind: 'mlp', options: NET },
  langevin: { steps: 40, stepSize: 0.1 },
  binarize: true,
  seed: 8,
  threads: 1,
} satisfies LpcTrainerOptions;
const NET_SMALL = { latentDim: 4, imageShape: [1, 28, 28] as const, hidden: [32] };
const VAE = { decoder: { kind: 'mlp', options: NET_SMALL }, encoder: { kind: 'mlp', options: NET_SMALL }, binarize: true, seed: 5, threads: 1 } satisfies VaeTrainerOptions;

let script: ChildScript;
beforeAll(() => {
  script = transpileChildScript('lib/training/worker-entry.ts');
});
afterAll(() => script.dispose());

const data = () => firstImages(mnist().train, 300);

function expectSameState(a: StateRecord, b: StateRecord): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const key of Object.keys(a)) expect(b[key], key).toEqual(a[key]);
}

describe('TrainingWorker', () => {
  it("trains while the caller's event loop stays free, and ends where an in-process run with the same seed ends", async () => {
    const worker = await TrainingWorker.start({ algo: 'lpc', options: LPC }, { entry: script.file });
    // Event-loop utilisation of this thread over the run: the share of wall time it spent running code rather
    // than waiting. Both parts stretch alike on a loaded machine, so the ratio does not depend on timing.
    const before = performance.eventLoopUtilization();
    let updates = 0;
    for await (const e of worker.run({ data: data(), batchSize: 100, updates: 8 })) {
      if (e.type === 'update') updates++;
    }
    const utilisation = performance.eventLoopUtilization(before).utilization;
    expect(updates).toBe(8);
    // Measured 0.11 (reading the images and handling events) against 1.00 for the same run in this thread below.
    expect(utilisation).toBeLessThan(0.25);
    const state = await worker.getState();
    await worker.close();
    await using local = await LpcTrainer.create(LPC);
    const localBefore = performance.eventLoopUtilization();
    for await (const _ of local.run({ data: data(), batchSize: 100, updates: 8 }));
    const localUtilisation = performance.eventLoopUtilization(localBefore).utilization;
    expect(localUtilisation).toBeGreaterThan(0.9);
    expectSameState(local.getState(), state);
  });

  it('hands out states with events; one resumes in another thread bit for bit; an abort stops at a boundary', async () => {
    const worker = await TrainingWorker.start({ algo: 'vae', options: VAE }, { entry: script.file });
    try {
      let saved: StateRecord | undefined;
      for await (const e of worker.run({ data: data(), batchSize: 50, updates: 9, stateEvery: 4 })) {
        if (e.type === 'update') expect(e.state === undefined).toBe(e.update % 4 !== 0);
        if (e.type === 'update' && e.update === 4) saved = e.state;
      }
      const end = await worker.getState();
      await using local = await VaeTrainer.create(VAE);
      local.setState(saved!);
      expect(local.updates).toBe(4);
      for await (const _ of local.run({ data: data(), batchSize: 50, updates: 9 }));
      expectSameState(local.getState(), end);

      const controller = new AbortController();
      const seen: number[] = [];
      for await (const e of worker.run({ data: data(), batchSize: 50, updates: 10_000, signal: controller.signal })) {
        if (e.type !== 'update') continue;
        seen.push(e.update);
        if (e.update === 12) controller.abort();
      }
      // The worker runs ahead of the caller: it stops at the first boundary after it saw the flag.
      const stopped = (await worker.getState())['progress/updates'];
      expect(stopped).toBe(seen[seen.length - 1]);
      expect(stopped).toBeGreaterThanOrEqual(12);
      expect(stopped).toBeLessThan(10_000);
      // Leaving the loop early stops the worker too, and it is free for the next request.
      for await (const e of worker.run({ data: data(), batchSize: 50, updates: 10_000 })) if (e.type === 'update') break;
      expect((await worker.getState())['progress/updates']).toBeLessThan(10_000);
      const { decoder, encoder } = await worker.exportNetworks();
      expect(decoder.length).toBeGreaterThan(1000);
      expect(encoder!.length).toBeGreaterThan(1000);
    } finally {
      await worker.close();
    }
  });

  it('reports errors with their codes, from either side of the boundary', async () => {
    await expect(TrainingWorker.start({ algo: 'lpc', options: { ...LPC, langevin: { steps: 5, stepSize: -1 } } }, { entry: script.file })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const built = { ...LPC, decoder: mlpDecoder(NET) } as unknown as typeof LPC;
    await expect(TrainingWorker.start({ algo: 'lpc', options: built }, { entry: script.file })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const worker = await TrainingWorker.start({ algo: 'vae', options: VAE }, { entry: script.file });
    try {
      const run = worker.run({ data: data(), batchSize: 50, updates: 3 });
      const first = await run.next();
      expect(first.done).toBe(false);
      await expect(worker.getState()).rejects.toMatchObject({ code: 'LPC_INVALID_STATE' });
      for await (const _ of run);
      await expect(worker.setState({})).rejects.toMatchObject({ code: 'LPC_CHECKPOINT' });
      const wrongShape = { ...data(), shape: [1, 14, 56] as const };
      await expect(worker.run({ data: wrongShape, batchSize: 50, updates: 5 }).next()).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
      const misspelt = { data: data(), batchSize: 50, updates: 5, stateEvry: 2 } as never;
      await expect(worker.run(misspelt).next()).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringMatching(/TrainingWorker\.run options\.stateEvry/) });
    } finally {
      await worker.close();
    }
    await worker.close();
  });
});

/**
 * Exact state export: a run stopped after N updates, exported (through the binary state codec), imported into
 * a freshly built trainer and continued ends bit for bit where an uninterrupted run with the same seed ends;
 * cancellation stops at update boundaries; a state that does not fit is refused and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { LpcTrainer, type LpcTrainerOptions } from '../../lib/training/lpc-trainer.js';
import { decodeState, encodeState, type StateRecord } from '../../lib/training/state-blob.js';
import type { Trainer } from '../../lib/training/trainer.js';
import { VaeTrainer, type VaeTrainerOptions } from '../../lib/training/vae-trainer.js';
import { firstImages, mnist } from './support/data.js';

const NET = { latentDim: 4, imageShape: [1, 28, 28] as const, hidden: [32] };
const LPC: LpcTrainerOptions = {
  decoder: { kind: 'mlp', options: NET },
  encoder: { kind: 'mlp', options: NET },
  encoderObjective: 'jeffreys',
  langevin: { steps: 6, stepSize: 0.1, chains: 2, preconditioner: 'rmsprop' },
  burnIn: 2,
  binarize: true,
  seed: 2024,
  threads: 1,
};
const VAE: VaeTrainerOptions = { decoder: { kind: 'mlp', options: NET }, encoder: { kind: 'mlp', options: NET }, iwae: 3, binarize: true, seed: 77, threads: 1 };
// 110 images in batches of 25: epochs of 5 batches, the last one of 10, so runs cross epoch boundaries.
const RUN = { batchSize: 25 };

function data() {
  return firstImages(mnist().train, 110);
}

async function drain(trainer: Trainer, updates: number, signal?: AbortSignal): Promise<number> {
  let events = 0;
  for await (const _ of trainer.run({ ...RUN, data: data(), updates, signal })) events++;
  return events;
}

/** Every entry of two states, compared exactly (typed arrays element by element, bigints and numbers by value). */
function expectSameState(a: StateRecord, b: StateRecord): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const key of Object.keys(a)) expect(b[key], key).toEqual(a[key]);
}

const CASES: [string, () => Promise<Trainer>][] = [
  ['LPC with a Jeffreys encoder, rmsprop, burn-in and binarisation', () => LpcTrainer.create(LPC)],
  ['VAE with the IWAE-3 objective and binarisation', () => VaeTrainer.create(VAE)],
  ['VAE with the ELBO as one graph, two threads', () => VaeTrainer.create({ ...VAE, iwae: undefined, threads: 2 })],
];

describe('resume', () => {
  for (const [label, create] of CASES) {
    it(`continues bit for bit from an exported state: ${label}`, async () => {
      await using whole = await create();
      await drain(whole, 13);
      await using first = await create();
      await drain(first, 7);
      expect([first.updates, first.epoch]).toEqual([7, 1]);
      const blob = encodeState(first.getState());
      await using second = await create();
      second.setState(decodeState(blob));
      expectSameState(second.getState(), first.getState());
      await drain(second, 13);
      expect([second.updates, second.epoch]).toEqual([13, 2]);
      expectSameState(second.getState(), whole.getState());
      // And the parameters did move: the comparison is not between two untouched networks.
      await using fresh = await create();
      expect(fresh.getState()['theta/fc1.weight']).not.toEqual(whole.getState()['theta/fc1.weight']);
    });
  }

  it('stops at an update boundary when the signal aborts, and a later run carries on as if never stopped', async () => {
    await using whole = await LpcTrainer.create(LPC);
    await drain(whole, 9);
    await using stopped = await LpcTrainer.create(LPC);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const e of stopped.run({ ...RUN, data: data(), epochs: 10, signal: controller.signal })) {
      seen.push(e.type === 'update' ? `u${e.update}` : `e${e.epoch}`);
      if (e.type === 'update' && e.update === 4) controller.abort();
    }
    expect(seen).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(stopped.updates).toBe(4);
    // Breaking out of the loop stops a run the same way.
    for await (const e of stopped.run({ ...RUN, data: data(), epochs: 10 })) if (e.type === 'update' && e.update === 6) break;
    expect(stopped.updates).toBe(6);
    await drain(stopped, 9);
    expectSameState(stopped.getState(), whole.getState());
    // An already aborted signal runs nothing.
    expect(await drain(stopped, 20, AbortSignal.abort())).toBe(0);
  });

  it('reports epochs and updates as totals across runs', async () => {
    await using trainer = await VaeTrainer.create(VAE);
    const events: string[] = [];
    for await (const e of trainer.run({ ...RUN, data: data(), epochs: 1 })) events.push(e.type === 'update' ? `u${e.update}@${e.epoch}/${e.batchSize}` : `e${e.epoch}`);
    expect(events).toEqual(['u1@0/25', 'u2@0/25', 'u3@0/25', 'u4@0/25', 'u5@0/10', 'e1']);
    // epochs: 1 is already reached; epochs: 2 runs one more.
    const again: string[] = [];
    for await (const e of trainer.run({ ...RUN, data: data(), epochs: 1 })) again.push(e.type);
    expect(again).toEqual([]);
    for await (const e of trainer.run({ ...RUN, data: data(), epochs: 2 })) again.push(e.type === 'update' ? `u${e.update}@${e.epoch}` : `e${e.epoch}`);
    expect(again).toEqual(['u6@1', 'u7@1', 'u8@1', 'u9@1', 'u10@1', 'e2']);
  });

  it('refuses a state of another kind, configuration or data, and changes nothing', async () => {
    await using lpc = await LpcTrainer.create(LPC);
    await drain(lpc, 3);
    await using vae = await VaeTrainer.create(VAE);
    const before = vae.getState();
    expect(() => vae.setState(lpc.getState())).toThrow(expect.objectContaining({ code: 'LPC_CHECKPOINT' }));
    const truncated = { ...before, 'theta/fc1.weight': (before['theta/fc1.weight'] as Float32Array).subarray(1) };
    expect(() => vae.setState(truncated)).toThrow(expect.objectContaining({ code: 'LPC_CHECKPOINT' }));
    const missing = { ...before };
    delete missing['rng/reparam/counter'];
    expect(() => vae.setState(missing)).toThrow(expect.objectContaining({ code: 'LPC_CHECKPOINT' }));
    expectSameState(vae.getState(), before);
    // A state stopped mid-epoch must continue on the same data and batch size.
    const mid = lpc.getState();
    await using other = await LpcTrainer.create(LPC);
    other.setState(mid);
    await expect(other.run({ batchSize: 20, data: data(), updates: 10 }).next()).rejects.toMatchObject({ code: 'LPC_CHECKPOINT' });
    await expect(other.run({ ...RUN, data: firstImages(mnist().train, 100), updates: 10 }).next()).rejects.toMatchObject({ code: 'LPC_CHECKPOINT' });
    await expect(other.run({ ...RUN, data: data(), dropLast: true, updates: 10 }).next()).rejects.toMatchObject({ code: 'LPC_CHECKPOINT' });
    // With the same batching it goes on.
    const going = other.run({ ...RUN, data: data(), updates: 4 });
    expect((await going.next()).value).toMatchObject({ type: 'update', update: 4 });
    await going.return();
  });
});

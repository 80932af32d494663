/**
 * The trainers' settings and plumbing: every sampler and objective variant takes updates; learned and optimal
 * Gaussian scales train in both trainers; a pretrained ONNX decoder is fine-tuned and exported; step() on
 * caller-supplied batches; coded errors for bad options, misuse and disposal.
 */
import { describe, expect, it } from 'vitest';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { mlpDecoder, mlpEncoder } from '../../lib/models/mlp.js';
import { exportDecoder } from '../../lib/models/export.js';
import { getThreads } from '../../lib/native/runtime.js';
import { LpcTrainer, type LpcTrainerOptions } from '../../lib/training/lpc-trainer.js';
import { VaeTrainer } from '../../lib/training/vae-trainer.js';
import type { Trainer } from '../../lib/training/trainer.js';
import type { UpdateEvent } from '../../lib/training/events.js';
import { firstImages, mnist } from './support/data.js';
import { expectLpcErrorAsync } from '../support/expect-error.js';

const NET = { latentDim: 4, imageShape: [1, 28, 28] as const, hidden: [16] };
const DEC = { kind: 'mlp', options: NET } as const;
const ENC = { kind: 'mlp', options: NET } as const;
const data = () => firstImages(mnist().train, 60);

async function updates(trainer: Trainer, n: number): Promise<UpdateEvent[]> {
  const out: UpdateEvent[] = [];
  try {
    for await (const e of trainer.run({ data: data(), batchSize: 20, updates: n })) if (e.type === 'update') out.push(e);
  } finally {
    await trainer.dispose();
  }
  return out;
}

describe('LpcTrainer variants', () => {
  const VARIANTS: [string, Partial<LpcTrainerOptions>, (e: UpdateEvent) => void][] = [
    [
      'MALA with an rmsprop warm-up and adapted step sizes',
      { langevin: { steps: 8, stepSize: 0.05, sampler: 'mala', preconditioner: 'rmsprop', mala: { warmup: 3, adapt: true } } },
      (e) => {
        expect(e.acceptRate).toBeGreaterThanOrEqual(0);
        expect(e.acceptRate).toBeLessThanOrEqual(1);
        // Adaptation moves the step sizes away from the initial 0.05.
        expect(e.stepSize).not.toBeCloseTo(0.05, 6);
      },
    ],
    [
      'Adam preconditioning with momentum, last state only',
      { langevin: { steps: 6, stepSize: 0.05, preconditioner: 'adam', momentum: true }, thetaGrad: 'last' },
      (e) => {
        expect(e.acceptRate).toBeNull();
        expect(e.stepSize).toBeCloseTo(0.05, 6);
      },
    ],
    [
      'forward KL from the encoder, thinned states',
      { encoder: ENC, encoderObjective: 'forward', langevin: { steps: 6, stepSize: 0.05, chains: 2 }, burnIn: 2, thin: 2 },
      (e) => {
        expect(Object.keys(e.losses).sort()).toEqual(['energy', 'forwardKl']);
      },
    ],
    [
      'reverse KL, chains from the prior',
      { encoder: ENC, init: 'prior', encoderObjective: 'reverse', langevin: { steps: 6, stepSize: 0.05 } },
      (e) => {
        expect(Object.keys(e.losses).sort()).toEqual(['energy', 'reverseKl']);
      },
    ],
  ];
  for (const [label, options, check] of VARIANTS) {
    it(`takes updates: ${label}`, async () => {
      const trainer = await LpcTrainer.create({ decoder: DEC, langevin: { steps: 4, stepSize: 0.05 }, ...options, binarize: true, seed: 1, threads: 1 });
      const events = await updates(trainer, 3);
      expect(events.map((e) => e.update)).toEqual([1, 2, 3]);
      for (const e of events) {
        check(e);
        expect(Number.isFinite(e.meanEnergy) && Number.isFinite(e.losses.energy)).toBe(true);
        expect(e.batchSize).toBe(20);
        expect(e.examplesPerSecond).toBeGreaterThan(0);
      }
    });
  }
});

describe('Gaussian scales', () => {
  it('learns sigma in both trainers: log sigma falls from 0 toward the residual scale (~0.3 on [0, 1] pixels)', async () => {
    for (const algo of ['lpc', 'vae'] as const) {
      const likelihood = { kind: 'gaussian', sigma: { mode: 'learned', init: 1 } } as const;
      const trainer =
        algo === 'lpc'
          ? await LpcTrainer.create({ decoder: DEC, likelihood, langevin: { steps: 4, stepSize: 0.01 }, seed: 2, threads: 1 })
          : await VaeTrainer.create({ decoder: DEC, encoder: ENC, likelihood, seed: 2, threads: 1 });
      const logSigma = trainer.energy.params.get('likelihood/log_sigma').data;
      expect(logSigma[0]).toBe(0);
      for await (const _ of trainer.run({ data: data(), batchSize: 20, updates: 20 }));
      // Adam moves a parameter by about lr = 1e-3 per update while its gradient keeps its sign: ~0.02 in 20.
      expect(logSigma[0]).toBeLessThan(-0.015);
      expect(trainer.getState()['theta/likelihood/log_sigma']).toEqual(Float32Array.of(logSigma[0]));
      await trainer.dispose();
    }
  });

  it('trains with the optimal sigma in both trainers (finite losses; the energy falls as the fit improves)', async () => {
    const likelihood = { kind: 'gaussian', sigma: { mode: 'optimal' } } as const;
    for (const trainer of [
      await LpcTrainer.create({ decoder: DEC, likelihood, langevin: { steps: 4, stepSize: 0.01 }, optimizer: { lr: 3e-3 }, seed: 3, threads: 1 }),
      await VaeTrainer.create({ decoder: DEC, encoder: ENC, likelihood, optimizer: { lr: 3e-3 }, seed: 3, threads: 1 }),
    ]) {
      const events = await updates(trainer, 30);
      expect(events.every((e) => Object.values(e.losses).every(Number.isFinite))).toBe(true);
      const mean = (es: UpdateEvent[]) => es.reduce((s, e) => s + e.meanEnergy, 0) / es.length;
      // A shrinking batch RMSE lowers sigma and with it every pixel's -log p: by far more than batch noise.
      expect(mean(events.slice(-5))).toBeLessThan(mean(events.slice(0, 5)) - 50);
    }
  });

  it('refuses MALA with the optimal sigma, whose energies depend on the whole batch', async () => {
    const likelihood = { kind: 'gaussian', sigma: { mode: 'optimal' } } as const;
    const langevin = { steps: 4, stepSize: 0.01, sampler: 'mala', mala: { warmup: 2 } } as const;
    await expectLpcErrorAsync(() => LpcTrainer.create({ decoder: DEC, likelihood, langevin, seed: 3, threads: 1 }), 'LPC_INVALID_ARGUMENT', 'fixed or learned sigma');
    await using fixed = await LpcTrainer.create({ decoder: DEC, likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.5 } }, langevin, seed: 3, threads: 1 });
    expect(fixed.sampler.options.sampler).toBe('mala');
  });
});

describe('pretrained decoders', () => {
  it('fine-tunes a decoder loaded from ONNX bytes and exports the trained parameters into the same file layout', async () => {
    const original = mlpDecoder({ ...NET, seed: 9 });
    const bytes = exportDecoder(original);
    await using trainer = await LpcTrainer.create({ decoder: { kind: 'onnx', source: bytes }, langevin: { steps: 4, stepSize: 0.05 }, binarize: true, seed: 4, threads: 1 });
    expect(trainer.getState()['theta/fc1.weight']).toEqual(original.params.get('fc1.weight').data);
    for await (const _ of trainer.run({ data: data(), batchSize: 20, updates: 3 }));
    const trained = await loadDecoder(trainer.exportDecoder());
    expect(trained.params.get('fc1.weight').data).toEqual(trainer.decoder.params.get('fc1.weight').data);
    expect(trained.params.get('fc1.weight').data).not.toEqual(original.params.get('fc1.weight').data);
    expect(trainer.exportEncoder()).toBeNull();
  });
});

describe('step()', () => {
  it('takes one update on a caller-supplied batch, counted with run()s', async () => {
    await using trainer = await VaeTrainer.create({ decoder: DEC, encoder: ENC, iwae: 2, seed: 6, threads: 1 });
    const x = new Float32Array(5 * 784).map((_, i) => (i % 7 === 0 ? 1 : 0));
    const event = await trainer.step(x);
    expect([event.update, event.epoch, event.batchSize, Object.keys(event.losses)]).toEqual([1, 0, 5, ['negIwae']]);
    for await (const _ of trainer.run({ data: data(), batchSize: 20, updates: 2 }));
    expect(trainer.updates).toBe(2);
    await expect(trainer.step(x.subarray(1))).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });
});

describe('threads', () => {
  it('sets the native pool with the onnxruntime sessions, and trains the same with one thread as with two up to rounding', async () => {
    const x = new Float32Array(8 * 784).map((_, i) => (i % 5 === 0 ? 1 : 0));
    const losses: number[] = [];
    for (const threads of [2, 1]) {
      await using trainer = await VaeTrainer.create({ decoder: DEC, encoder: ENC, seed: 3, threads });
      expect(getThreads()).toBe(threads);
      losses.push((await trainer.step(x)).losses.negElbo);
    }
    // The same update; only onnxruntime's summation order may differ between thread counts.
    expect(Math.abs(losses[0] - losses[1])).toBeLessThanOrEqual(1e-5 * Math.abs(losses[1]));
  });
});

describe('errors', () => {
  it('rejects bad options with LPC_INVALID_ARGUMENT naming the option', async () => {
    const lang = { steps: 4, stepSize: 0.05 };
    const bad: [string, () => Promise<unknown>][] = [
      ['unknown option', () => LpcTrainer.create({ decoder: DEC, langevin: lang, stepsize: 1 } as unknown as LpcTrainerOptions)],
      ['init encoder without one', () => LpcTrainer.create({ decoder: DEC, langevin: lang, init: 'encoder' })],
      ['objective without an encoder', () => LpcTrainer.create({ decoder: DEC, langevin: lang, encoderObjective: 'forward' })],
      ['burn-in with the last state', () => LpcTrainer.create({ decoder: DEC, langevin: lang, thetaGrad: 'last', burnIn: 2 })],
      ['keep inside langevin', () => LpcTrainer.create({ decoder: DEC, langevin: { ...lang, keep: {} } as LpcTrainerOptions['langevin'] })],
      ['burn-in past the steps', () => LpcTrainer.create({ decoder: DEC, langevin: lang, burnIn: 4 })],
      ['a VAE without an encoder', () => VaeTrainer.create({ decoder: DEC } as unknown as Parameters<typeof VaeTrainer.create>[0])],
      ['iwae 0', () => VaeTrainer.create({ decoder: DEC, encoder: ENC, iwae: 0 })],
      ['an encoder of another latent size', () => VaeTrainer.create({ decoder: DEC, encoder: mlpEncoder({ ...NET, latentDim: 5 }) })],
      ['a negative seed', () => VaeTrainer.create({ decoder: DEC, encoder: ENC, seed: -1 })],
      ['an unknown spec kind', () => VaeTrainer.create({ decoder: { kind: 'rnn' } as unknown as typeof DEC, encoder: ENC })],
    ];
    for (const [what, make] of bad) await expect(make(), what).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });

  it('refuses runs without a limit or on data of another shape, a second concurrent update, and use after dispose', async () => {
    const trainer = await VaeTrainer.create({ decoder: DEC, encoder: ENC, seed: 7, threads: 1 });
    await expect(trainer.run({ data: data(), batchSize: 20 }).next()).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(trainer.run({ data: data(), batchSize: 0, updates: 1 }).next()).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const small = { ...data(), shape: [1, 14, 56] as const };
    await expect(trainer.run({ data: small, batchSize: 20, updates: 1 }).next()).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const run = trainer.run({ data: data(), batchSize: 20, updates: 2 });
    await run.next();
    await expect(trainer.step(new Float32Array(784))).rejects.toMatchObject({ code: 'LPC_INVALID_STATE' });
    expect(() => trainer.setState(trainer.getState())).toThrow(expect.objectContaining({ code: 'LPC_INVALID_STATE' }));
    await run.return();
    await trainer.dispose();
    await trainer.dispose();
    expect(() => trainer.getState()).toThrow(expect.objectContaining({ code: 'LPC_DISPOSED' }));
    await expect(trainer.step(new Float32Array(784))).rejects.toMatchObject({ code: 'LPC_DISPOSED' });
  });
});

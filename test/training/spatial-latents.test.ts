/**
 * Training with spatial latents: the conv builder's decoder with a [2, 7, 7] latent (and its encoder, which
 * outputs flat rows of 98) trains under Langevin PC and as a VAE, both lowering their losses on MNIST images.
 */
import { describe, expect, it } from 'vitest';
import { convSpatialDecoder, convSpatialEncoder } from '../../lib/models/conv-spatial.js';
import { exportDecoder } from '../../lib/models/export.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { LpcTrainer } from '../../lib/training/lpc-trainer.js';
import type { Trainer } from '../../lib/training/trainer.js';
import type { UpdateEvent } from '../../lib/training/events.js';
import { VaeTrainer } from '../../lib/training/vae-trainer.js';
import { firstImages, mnist } from './support/data.js';

const SHAPES = { latentShape: [2, 7, 7], imageShape: [1, 28, 28] as const, channels: [8, 8] };

async function train(trainer: Trainer, n: number): Promise<UpdateEvent[]> {
  const out: UpdateEvent[] = [];
  for await (const e of trainer.run({ data: firstImages(mnist().train, 60), batchSize: 20, updates: n })) if (e.type === 'update') out.push(e);
  return out;
}

const mean = (values: number[]) => values.reduce((a, v) => a + v, 0) / values.length;

describe('training with a spatial latent', () => {
  it('Langevin PC from the prior lowers the energy and exports a decoder that keeps the latent shape', async () => {
    const decoder = convSpatialDecoder({ ...SHAPES, seed: 1 });
    await using trainer = await LpcTrainer.create({ decoder, langevin: { steps: 10, stepSize: 0.05 }, optimizer: { lr: 3e-3 }, binarize: true, seed: 1, threads: 1 });
    const events = await train(trainer, 30);
    const energies = events.map((e) => e.meanEnergy);
    expect(energies.every(Number.isFinite)).toBe(true);
    // Measured: ~660 nats over the first five updates, ~300 over the last five; batches differ by ~15 nats.
    expect(mean(energies.slice(-5))).toBeLessThan(mean(energies.slice(0, 5)) - 100);
    const reloaded = await loadDecoder(exportDecoder(trainer.decoder), { imageShape: [1, 28, 28] });
    expect(reloaded.latentShape).toEqual([2, 7, 7]);
  });

  it('the VAE with the spatial encoder lowers its negative ELBO', async () => {
    const decoder = convSpatialDecoder({ ...SHAPES, seed: 2 });
    const encoder = convSpatialEncoder({ ...SHAPES, seed: 3 });
    await using trainer = await VaeTrainer.create({ decoder, encoder, optimizer: { lr: 3e-3 }, binarize: true, seed: 2, threads: 1 });
    const events = await train(trainer, 30);
    const losses = events.map((e) => e.losses.negElbo!);
    expect(losses.every(Number.isFinite)).toBe(true);
    // Measured: ~690 nats over the first five updates, ~310 over the last five.
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 100);
  });
});

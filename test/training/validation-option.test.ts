/**
 * The trainers' `validation` option: run() trains on the data's training part only (splitValidation), so an
 * epoch is shorter by the held-out images.
 */
import { describe, expect, it } from 'vitest';
import { createImageSet } from '../../lib/data/image-set.js';
import { VaeTrainer } from '../../lib/training/vae-trainer.js';

const NET = { latentDim: 2, imageShape: [1, 2, 2] as const, hidden: [4] };

// 100 images: the last 10 form the validation part.
const data = createImageSet({
  name: 'ramp',
  count: 100,
  shape: [1, 2, 2],
  images: Float32Array.from({ length: 400 }, (_, i) => (i % 7) / 7),
  labels: null,
  range: [0, 1],
});

async function updatesInOneEpoch(validation: boolean): Promise<number> {
  await using trainer = await VaeTrainer.create({ decoder: { kind: 'mlp', options: NET }, encoder: { kind: 'mlp', options: NET }, seed: 1, threads: 1, validation });
  let updates = 0;
  for await (const event of trainer.run({ data, batchSize: 30, epochs: 1 })) if (event.type === 'update') updates++;
  return updates;
}

describe('trainer option validation', () => {
  it('holds out the last tenth: one epoch of 100 images in batches of 30 is 3 updates instead of 4', async () => {
    expect(await updatesInOneEpoch(false)).toBe(4);
    expect(await updatesInOneEpoch(true)).toBe(3);
  });

  it('refuses a value that is not a boolean', async () => {
    await expect(VaeTrainer.create({ decoder: { kind: 'mlp', options: NET }, encoder: { kind: 'mlp', options: NET }, validation: 'yes' as never })).rejects.toMatchObject({
      code: 'LPC_INVALID_ARGUMENT',
    });
  });
});

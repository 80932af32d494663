/**
 * Decoders with spatial latents [batch, C, h, w]: chains hold flat rows of d = C h w, the energy graph
 * reshapes them, and open spatial sizes are found from the images' size. Covers the conv builder's spatial
 * decoder and a PyTorch export with symbolic h and w (scripts/export-spatial-decoder.py).
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { convSpatialDecoder, convSpatialEncoder } from '../../lib/models/conv-spatial.js';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import type { Decoder } from '../../lib/models/networks.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { batch, expectClose, expectGradientsMatchFloat32 } from '../likelihoods/support.js';

const TORCH_DECODER = new URL('./fixtures/spatial-decoder.onnx', import.meta.url).pathname;

/** Random biases move ReLUs off their kink at zero, where finite differences average two slopes. */
function offKinks(decoder: Decoder): Decoder {
  const rng = new Mulberry32(41);
  for (const p of decoder.params) if (p.name.endsWith('.bias')) p.data.set(rng.normals(p.data.length, 0.1));
  return decoder;
}

describe('spatial latents', () => {
  it('the PyTorch decoder with symbolic h, w: the latent shape is found from the images and refused for sizes it cannot produce', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, 28, 28], range: '01' });
    expect(decoder.latentShape).toEqual([4, 7, 7]);
    expect(decoder.latentDim).toBe(196);
    const wide = await loadDecoder(TORCH_DECODER, { imageShape: [1, 16, 24], range: '01' });
    expect(wide.latentShape).toEqual([4, 4, 6]);
    await expect(loadDecoder(TORCH_DECODER, { imageShape: [1, 30, 30], range: '01' })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('4, 8, 12') });
    await expect(loadDecoder(TORCH_DECODER, { range: '01' })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const forced = await loadDecoder(TORCH_DECODER, { imageShape: [1, 12, 12], latentShape: [4, 3, 3], range: '01' });
    expect(forced.latentDim).toBe(36);
    await expect(loadDecoder(TORCH_DECODER, { latentShape: [3, 3, 3], range: '01' })).rejects.toMatchObject({
      code: 'LPC_SHAPE_MISMATCH',
      message: expect.stringContaining('[batch, 4, height, width]'),
    });
  });

  it('the energy graph decodes the reshaped rows: its means equal the decoder run on [n, C, h, w]', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8], range: '01' });
    const data = batch(decoder, 2, 2, 'grey', 3);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.1 } } });
    await using means = await DecoderMeans.create(decoder);
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    // Same float32 operations in both graphs: agreement to rounding.
    expectClose(m.mean, await means.decode(data.z), 1e-6, 1e-6, 'mean');
  });

  it('the PyTorch decoder (Conv, SiLU, nearest Resize): dE/dz and dE/dtheta match finite differences', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8], range: '01' });
    const data = batch(decoder, 2, 2, 'grey', 4);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.2 } }, trainable: true });
    await expectGradientsMatchFloat32(model, data, 2);
  });

  it('the conv builder: a spatial decoder trains through energy gradients that match finite differences', async () => {
    const decoder = offKinks(convSpatialDecoder({ latentShape: [2, 4, 4], imageShape: [1, 16, 16], channels: [4, 4], seed: 3 }));
    expect(decoder.latentDim).toBe(32);
    const data = batch(decoder, 2, 2, 'binary', 5);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true });
    await expectGradientsMatchFloat32(model, data, 2);
  });

  it('the conv builder refuses image sizes that are not the latent size times a power of two', () => {
    expect(() => convSpatialDecoder({ latentShape: [2, 5, 5], imageShape: [1, 28, 28] })).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
    const encoder = convSpatialEncoder({ latentShape: [2, 7, 7], imageShape: [1, 28, 28], channels: [4, 4] });
    expect(encoder.latentDim).toBe(98);
    expect(encoder.model.graph.outputs.map((o) => o.shape)).toEqual([
      ['batch', 98],
      ['batch', 98],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { reconstruct, sampleGridPng, sampleImages } from '../../lib/eval/reconstruction.js';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { mlpDecoder } from '../../lib/models/mlp.js';
import { Rng } from '../../lib/native/rng.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { LinearGaussian } from './support/linear-gaussian.js';

describe('samples and reconstructions', () => {
  it('decodes z ~ N(0, I) from the generator into [0, 1] images, and grids them as PNG', async () => {
    const lg = new LinearGaussian(3, [1, 4, 4], 0.5);
    const model = await lg.energyModel();
    const images = await sampleImages(model, 10, new Rng({ seed: 1 }));
    const z = new Rng({ seed: 1 }).normal(30);
    for (let n = 0; n < 10; n++) {
      for (let i = 0; i < lg.D; i++) {
        let m = lg.c[i];
        for (let j = 0; j < 3; j++) m += lg.W[i * 3 + j] * z[n * 3 + j];
        // The decoder mean W z + c in float32 (3 products): ~1e-7 relative.
        expect(images[n * lg.D + i]).toBeCloseTo(m, 5);
      }
    }
    const png = PNG.sync.read(await sampleGridPng(model, 10, new Rng({ seed: 1 }), { columns: 5, padding: 1 }));
    // 5 columns x 2 rows of 4x4 cells with 1 pixel of padding around each.
    expect([png.width, png.height]).toEqual([5 * 4 + 6, 2 * 4 + 3]);
    await model.dispose();
  });

  it('maps a tanh decoder to [0, 1] and measures its reconstruction error in the [0, 1] scale', async () => {
    const decoder = mlpDecoder({ latentDim: 2, imageShape: [1, 3, 3], hidden: [6], output: 'tanh', seed: 2 });
    const model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.1 } }, threads: 1 });
    const r = new Mulberry32(3);
    const B = 4;
    const x = r.uniforms(B * 9, -1, 1);
    const z = r.normals(B * 2);
    const { mean } = await model.evaluateMetrics(x, B, z);
    const rec = await reconstruct(model, x, B, z);
    for (let b = 0; b < B; b++) {
      let mse = 0;
      for (let i = 0; i < 9; i++) {
        const unit = (mean[b * 9 + i] + 1) / 2;
        expect(rec.images[b * 9 + i]).toBeCloseTo(unit, 6);
        mse += (unit - (x[b * 9 + i] + 1) / 2) ** 2 / 9;
      }
      // float32 squared errors summed over 9 pixels: ~1e-6 relative.
      expect(rec.mse[b]).toBeCloseTo(mse, 6);
    }
    const samples = await sampleImages(model, 50, new Rng({ seed: 4 }));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1);
    await expect(reconstruct(model, x, B, z.subarray(1))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await model.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { mlpDecoder } from '../../lib/models/mlp.js';
import * as R from '../onnx/fixtures/reference.js';
import { pytorchConvDecoder } from '../onnx/fixtures/conv-models.js';
import { expectLpcErrorAsync } from '../support/expect-error.js';

describe('DecoderMeans', () => {
  it('decodes an exported NHWC conv decoder to NCHW means equal to its float64 reference', async () => {
    const fixture = pytorchConvDecoder(13, { latent: 3 }); // opset 13: Resize with scales, Pad with inputs
    const decoder = await loadDecoder(fixture.model);
    expect(decoder.layout).toBe('nhwc');
    const z = Float32Array.from({ length: 5 * 3 }, (_, i) => Math.cos(2.3 * i) * 1.5);
    const means = await DecoderMeans.create(decoder, { threads: 1 });
    const got = await means.decode(z);
    await means.dispose();
    const want = R.transpose(fixture.reference({ z: R.arr([5, 3], z) }).x_mean, [0, 3, 1, 2]); // NHWC -> NCHW
    expect(got.length).toBe(5 * 144);
    // float32 through a Linear, a ConvTranspose and a Conv of fan-in <= 18: a few ulps of values in (0, 1).
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want.data[i])).toBeLessThan(1e-5);
  });

  it('uses the parameter values of creation time, and throws coded errors on bad z and after dispose', async () => {
    const decoder = mlpDecoder({ latentDim: 2, imageShape: [1, 3, 3], hidden: [4], seed: 1 });
    const means = await DecoderMeans.create(decoder, { threads: 1 });
    const z = Float32Array.of(0.5, -1);
    const before = await means.decode(z);
    decoder.params.get('fc2.bias').data.fill(100); // a later in-place update does not reach the session
    expect(Array.from(await means.decode(z))).toEqual(Array.from(before));
    const updated = await DecoderMeans.create(decoder, { threads: 1 });
    for (const v of await updated.decode(z)) expect(v).toBeCloseTo(1, 6); // sigmoid of logits >= ~100
    await updated.dispose();
    await expectLpcErrorAsync(() => means.decode(new Float32Array(3)), 'LPC_SHAPE_MISMATCH', 'z');
    await means.dispose();
    await expectLpcErrorAsync(() => means.decode(z), 'LPC_DISPOSED');
    await expectLpcErrorAsync(() => DecoderMeans.create(decoder, { threads: 0 }), 'LPC_INVALID_ARGUMENT', 'threads');
  });
});

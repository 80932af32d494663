import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import type { GradRule } from '../../lib/onnx/ops/types.js';
import { floatAttr, type AttrInput } from '../../lib/onnx/builder.js';
import { scalarTensor } from '../../lib/onnx/tensor.js';
import { betaVaeDecoder } from './fixtures/beta-vae.js';
import { TorchExport } from './fixtures/torch-export.js';
import { pytorchConvDecoder } from './fixtures/conv-models.js';
import { WRONG_RULES } from './fixtures/wrong-rules.js';

/**
 * The float32 check's margins on the PyTorch-style conv decoder (z -> Gemm -> Relu -> view ->
 * ConvTranspose -> Relu -> Resize -> Pad -> Conv -> Sigmoid -> NHWC) and the 28x28 beta-VAE decoder. Each
 * wrong rule must fail on z and on every parameter upstream of the node it breaks, by a clear factor over
 * the tolerance, while the parameters downstream of it (whose gradients do not pass through the rule) stay
 * within half the tolerance, as in the correct model. Measured (relErr / tolerance, seed 0): correct models
 * <= 0.22 (conv) and 0.14 (beta-VAE); 1% Gemm 8.6 on z and >= 20 on its parameters (conv), >= 79 (beta-VAE);
 * wrong Resize, flipped Conv and pass-through Relu >= 680 (the check before this one passed the wrong
 * Resize, at 0.99 of its tolerance on z).
 */
interface Case {
  label: string;
  model: () => ReturnType<typeof pytorchConvDecoder>['model'];
  op: string;
  rule: GradRule;
  /** The smallest relErr / tolerance required of the failing tensors. */
  factor: number;
  failing: string[];
  passing: string[];
}

const conv = () => pytorchConvDecoder(17).model;
const upstream = ['z', 'decoder.fc.weight', 'decoder.fc.bias', 'decoder.deconv1.weight', 'decoder.deconv1.bias'];
const CASES: Case[] = [
  { label: 'Resize subsampling instead of the adjoint', model: conv, op: 'Resize', rule: WRONG_RULES.resizeSubsample, factor: 100, failing: upstream, passing: ['decoder.conv.weight', 'decoder.conv.bias'] },
  { label: 'Conv input gradient with the kernel flipped', model: conv, op: 'Conv', rule: WRONG_RULES.convFlipped, factor: 100, failing: upstream, passing: ['decoder.conv.weight', 'decoder.conv.bias'] },
  { label: 'Relu passing every gradient', model: conv, op: 'Relu', rule: WRONG_RULES.reluPassThrough, factor: 100, failing: upstream, passing: ['decoder.conv.weight', 'decoder.conv.bias'] },
  { label: 'Gemm 1% too large', model: conv, op: 'Gemm', rule: WRONG_RULES.gemmOnePercent, factor: 5, failing: ['z', 'decoder.fc.weight', 'decoder.fc.bias'], passing: ['decoder.deconv1.weight', 'decoder.conv.weight'] },
  {
    label: 'Gemm 1% too large, 28x28 beta-VAE decoder',
    model: () => betaVaeDecoder(17).model,
    op: 'Gemm',
    rule: WRONG_RULES.gemmOnePercent,
    factor: 5,
    failing: ['z', 'decoder.fc1.weight', 'decoder.fc1.bias', 'decoder.fc2.weight', 'decoder.fc2.bias'],
    passing: ['decoder.deconv1.weight', 'decoder.deconv2.bias'],
  },
];

describe('float32 gradient check margins', () => {
  for (const c of CASES) {
    it(`fails on z and the parameters upstream when the rule is wrong: ${c.label}`, async () => {
      const result = await checkGradients(c.model(), { batch: 2, precision: 'float32', overrides: { [c.op]: c.rule } });
      expect(result.ok).toBe(false);
      const ratio = Object.fromEntries(result.tensors.map((t) => [t.name, t.maxRelErr / result.tolerance]));
      for (const name of c.failing) expect(ratio[name], name).toBeGreaterThan(c.factor);
      for (const name of c.passing) expect(ratio[name], name).toBeLessThan(0.5);
    });
  }

  it('reports the measured noise and the allowance it gives each direction', async () => {
    const result = await checkGradients(conv(), { batch: 2, precision: 'float32', wrt: 'inputs' });
    const [z] = result.tensors;
    expect(z.noise).toBeGreaterThan(0);
    for (const d of z.directions) {
      // The allowance holds at least the 8 standard deviations of noise the rule names.
      expect(d.allowance).toBeGreaterThanOrEqual((8 * 1.08 * z.noise) / d.step);
      expect(Math.abs(d.numeric - d.analytic)).toBeLessThanOrEqual(result.tolerance * Math.abs(d.analytic) + d.allowance);
    }
    expect(result.rule).toMatch(/6th-order central difference/);
    expect(result.rule).toMatch(/frozen at the base point/);
    expect(result.rule).toMatch(/5th and 6th differences/);
  });

  // A 28x28 decoder whose activation is `act`: Linear -> act -> view -> ConvTranspose -> act -> ConvTranspose.
  const kinked = (act: string, attrs: Record<string, AttrInput>) => {
    const t = new TorchExport(17, 3);
    const activate = (v: string) => (act === 'Max' ? t.op('/d', 'Max', [v, t.constant('/d', scalarTensor('float32', 0.1))]) : t.op('/d', act, [v], attrs));
    let h = t.linear('/d', 'd.fc', t.input('z', ['batch_size', 4]), 4, 8 * 49);
    h = t.conv('ConvTranspose', '/d', 'd.deconv1', t.view('/d', activate(h), [8, 7, 7]), 8, 8, 4, 2, 1);
    t.output(t.conv('ConvTranspose', '/d', 'd.deconv2', activate(h), 8, 1, 4, 2, 1), 'y', ['batch_size', 1, 28, 28]);
    return t.model;
  };
  for (const [act, attrs] of [['Elu', { alpha: floatAttr(0.5) }], ['Selu', {}], ['Max', {}]] as const) {
    it(`keeps correct ${act} decoders within half the tolerance: the jump in slope at its kink is frozen too`, async () => {
      // Measured 0.06-0.16 of the tolerance; before these kinks were frozen the correct Elu and Max decoders
      // failed (1.07 and 1.53 of the tolerance) and Selu reached 0.64.
      const result = await checkGradients(kinked(act, attrs), { batch: 2 });
      expect(result.precision).toBe('float32');
      expect(result.maxRelErr).toBeLessThan(result.tolerance / 2);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { foldConstants } from '../../lib/onnx/fold.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { expectGradOk } from './support.js';
import { pytorchMlp, pytorchViewDecoder } from './fixtures.js';

describe('whole models exported the PyTorch way', () => {
  for (const opset of [9, 13, 17, 21, 22, 23]) {
    it(`MLP decoder (Gemm transB=1, ReLU, Sigmoid) at opset ${opset}: gradients for z and every parameter`, async () => {
      // Through the file format, as a user's export would arrive.
      const model = readModel(writeModel(pytorchMlp(opset, [4, 16, 16, 6])));
      expect(inferTypes(model).get('x_mean')?.shape).toEqual(['batch_size', 6]);
      const result = await expectGradOk(model, { batch: 3 });
      expect(result.tensors.map((t) => t.name)).toEqual(['z', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    });
  }

  it('Reshape whose target comes from Shape/Gather/Unsqueeze/Concat keeps a dynamic batch dynamic', async () => {
    const model = pytorchViewDecoder(13);
    expect(inferTypes(model).get('x_mean')?.shape).toEqual(['batch_size', 2, 2, 2]);
    const folded = model.clone();
    expect(foldConstants(folded)).toBe(0);
    expect(folded.graph.nodes.some((n) => n.opType === 'Shape')).toBe(true);
    await expectGradOk(model, { batch: 3 });
    // The same graph also runs at another batch size: nothing fixed the batch.
    await expectGradOk(model, { batch: 5 });
  });

  it('folds the same subgraph away when the batch is static', async () => {
    const model = pytorchViewDecoder(13, 4);
    const folded = model.clone();
    expect(foldConstants(folded)).toBeGreaterThan(0);
    expect(folded.graph.nodes.map((n) => n.opType)).not.toContain('Shape');
    expect(folded.graph.nodes.map((n) => n.opType)).not.toContain('Concat');
    await expectGradOk(folded);
  });

  it("energy-style objective: d/dz of the summed per-row energy is each row's own gradient", async () => {
    const model = pytorchMlp(17, [3, 8, 5]);
    const { model: grad, gradients } = buildGradientModel(model, { vjp: ['x_mean'], inputs: ['z'], params: ParameterSet.fromModel(model).names });
    expect([...gradients.values()]).toEqual(['grad_z', 'grad/fc1.weight', 'grad/fc1.bias', 'grad/fc2.weight', 'grad/fc2.bias']);
    expect(grad.graph.inputs.map((v) => v.name)).toEqual(['z', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'grad_in/x_mean']);
  });
});

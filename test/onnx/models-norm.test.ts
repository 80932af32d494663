import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { expectGradOk } from './support.js';
import { pytorchBatchNormMlp, pytorchNormClassifier } from './fixtures-norm.js';

const MLP_PARAMS = ['fc1.weight', 'fc1.bias', 'bn1.weight', 'bn1.bias', 'fc2.weight', 'fc2.bias', 'bn2.weight', 'bn2.bias', 'fc3.weight', 'fc3.bias'];
const RUNNING = ['bn1.running_mean', 'bn1.running_var', 'bn2.running_mean', 'bn2.running_var'];

describe('whole models with normalisation layers, exported the PyTorch way', () => {
  const mlpCases: [number, boolean][] = [[9, false], [14, false], [17, false], [9, true], [13, true], [15, true], [21, true]];
  for (const [opset, training] of mlpCases) {
    it(`MLP decoder Gemm -> BatchNormalization -> Relu, ${training ? 'training mode (batch statistics)' : 'eval mode (running statistics)'}, opset ${opset}`, async () => {
      const model = readModel(writeModel(pytorchBatchNormMlp(opset, [3, 8, 6, 4], training)));
      expect(inferTypes(model).get('x_mean')?.shape).toEqual(['batch_size', 4]);
      // Running statistics are frozen by default (estimated, not trained): the parameters are the rest.
      expect(ParameterSet.fromModel(model).names).toEqual(MLP_PARAMS);
      const all = ParameterSet.fromModel(model, { include: () => true }).names;
      expect(all.filter((n) => !MLP_PARAMS.includes(n))).toEqual(RUNNING);
      // At opset 9 the statistics are checked as well (their rules are also checked per operator).
      const everything = opset === 9;
      const result = await expectGradOk(model, { batch: 4, ...(everything ? { paramOptions: { include: () => true } } : {}) });
      expect(result.tensors.map((t) => t.name)).toEqual(['z', ...(everything ? all : MLP_PARAMS)]);
      expect(result.precision).toBe('float64');
      if (everything) {
        // Batch statistics make each row's output depend on the other rows; running statistics do not.
        const running = result.tensors.find((t) => t.name === 'bn1.running_mean')!;
        if (training) expect(running.directions.every((d) => d.analytic === 0 && d.numeric === 0)).toBe(true);
        else expect(running.directions.every((d) => d.analytic !== 0)).toBe(true);
      }
    });
  }

  for (const [opset, training] of [[13, false], [13, true], [17, false], [17, true]] as const) {
    it(`classifier with a 4-D BatchNormalization, ${opset >= 17 ? 'LayerNormalization' : 'decomposed LayerNorm'} and LogSoftmax, ${training ? 'training' : 'eval'} mode, opset ${opset}`, async () => {
      const model = readModel(writeModel(pytorchNormClassifier(opset, training)));
      const result = await expectGradOk(model, { batch: 3 });
      // onnxruntime's LeakyRelu has a double kernel from opset 16 only; before, the check runs in float32.
      expect(result.precision).toBe(opset >= 16 ? 'float64' : 'float32');
      expect(result.tensors).toHaveLength(1 + ParameterSet.fromModel(model).size);
    });
  }

  it('the emitted gradient graphs use standard ONNX operators of the default domain only', () => {
    for (const model of [pytorchBatchNormMlp(15, [3, 8, 4], true), pytorchNormClassifier(17, true)]) {
      const input = model.graph.inputs[0].name;
      const output = model.graph.outputs[0].name;
      const g = buildGradientModel(model, { vjp: [output], inputs: [input], params: ParameterSet.fromModel(model).names });
      for (const n of g.model.graph.nodes) {
        expect(n.domain).toBe('');
        expect(n.opType).not.toMatch(/Grad$/);
      }
    }
  });
});

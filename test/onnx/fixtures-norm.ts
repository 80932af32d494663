/**
 * Models with normalisation layers shaped the way torch.onnx.export writes them: parameters named
 * bn1.weight, bn1.bias, bn1.running_mean, bn1.running_var; a dynamic 'batch_size'; BatchNormalization in eval
 * mode with one output, and in training mode with five outputs before opset 14 (the extra ones left unused)
 * or training_mode=1 and three outputs from 14, momentum written as 1 - torch's 0.1.
 */
import { floatAttr, GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { int64Vector, makeTensor, scalarTensor } from '../../lib/onnx/tensor.js';

/** Appends Linear (Gemm transB=1) with parameters `<layer>.weight` [out, in] and `<layer>.bias` [out]. */
function linear(b: GraphBuilder, rng: Mulberry32, layer: string, h: string, fanIn: number, fanOut: number): string {
  const scale = 1 / Math.sqrt(fanIn);
  const w = b.initializer(`${layer}.weight`, makeTensor('float32', [fanOut, fanIn], rng.normals(fanOut * fanIn, scale)));
  const bias = b.initializer(`${layer}.bias`, makeTensor('float32', [fanOut], rng.normals(fanOut, scale)));
  return b.op('Gemm', [h, w, bias], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: `/${layer}/Gemm`, outputs: [`/${layer}/Gemm_output_0`] });
}

/** Appends BatchNorm over `channels` channels (eval or training form), with trained-looking statistics. */
function batchNorm(b: GraphBuilder, rng: Mulberry32, layer: string, h: string, channels: number, training: boolean): string {
  const p = (name: string, values: Float32Array) => b.initializer(`${layer}.${name}`, makeTensor('float32', [channels], values));
  const inputs = [
    h,
    p('weight', rng.uniforms(channels, 0.5, 1.5)),
    p('bias', rng.normals(channels, 0.2)),
    p('running_mean', rng.normals(channels, 0.3)),
    p('running_var', rng.uniforms(channels, 0.5, 2)),
  ];
  const opset = b.opset;
  const attrs = { epsilon: floatAttr(1e-5), momentum: floatAttr(0.9), ...(training && opset >= 14 ? { training_mode: 1 } : {}) };
  const count = !training ? 1 : opset < 14 ? 5 : 3;
  const outputs = Array.from({ length: count }, (_, i) => `/${layer}/BatchNormalization_output_${i}`);
  return b.node('BatchNormalization', inputs, attrs, { name: `/${layer}/BatchNormalization`, outputs })[0];
}

/** An MLP decoder z -> [Linear -> BatchNorm1d -> ReLU] x (layers - 2) -> Linear -> Sigmoid. */
export function pytorchBatchNormMlp(opset: number, sizes: number[], training: boolean, seed = 0): Model {
  const model = new Model(new Graph(), opset);
  model.meta.producerName = 'pytorch';
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(seed);
  let h = b.input('z', 'float32', ['batch_size', sizes[0]]);
  for (let i = 1; i < sizes.length; i++) {
    h = linear(b, rng, `fc${i}`, h, sizes[i - 1], sizes[i]);
    if (i === sizes.length - 1) break;
    h = batchNorm(b, rng, `bn${i}`, h, sizes[i], training);
    h = b.op('Relu', [h], {}, { name: `/relu${i}/Relu`, outputs: [`/relu${i}/Relu_output_0`] });
  }
  b.op('Sigmoid', [h], {}, { name: '/Sigmoid', outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch_size', sizes[sizes.length - 1]] });
  return model;
}

/**
 * A conv-free classifier head: x [batch_size, 6] -> Linear(12) -> view(-1, 2, 2, 3) -> BatchNorm2d -> LeakyReLU
 * -> flatten -> Linear(8) -> LayerNorm -> Tanh -> Linear(5) -> LogSoftmax. LayerNorm is LayerNormalization from
 * opset 17 and the ReduceMean/Sub/Pow/Sqrt/Div decomposition before, as PyTorch writes each.
 */
export function pytorchNormClassifier(opset: number, training: boolean, seed = 0): Model {
  const model = new Model(new Graph(), opset);
  model.meta.producerName = 'pytorch';
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(seed);
  const x = b.input('x', 'float32', ['batch_size', 6]);
  let h = linear(b, rng, 'fc1', x, 6, 12);
  h = b.op('Reshape', [h, b.constant(int64Vector([-1, 2, 2, 3]))], {}, { name: '/Reshape' });
  h = batchNorm(b, rng, 'bn', h, 2, training);
  h = b.op('LeakyRelu', [h], { alpha: floatAttr(0.1) }, { name: '/act/LeakyRelu' });
  h = b.op('Flatten', [h], { axis: 1 }, { name: '/Flatten' });
  h = linear(b, rng, 'fc2', h, 12, 8);
  const weight = b.initializer('ln.weight', makeTensor('float32', [8], rng.uniforms(8, 0.5, 1.5)));
  const bias = b.initializer('ln.bias', makeTensor('float32', [8], rng.normals(8, 0.2)));
  if (opset >= 17) h = b.op('LayerNormalization', [h, weight, bias], { axis: -1, epsilon: floatAttr(1e-5) }, { name: '/ln/LayerNormalization' });
  else {
    const mean = (v: string) => b.op('ReduceMean', [v], { axes: [-1], keepdims: 1 });
    const centred = b.op('Sub', [h, mean(h)], {}, { name: '/ln/Sub' });
    const variance = mean(b.op('Pow', [centred, b.constant(scalarTensor('float32', 2))]));
    const std = b.op('Sqrt', [b.op('Add', [variance, b.constant(scalarTensor('float32', 1e-5))])]);
    h = b.op('Add', [b.op('Mul', [b.op('Div', [centred, std]), weight]), bias]);
  }
  h = linear(b, rng, 'fc3', b.op('Tanh', [h]), 8, 5);
  b.op('LogSoftmax', [h], { axis: opset < 13 ? 1 : -1 }, { name: '/LogSoftmax', outputs: ['log_probs'] });
  model.graph.outputs.push({ name: 'log_probs', dtype: 'float32', shape: ['batch_size', 5] });
  return model;
}

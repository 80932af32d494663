/**
 * Models shaped the way torch.onnx.export writes them: node names like /fc1/Gemm, outputs like
 * /fc1/Gemm_output_0, parameters named fc1.weight, a dynamic 'batch_size' dim, Gemm with transB=1
 * (and explicit alpha/beta, as older exporters wrote them).
 */
import { floatAttr, GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { int64Vector, makeTensor } from '../../lib/onnx/tensor.js';

/** An MLP decoder z -> Linear -> ReLU -> ... -> Linear -> Sigmoid, exported at `opset`. */
export function pytorchMlp(opset: number, sizes: number[], seed = 0): Model {
  const model = new Model(new Graph(), opset);
  model.meta.producerName = 'pytorch';
  model.meta.producerVersion = '2.5.0';
  model.graph.name = 'main_graph';
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(seed);
  let h = b.input('z', 'float32', ['batch_size', sizes[0]]);
  for (let i = 1; i < sizes.length; i++) {
    const layer = `fc${i}`;
    // PyTorch's default init: uniform in +-1/sqrt(fan_in); normals of that scale serve the same purpose here.
    const scale = 1 / Math.sqrt(sizes[i - 1]);
    const w = b.initializer(`${layer}.weight`, makeTensor('float32', [sizes[i], sizes[i - 1]], rng.normals(sizes[i] * sizes[i - 1], scale)));
    const bias = b.initializer(`${layer}.bias`, makeTensor('float32', [sizes[i]], rng.normals(sizes[i], scale)));
    h = b.op('Gemm', [h, w, bias], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: `/${layer}/Gemm`, outputs: [`/${layer}/Gemm_output_0`] });
    if (i < sizes.length - 1) h = b.op('Relu', [h], {}, { name: `/relu${i}/Relu`, outputs: [`/relu${i}/Relu_output_0`] });
  }
  b.op('Sigmoid', [h], {}, { name: '/Sigmoid', outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch_size', sizes[sizes.length - 1]] });
  return model;
}

/**
 * A decoder whose Reshape target is computed from the input's shape, as exports of
 * `h.view(h.shape[0], C, H, W)` are: Shape -> Gather(0) -> Unsqueeze -> Concat(with C, H, W) -> Reshape.
 */
export function pytorchViewDecoder(opset: number, batch: number | string = 'batch_size', seed = 0): Model {
  const model = new Model(new Graph(), opset);
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(seed);
  const z = b.input('z', 'float32', [batch, 3]);
  const w = b.initializer('fc.weight', makeTensor('float32', [8, 3], rng.normals(24, 0.5)));
  const h = b.op('Gemm', [z, w, b.initializer('fc.bias', makeTensor('float32', [8], rng.normals(8, 0.5)))], { transB: 1 }, { name: '/fc/Gemm' });
  const shape = b.op('Shape', [h], {}, { name: '/Shape' });
  const n = b.op('Gather', [shape, b.constant(makeTensor('int64', [], BigInt64Array.of(0n)))], { axis: 0 }, { name: '/Gather' });
  const n1 = b.unsqueeze(n, [0]);
  const target = b.op('Concat', [n1, b.constant(int64Vector([2, 2, 2]))], { axis: 0 }, { name: '/Concat' });
  const view = b.op('Reshape', [h, target], {}, { name: '/Reshape' });
  const out = b.op('Tanh', [b.transpose(view, [0, 2, 3, 1])]);
  b.output(out, 'x_mean', 'float32', [batch, 2, 2, 2]);
  return model;
}

/**
 * Networks shaped the way torch.onnx.export writes them (node names like /fc1/Gemm, parameters fc1.weight,
 * Gemm with transB = 1 and explicit alpha/beta, a dynamic 'batch_size', views through Shape/Gather/
 * Unsqueeze/Concat), with the layouts and heads the loaders must detect: NHWC image outputs (a permute at the
 * end), a Sigmoid before or after that permute, encoders with log-variance outputs or one joint output.
 */
import { floatAttr, GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { int64Vector, makeTensor } from '../../lib/onnx/tensor.js';

/** A PyTorch-style Linear. */
function linear(b: GraphBuilder, rng: Mulberry32, x: string, name: string, inF: number, outF: number): string {
  const scale = 1 / Math.sqrt(inF);
  const w = b.initializer(`${name}.weight`, makeTensor('float32', [outF, inF], rng.normals(outF * inF, scale)));
  const bias = b.initializer(`${name}.bias`, makeTensor('float32', [outF], rng.normals(outF, scale)));
  return b.op('Gemm', [x, w, bias], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: `/${name}/Gemm`, outputs: [`/${name}/Gemm_output_0`] });
}

/** Options of the decoder fixture. */
export interface DecoderFixture {
  opset?: number;
  /** 'after': permute then Sigmoid (the head is the output); 'before': Sigmoid then permute; 'tanh'; 'none': linear. */
  head?: 'after' | 'before' | 'tanh' | 'none';
  /** Leave the latent size symbolic. */
  dynamicLatent?: boolean;
  seed?: number;
}

/**
 * z [batch_size, 4] -> fc1 -> ReLU -> fc2 -> view(B, 3, 6, 5) -> permute(0, 2, 3, 1) -> image [batch_size, 6, 5, 3]
 * (NHWC), with the head placed as asked. The NCHW image of chain c is pre-activation fc2(c) in its own order.
 */
export function pytorchNhwcDecoder(options: DecoderFixture = {}): Model {
  const model = new Model(new Graph(), options.opset ?? 17);
  model.meta.producerName = 'pytorch';
  model.graph.name = 'main_graph';
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(options.seed ?? 3);
  const z = b.input('z', 'float32', ['batch_size', options.dynamicLatent ? 'latent' : 4]);
  let h = b.op('Relu', [linear(b, rng, z, 'fc1', 4, 12)], {}, { name: '/relu/Relu' });
  h = linear(b, rng, h, 'fc2', 12, 90);
  const n = b.unsqueeze(b.op('Gather', [b.shapeOf(h), b.constant(makeTensor('int64', [], BigInt64Array.of(0n)))], { axis: 0 }, { name: '/Gather' }), [0]);
  h = b.op('Reshape', [h, b.op('Concat', [n, b.constant(int64Vector([3, 6, 5]))], { axis: 0 }, { name: '/Concat' })], {}, { name: '/Reshape' });
  const head = options.head ?? 'after';
  if (head === 'before') h = b.op('Sigmoid', [h], {}, { name: '/Sigmoid' });
  h = b.op('Transpose', [h], { perm: [0, 2, 3, 1] }, { name: '/Transpose' });
  if (head === 'after') h = b.op('Sigmoid', [h], {}, { name: '/Sigmoid' });
  if (head === 'tanh') h = b.op('Tanh', [h], {}, { name: '/Tanh' });
  b.output(h, 'output', 'float32', ['batch_size', 6, 5, 3]);
  return model;
}

/** Options of the encoder fixture. */
export interface EncoderFixture {
  /** 'two': outputs (mu, logvar) named by `names`; 'joint': one [batch, 2d] output. */
  outputs?: 'two' | 'joint';
  names?: [string, string];
  /** 'nhwc': the input is [batch_size, 6, 5, 3] and permuted to NCHW inside. */
  layout?: 'nchw' | 'nhwc';
  seed?: number;
}

/**
 * x [batch_size, 3, 6, 5] (or NHWC) -> flatten -> fc1 -> ReLU -> fc_mu, fc_logvar [batch_size, 4]
 * (or one fc_out of 8 holding both).
 */
export function pytorchEncoder(options: EncoderFixture = {}): Model {
  const model = new Model(new Graph(), 17);
  model.meta.producerName = 'pytorch';
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(options.seed ?? 4);
  let x = b.input('input', 'float32', options.layout === 'nhwc' ? ['batch_size', 6, 5, 3] : ['batch_size', 3, 6, 5]);
  if (options.layout === 'nhwc') x = b.op('Transpose', [x], { perm: [0, 3, 1, 2] }, { name: '/Transpose' });
  const flat = b.op('Flatten', [x], { axis: 1 }, { name: '/Flatten' });
  const h = b.op('Relu', [linear(b, rng, flat, 'fc1', 90, 10)], {}, { name: '/relu/Relu' });
  if (options.outputs === 'joint') {
    b.output(linear(b, rng, h, 'fc_out', 10, 8), 'output', 'float32', ['batch_size', 8]);
    return model;
  }
  const [muName, varName] = options.names ?? ['mu', 'logvar'];
  b.output(linear(b, rng, h, 'fc_mu', 10, 4), muName, 'float32', ['batch_size', 4]);
  b.output(linear(b, rng, h, 'fc_logvar', 10, 4), varName, 'float32', ['batch_size', 4]);
  return model;
}

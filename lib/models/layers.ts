/**
 * Layer helpers for the network builders: each adds its parameters as initializers named the way PyTorch
 * names them (`fc1.weight`, `conv1.bias`) and its nodes named `/fc1/Gemm`, so that built models read like
 * exported ones and export back the same way.
 */
import { GraphBuilder } from '../onnx/builder.js';
import { makeTensor } from '../onnx/tensor.js';
import { initStd, WeightInit, type InitScheme } from './init.js';

/** The activation after a hidden layer. ReLU is the default everywhere. */
export type Activation = 'relu' | 'tanh' | 'elu';

/** Checks an activation name (the builders' options are user input). */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'elu'];

/** Geometry of a square convolution. */
export interface ConvGeometry {
  kernel: number;
  stride: number;
  /** Padding on each side (the same begin and end). */
  pad: number;
}

/** Appends layers with freshly initialised parameters, drawn from its own seeded WeightInit (dispose it when done). */
export class LayerWriter {
  readonly init: WeightInit;

  constructor(
    readonly b: GraphBuilder,
    seed: number | bigint,
  ) {
    this.init = new WeightInit(seed);
  }

  /** y = x W^T + b (Gemm, transB = 1, W [out, in]), PyTorch's Linear. */
  dense(x: string, name: string, inFeatures: number, outFeatures: number, scheme: InitScheme): string {
    const w = this.param(`${name}.weight`, [outFeatures, inFeatures], initStd(scheme, inFeatures, outFeatures));
    const bias = this.param(`${name}.bias`, [outFeatures], 0);
    return this.b.op('Gemm', [x, w, bias], { transB: 1 }, { name: `/${name}/Gemm` });
  }

  /** A strided convolution, W [out, in, k, k]. */
  conv(x: string, name: string, cin: number, cout: number, g: ConvGeometry, scheme: InitScheme): string {
    const area = g.kernel * g.kernel;
    const w = this.param(`${name}.weight`, [cout, cin, g.kernel, g.kernel], initStd(scheme, cin * area, cout * area));
    const bias = this.param(`${name}.bias`, [cout], 0);
    const attrs = { kernel_shape: [g.kernel, g.kernel], strides: [g.stride, g.stride], pads: [g.pad, g.pad, g.pad, g.pad] };
    return this.b.op('Conv', [x, w, bias], attrs, { name: `/${name}/Conv` });
  }

  /**
   * A transposed convolution, W [in, out, k, k]. Each output pixel sums cin * (k / stride)^2 products,
   * which is the fan-in the initialisation uses.
   */
  convTranspose(x: string, name: string, cin: number, cout: number, g: ConvGeometry, scheme: InitScheme): string {
    const taps = (g.kernel / g.stride) ** 2;
    const w = this.param(`${name}.weight`, [cin, cout, g.kernel, g.kernel], initStd(scheme, cin * taps, cout * taps));
    const bias = this.param(`${name}.bias`, [cout], 0);
    const attrs = { kernel_shape: [g.kernel, g.kernel], strides: [g.stride, g.stride], pads: [g.pad, g.pad, g.pad, g.pad] };
    return this.b.op('ConvTranspose', [x, w, bias], attrs, { name: `/${name}/ConvTranspose` });
  }

  /** The activation `kind` applied to x. */
  activation(x: string, kind: Activation, name: string): string {
    const op = kind === 'relu' ? 'Relu' : kind === 'tanh' ? 'Tanh' : 'Elu';
    return this.b.op(op, [x], {}, { name: `/${name}/${op}` });
  }

  /** A parameter initializer: normals of standard deviation `std`, or zeros for std = 0 (biases). */
  private param(name: string, dims: number[], std: number): string {
    const count = dims.reduce((p, d) => p * d, 1);
    const data = std === 0 ? new Float32Array(count) : this.init.normal(count, std);
    return this.b.initializer(name, makeTensor('float32', dims, data));
  }

  [Symbol.dispose](): void {
    this.init.dispose();
  }
}

/** The init scheme of a layer followed by `next` (He before ReLU, Glorot otherwise). */
export function schemeBefore(next: Activation | 'none'): InitScheme {
  return next === 'relu' ? 'he' : 'glorot';
}

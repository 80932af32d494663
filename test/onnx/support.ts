/**
 * Helpers for the ONNX tests: build small models with the GraphBuilder and run the gradient check on them.
 */
import { expect } from 'vitest';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { checkGradients, type GradCheckOptions, type GradCheckResult } from '../../lib/onnx/check-grad.js';
import type { DType } from '../../lib/onnx/dtype.js';
import { Graph, Model, type Dim } from '../../lib/onnx/ir.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { makeTensor, type Tensor } from '../../lib/onnx/tensor.js';

/** A model at `opset` built by `build`, which declares inputs and outputs through the builder. */
export function opModel(opset: number, build: (b: GraphBuilder) => void): Model {
  const model = new Model(new Graph(), opset);
  build(new GraphBuilder(model));
  return model;
}

/** A float32 tensor of standard normals (scaled), from a fixed seed. */
export function randn(dims: number[], seed = 1, scale = 1): Tensor {
  const n = dims.reduce((p, d) => p * d, 1);
  return makeTensor('float32', dims, new Mulberry32(seed).normals(n, scale));
}

/** A float32 tensor of uniforms in [lo, hi). */
export function uniform(dims: number[], lo: number, hi: number, seed = 1): Tensor {
  const n = dims.reduce((p, d) => p * d, 1);
  return makeTensor('float32', dims, new Mulberry32(seed).uniforms(n, lo, hi));
}

/** Declares a float32 input. */
export function input(b: GraphBuilder, name: string, shape: Dim[], dtype: DType = 'float32'): string {
  return b.input(name, dtype, shape);
}

/** Runs the gradient check and expects it to pass; returns the result for further assertions. */
export async function expectGradOk(model: Model, options: GradCheckOptions = {}): Promise<GradCheckResult> {
  const result = await checkGradients(model, options);
  if (!result.ok) {
    const bad = result.tensors.filter((t) => t.maxRelErr > result.tolerance).map((t) => `${t.name}: ${t.maxRelErr.toExponential(2)} ${JSON.stringify(t.directions)}`);
    expect.fail(`gradient check failed (${result.precision}, tolerance ${result.tolerance}): ${bad.join('; ')}`);
  }
  expect(result.maxRelErr).toBeLessThanOrEqual(result.tolerance);
  return result;
}

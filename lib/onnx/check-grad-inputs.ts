/**
 * The base point of a gradient check: values for the model's inputs, given (a TensorProto file, a list of
 * numbers) or drawn. Drawn values come from the first of a few distributions at which the model and its
 * gradient are finite (check-grad.ts tries them in order): standard normals suit most networks, but Sqrt,
 * Log or a fractional Pow are not finite at negative values, and Acos or Atanh not beyond 1, so positive and
 * then (0, 1) values follow. Their ranges keep every stencil point (at most 3 h |v| ~ 0.13 away) inside.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TensorProtoSchema } from 'onnx-buf';
import { LpcError } from '../errors.js';
import { isFloat, type DType } from './dtype.js';
import type { inferTypes } from './infer.js';
import type { Model, ValueInfo } from './ir.js';
import type { Mulberry32 } from './mulberry32.js';
import { makeTensor, sizeOf, tensorOf, toNumbers, type Tensor } from './tensor.js';
import { tensorFromProto } from './tensor-proto.js';

/** A distribution for drawn inputs. */
export interface InputDomain {
  /** How the report names it. */
  readonly description: string;
  draw(rng: Mulberry32, n: number): Float32Array;
}

/** The distributions tried, in order (see the file comment). */
export const INPUT_DOMAINS: readonly InputDomain[] = [
  { description: 'standard normal', draw: (rng, n) => rng.normals(n) },
  { description: 'uniform on [0.5, 1.5]', draw: (rng, n) => rng.uniforms(n, 0.5, 1.5) },
  { description: 'uniform on [0.3, 0.7]', draw: (rng, n) => rng.uniforms(n, 0.3, 0.7) },
];

/** Largest input the check invents (elements). */
const MAX_INPUT_ELEMENTS = 1 << 24;

/** The inputs the model is fed (graph inputs without an initializer of their name). */
export function feedInputs(model: Model): ValueInfo[] {
  return model.graph.inputs.filter((v) => !model.graph.initializers.has(v.name));
}

/** The static dims of an input, symbolic ones taken as `batch`; LPC_INVALID_ARGUMENT when unknown. */
export function inputDims(v: ValueInfo, types: ReturnType<typeof inferTypes>, batch: number): number[] {
  const shape = v.shape ?? types.get(v.name)?.shape ?? null;
  if (shape === null || shape.some((d) => d === null)) throw new LpcError('LPC_INVALID_ARGUMENT', `input '${v.name}' has an unknown shape; give its value (--input or --inputs)`);
  const dims = shape.map((d) => (typeof d === 'number' ? d : batch));
  if (sizeOf(dims) > MAX_INPUT_ELEMENTS) throw new LpcError('LPC_INVALID_ARGUMENT', `input '${v.name}' would have ${sizeOf(dims)} elements (dims [${dims.join(', ')}]); use a smaller --batch`);
  return dims;
}

/**
 * Values for every fed input: `given` ones converted to the declared element type, float ones drawn from
 * `domain`. Other inputs without a value are a coded error.
 */
export function makeInputs(model: Model, types: ReturnType<typeof inferTypes>, given: Record<string, Tensor>, batch: number, rng: Mulberry32, domain: InputDomain): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const v of feedInputs(model)) {
    if (given[v.name] !== undefined) {
      feeds[v.name] = asDeclared(given[v.name], v);
      continue;
    }
    const dims = inputDims(v, types, batch);
    if (v.dtype !== 'float32' && v.dtype !== 'float64')
      throw new LpcError('LPC_INVALID_ARGUMENT', `input '${v.name}' has element type ${v.dtype ?? 'unknown'}; give its value (--input ${v.name}=... or --inputs)`);
    const data = domain.draw(rng, sizeOf(dims));
    feeds[v.name] = v.dtype === 'float64' ? makeTensor('float64', dims, Float64Array.from(data)) : makeTensor('float32', dims, data);
  }
  return feeds;
}

/** A given value in the input's declared element type (its dims must fit the declared static ones). */
function asDeclared(t: Tensor, v: ValueInfo): Tensor {
  if (v.shape !== null && (v.shape.length !== t.dims.length || v.shape.some((d, i) => typeof d === 'number' && d !== t.dims[i]))) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the value given for input '${v.name}' has dims [${t.dims.join(', ')}]; the input is [${v.shape.map((d) => d ?? '?').join(', ')}]`);
  }
  const dtype = v.dtype ?? t.dtype;
  if (dtype === t.dtype) return t;
  if (dtype === 'float16' || dtype === 'bfloat16' || t.dtype === 'float16' || t.dtype === 'bfloat16') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the value given for input '${v.name}' is ${t.dtype}; the input is ${dtype}`);
  }
  const values = toNumbers(t);
  if (!isFloat(dtype) && values.some((x) => !Number.isInteger(x))) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the value given for input '${v.name}' has non-integer elements; the input is ${dtype}`);
  }
  return tensorOf(dtype, t.dims, values);
}

/**
 * The tensor for `--input name=v1,v2,...`: the input's declared element type and dims (symbolic ones taken
 * as `batch`); one value fills every element.
 */
export function inputFromValues(model: Model, types: ReturnType<typeof inferTypes>, name: string, values: readonly number[], batch: number): Tensor {
  const v = feedInputs(model).find((i) => i.name === name);
  if (v === undefined)
    throw new LpcError(
      'LPC_NOT_FOUND',
      `the model has no input '${name}' (inputs: ${feedInputs(model)
        .map((i) => i.name)
        .join(', ')})`,
    );
  const dims = inputDims(v, types, batch);
  const count = sizeOf(dims);
  if (values.length !== 1 && values.length !== count) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `--input ${name} has ${values.length} values; the input has dims [${dims.join(', ')}] (${count} values, or give one to fill it)`);
  }
  const dtype: DType = v.dtype ?? 'float32';
  if (dtype === 'float16' || dtype === 'bfloat16') throw new LpcError('LPC_INVALID_ARGUMENT', `input '${name}' is ${dtype}; give its value with --inputs`);
  if (!isFloat(dtype) && values.some((x) => !Number.isSafeInteger(x))) throw new LpcError('LPC_INVALID_ARGUMENT', `--input ${name} needs integers (the input is ${dtype})`);
  return tensorOf(dtype, dims, values.length === 1 ? new Array<number>(count).fill(values[0]) : values);
}

/**
 * The inputs stored in `dir` as ONNX TensorProto files named input_0.pb, input_1.pb, ... (the layout of
 * ONNX's own test data sets). A tensor's name picks the input; unnamed ones are taken in input order.
 */
export function readInputsDir(model: Model, dir: string): Record<string, Tensor> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^input_\d+\.pb$/.test(f));
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `cannot read the inputs folder '${dir}': ${(error as Error).message}`, { cause: error });
  }
  if (files.length === 0) throw new LpcError('LPC_NOT_FOUND', `the inputs folder '${dir}' has no input_0.pb, input_1.pb, ... files`);
  files.sort((a, b) => Number(a.slice(6, -3)) - Number(b.slice(6, -3)));
  const inputs = feedInputs(model);
  const out: Record<string, Tensor> = {};
  for (const [i, file] of files.entries()) {
    let proto;
    try {
      proto = fromBinary(TensorProtoSchema, readFileSync(path.join(dir, file)));
    } catch (error) {
      throw new LpcError('LPC_INVALID_ARGUMENT', `${path.join(dir, file)} is not an ONNX TensorProto: ${(error as Error).message}`, { cause: error });
    }
    const name = proto.name !== '' ? proto.name : inputs[i]?.name;
    if (name === undefined || !inputs.some((v) => v.name === name)) {
      throw new LpcError('LPC_NOT_FOUND', `${path.join(dir, file)} holds '${name ?? `input ${i}`}', which is not an input of the model (inputs: ${inputs.map((v) => v.name).join(', ')})`);
    }
    out[name] = tensorFromProto(proto, path.join(dir, file));
  }
  return out;
}

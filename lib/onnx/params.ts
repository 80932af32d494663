/**
 * Trainable parameters: the weights among a model's floating-point initializers, by name, as Float32Arrays
 * with shapes. For training they are promoted to graph inputs (fed every run); frozen ones stay
 * initializers, which onnxruntime prepacks. Integer initializers (shapes, indices) always stay constants,
 * and so, by default, do float initializers that only configure the graph (weights.ts: Resize scales,
 * BatchNormalization running statistics, Clip bounds, Pow exponents).
 *
 * A rank-0 weight is a parameter (a learned scalar gain or temperature) unless its name is one exporters
 * give the scalar constants they fold into initializers: torch's dynamo exporter writes the 0.5 of `x * 0.5`
 * as an initializer 'val_5' that the graph multiplies like any weight, and only the name tells them apart.
 */
import { LpcError } from '../errors.js';
import type { Model } from './ir.js';
import { formatDims, type Tensor } from './tensor.js';
import { weightInitializers } from './weights.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** One parameter: its values (always float32 here, whatever the file stores) and shape. */
export interface Parameter {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
  /** The element type in the model file (values are written back in it). */
  readonly dtype: 'float32' | 'float64';
}

/** Options of ParameterSet.fromModel. */
export interface ParameterOptions {
  /**
   * Which float initializers are parameters (replacing the default rule; `() => true` takes them all).
   * Default: weights (weights.ts) that isTrainableInitializer accepts.
   */
  include?: (name: string, t: Tensor) => boolean;
}

/** Every key of ParameterOptions (a misspelt option is refused, not ignored). */
const PARAMETER_KEYS = { include: true } satisfies OptionKeys<ParameterOptions>;

/**
 * Names of the scalar constants exporters fold into initializers: torch dynamo's 'val_3' and '_val_3',
 * TorchScript's 'onnx::Mul_12' and '/decoder/Constant_output_0', tf2onnx's 'const_fold_opt__12' and 'Const:0'.
 */
const FOLDED_CONSTANT_NAME = /^(_?val_\d+|onnx::.*|\/.*|.*_output_\d+|const_fold_opt__\d+|.*Const(_\d+)?:\d+)$/;

/**
 * The type and name part of the default rule: float32/float64 initializers of rank 1 or more, and rank-0
 * ones not named like a folded constant (see the file comment).
 */
export function isTrainableInitializer(name: string, t: Tensor): boolean {
  return (t.dtype === 'float32' || t.dtype === 'float64') && (t.dims.length > 0 || !FOLDED_CONSTANT_NAME.test(name));
}

/**
 * Named parameters with their values.
 *
 * @example
 * const params = ParameterSet.fromModel(model);
 * params.get('fc1.weight').data[0] += 0.1;
 * params.names; // ['fc1.weight', 'fc1.bias', ...]
 */
export class ParameterSet {
  private readonly map = new Map<string, Parameter>();

  /** The parameters of a model, in initializer order (values are copied). */
  static fromModel(model: Model, options: ParameterOptions = {}): ParameterSet {
    checkKnownKeys(options, PARAMETER_KEYS, 'ParameterSet.fromModel');
    let include = options.include;
    if (include === undefined) {
      const weights = weightInitializers(model);
      include = (name, t) => weights.has(name) && isTrainableInitializer(name, t);
    }
    const set = new ParameterSet();
    for (const [name, t] of model.graph.initializers) {
      if ((t.dtype === 'float32' || t.dtype === 'float64') && include(name, t)) {
        set.map.set(name, { name, dims: [...t.dims], data: Float32Array.from(t.data as Float32Array | Float64Array), dtype: t.dtype });
      }
    }
    return set;
  }

  /**
   * A set of the given parameters, sharing their arrays (updates through one set show in the other).
   * Throws LPC_INVALID_ARGUMENT when two have the same name.
   */
  static of(params: Iterable<Parameter>): ParameterSet {
    const set = new ParameterSet();
    for (const p of params) {
      if (set.map.has(p.name)) throw new LpcError('LPC_INVALID_ARGUMENT', `two parameters are named '${p.name}'`);
      set.map.set(p.name, p);
    }
    return set;
  }

  /** Parameter names, in order. */
  get names(): string[] {
    return [...this.map.keys()];
  }

  /** Number of parameters (tensors, not values). */
  get size(): number {
    return this.map.size;
  }

  /** Total number of scalar values. */
  get elementCount(): number {
    let n = 0;
    for (const p of this.map.values()) n += p.data.length;
    return n;
  }

  /** Whether a parameter is called `name`. */
  has(name: string): boolean {
    return this.map.has(name);
  }

  /** The parameter `name`; throws LPC_NOT_FOUND naming the known ones. */
  get(name: string): Parameter {
    const p = this.map.get(name);
    if (p === undefined) throw new LpcError('LPC_NOT_FOUND', `no parameter named '${name}' (parameters: ${this.names.join(', ')})`);
    return p;
  }

  /** Replaces the values of `name` (copied), checking the length. */
  set(name: string, data: Float32Array): void {
    const p = this.get(name);
    if (!(data instanceof Float32Array) || data.length !== p.data.length) {
      throw new LpcError(
        'LPC_SHAPE_MISMATCH',
        `parameter '${name}' has shape ${formatDims(p.dims)} (${p.data.length} values); received ${data instanceof Float32Array ? data.length : typeof data} values`,
      );
    }
    p.data.set(data);
  }

  /** A deep copy. */
  clone(): ParameterSet {
    const set = new ParameterSet();
    for (const [k, p] of this.map) set.map.set(k, { ...p, dims: [...p.dims], data: p.data.slice() });
    return set;
  }

  [Symbol.iterator](): IterableIterator<Parameter> {
    return this.map.values();
  }
}

/**
 * Turns the named initializers into graph inputs (in place), so that a run feeds their values.
 * Names that are already graph inputs are left as they are.
 */
export function promoteParameters(model: Model, names: readonly string[]): void {
  const g = model.graph;
  for (const name of names) {
    if (g.input(name)) {
      g.initializers.delete(name);
      continue;
    }
    const t = g.initializers.get(name);
    if (t === undefined) throw new LpcError('LPC_NOT_FOUND', `no initializer named '${name}' to make trainable`);
    if (t.dtype !== 'float32' && t.dtype !== 'float64')
      throw new LpcError('LPC_INVALID_ARGUMENT', `initializer '${name}' has element type ${t.dtype}; only float32 and float64 initializers can be parameters`);
    g.initializers.delete(name);
    g.inputs.push({ name, dtype: t.dtype, shape: [...t.dims] });
  }
}

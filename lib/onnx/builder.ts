/**
 * GraphBuilder appends nodes, constants, inputs and outputs to a model's graph under fresh unique names,
 * and writes the operators whose form changed between opsets (axes and pads as attributes before opset
 * 10/11/13/18, as inputs after) in the form the model's opset requires. Likelihoods, model builders and
 * gradient rules all compose graphs through it.
 */
import { LpcError } from '../errors.js';
import { dtypeCode, type DType } from './dtype.js';
import type { Attribute, Dim, Model, Node } from './ir.js';
import { int64Vector, scalarTensor, type Tensor } from './tensor.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** An attribute value: plain integers, strings and lists become int/ints/string/strings; floats need floatAttr(). */
export type AttrInput = number | string | readonly number[] | readonly string[] | Tensor | Attribute;

/** A float attribute (plain numbers are read as integers). */
export function floatAttr(value: number): Attribute {
  return { kind: 'float', value };
}

/** A list-of-floats attribute. */
export function floatsAttr(value: readonly number[]): Attribute {
  return { kind: 'floats', value: [...value] };
}

/** Options of GraphBuilder.node. */
export interface NodeOptions {
  /** Output count, or explicit output names. Default 1 fresh output. */
  outputs?: number | readonly string[];
  /** Node name; default a fresh one from the op type. */
  name?: string;
  domain?: string;
}

/** Every key of NodeOptions (a misspelt option is refused, not ignored). */
const NODE_OPTION_KEYS = { outputs: true, name: true, domain: true } satisfies OptionKeys<NodeOptions>;

/**
 * Appends to a model's graph (see the file comment).
 *
 * @example
 * const model = new Model(new Graph(), 17);
 * const b = new GraphBuilder(model);
 * const z = b.input('z', 'float32', ['batch', 4]);
 * const w = b.initializer('w', makeTensor('float32', [3, 4], new Float32Array(12)));
 * const y = b.op('Gemm', [z, w], { transB: 1 });
 * b.output(b.op('Relu', [y]), 'y');
 */
export class GraphBuilder {
  /** The model being appended to. */
  readonly model: Model;
  /** Prefix of fresh node names, e.g. 'grad/' so that emitted nodes are recognisable. */
  readonly prefix: string;
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly constants = new Map<string, string>();
  /** Values produced by nodes this builder appended (output() may rename these, never others). */
  private readonly created = new Set<string>();
  /** Values output() renamed, old name -> new name. */
  private readonly renamed = new Map<string, string>();

  /** A builder appending to `model`'s graph; fresh node names start with `prefix`. */
  constructor(model: Model, prefix = '') {
    this.model = model;
    this.prefix = prefix;
    const g = model.graph;
    for (const v of g.inputs) this.used.add(v.name);
    for (const v of g.outputs) this.used.add(v.name);
    for (const k of g.initializers.keys()) this.used.add(k);
    for (const k of g.valueInfo.keys()) this.used.add(k);
    for (const n of g.nodes) {
      this.used.add(n.name);
      for (const o of n.outputs) this.used.add(o);
    }
  }

  /** The model's default-domain opset, which decides the form of opset-dependent operators. */
  get opset(): number {
    return this.model.opset;
  }

  /** A name no value or node in the graph uses yet, built from `base`; it is reserved. */
  fresh(base: string): string {
    let name = base;
    if (this.used.has(name)) {
      let k = this.counters.get(base) ?? 0;
      do name = `${base}_${++k}`;
      while (this.used.has(name));
      this.counters.set(base, k);
    }
    this.used.add(name);
    return name;
  }

  /** Appends a node and returns its output names. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}, options: NodeOptions = {}): string[] {
    checkKnownKeys(options, NODE_OPTION_KEYS, 'GraphBuilder.node');
    const name = options.name !== undefined ? this.claim(options.name) : this.fresh(`${this.prefix}${opType}`);
    const outputs = typeof options.outputs === 'object' ? options.outputs.map((o) => this.claim(o)) : Array.from({ length: options.outputs ?? 1 }, () => this.fresh(`${name}_output`));
    return this.append(opType, inputs, attrs, name, outputs, options.domain ?? '');
  }

  /** Appends a node whose name and outputs are already reserved. */
  private append(opType: string, inputs: readonly string[], attrs: Record<string, AttrInput>, name: string, outputs: string[], domain = ''): string[] {
    const node: Node = { name, opType, domain, inputs: [...inputs], outputs, attrs: new Map() };
    for (const [key, value] of Object.entries(attrs)) node.attrs.set(key, toAttribute(key, value, opType));
    this.model.graph.nodes.push(node);
    for (const o of outputs) this.created.add(o);
    return outputs;
  }

  /** Appends a single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}, options: NodeOptions = {}): string {
    return this.node(opType, inputs, attrs, options)[0];
  }

  /** A Constant node holding `t` (small constants are shared). Constant nodes are never trainable parameters. */
  constant(t: Tensor, base = 'const'): string {
    const key = t.data.length <= 16 ? `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<number | bigint>).join(',')}` : undefined;
    const cached = key === undefined ? undefined : this.constants.get(key);
    if (cached !== undefined) return cached;
    const out = this.fresh(`${this.prefix}${base}`);
    this.append('Constant', [], { value: t }, this.fresh(`${this.prefix}Constant`), [out]);
    if (key !== undefined) this.constants.set(key, out);
    return out;
  }

  /** A rank-0 constant. */
  scalar(value: number, dtype: DType): string {
    return this.constant(scalarTensor(dtype, value));
  }

  /** A 1-D int64 constant (shapes, axes, pads). */
  ints(values: readonly number[]): string {
    return this.constant(int64Vector([...values]));
  }

  /** Declares a graph input. */
  input(name: string, dtype: DType, shape: Dim[] | null): string {
    this.claim(name);
    this.model.graph.inputs.push({ name, dtype, shape });
    return name;
  }

  /** Adds an initializer (a trainable parameter when it is floating point; see params.ts). */
  initializer(name: string, t: Tensor): string {
    this.claim(name);
    this.model.graph.initializers.set(name, t);
    return name;
  }

  /**
   * Makes `value` a graph output. With `name`, the value is renamed to it when this builder produced it
   * (and it is not already an output), else passed through an Identity.
   */
  output(value: string, name: string = value, dtype?: DType, shape?: Dim[] | null): string {
    value = this.renamed.get(value) ?? value;
    if (name === value && this.model.graph.outputs.some((v) => v.name === value)) return value;
    let outName = value;
    if (name !== value) {
      const isOutput = this.model.graph.outputs.some((v) => v.name === value);
      if (this.created.has(value) && !isOutput && !this.used.has(name)) {
        this.used.add(name);
        this.created.delete(value);
        this.created.add(name);
        this.renamed.set(value, name);
        for (const n of this.model.graph.nodes) {
          n.inputs = n.inputs.map((i) => (i === value ? name : i));
          n.outputs = n.outputs.map((o) => (o === value ? name : o));
        }
        outName = name;
      } else {
        outName = this.op('Identity', [value], {}, { outputs: [name] });
      }
    }
    this.model.graph.outputs.push({ name: outName, dtype, shape: shape ?? null });
    return outName;
  }

  // ---- operators whose form depends on the opset ----

  /** Unsqueeze at static axes (attribute before opset 13, input after). */
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.op('Unsqueeze', [x, this.ints(axes)]) : this.op('Unsqueeze', [x], { axes });
  }

  /** Squeeze static axes (attribute before opset 13, input after). */
  squeeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.op('Squeeze', [x, this.ints(axes)]) : this.op('Squeeze', [x], { axes });
  }

  /** A reduction over static axes (null: all axes). ReduceSum takes axes as an input from 13, the others from 18. */
  reduce(opType: string, x: string, axes: readonly number[] | null, keepdims: boolean): string {
    const asInput = opType === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    const kd = keepdims ? 1 : 0;
    if (axes === null) return this.op(opType, [x], { keepdims: kd });
    return asInput ? this.op(opType, [x, this.ints(axes)], { keepdims: kd }) : this.op(opType, [x], { axes, keepdims: kd });
  }

  /** ReduceSum over axes computed at run time (an int64 1-D tensor; empty reduces nothing). Opset 13 and later. */
  reduceSumDynamic(x: string, axes: string, keepdims: boolean): string {
    if (this.opset < 13) throw new LpcError('LPC_UNSUPPORTED_OP', `ReduceSum over axes known only at run time needs opset 13 or later; the model has opset ${this.opset}`);
    return this.op('ReduceSum', [x, axes], { keepdims: keepdims ? 1 : 0, noop_with_empty_axes: 1 });
  }

  /** Slice with static starts/ends/axes/steps (attributes before opset 10, inputs after). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
    if (this.opset < 10) {
      if (steps && steps.some((s) => s !== 1)) throw new LpcError('LPC_UNSUPPORTED_OP', `Slice with steps needs opset 10 or later; the model has opset ${this.opset}`);
      return this.op('Slice', [x], { starts, ends, axes });
    }
    const inputs = [x, this.ints(starts), this.ints(ends), this.ints(axes)];
    if (steps) inputs.push(this.ints(steps));
    return this.op('Slice', inputs);
  }

  /** Splits along `axis` into pieces of the given static sizes. */
  split(x: string, sizes: readonly number[], axis: number): string[] {
    const options = { outputs: sizes.length };
    return this.opset >= 13 ? this.node('Split', [x, this.ints(sizes)], { axis }, options) : this.node('Split', [x], { axis, split: sizes }, options);
  }

  /** Constant-mode zero padding with static pads [begin..., end...] (attribute before opset 11). */
  pad(x: string, pads: readonly number[]): string {
    return this.opset >= 11 ? this.op('Pad', [x, this.ints(pads)]) : this.op('Pad', [x], { pads, mode: 'constant' });
  }

  /** Transpose by a static permutation. */
  transpose(x: string, perm: readonly number[]): string {
    return this.op('Transpose', [x], { perm });
  }

  /** Reshape to a static target (may hold one -1), or to a runtime shape tensor. */
  reshape(x: string, shape: readonly number[] | string): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  }

  /** Shape(x), an int64 vector at run time. */
  shapeOf(x: string): string {
    return this.op('Shape', [x]);
  }

  /** Cast to an element type. */
  cast(x: string, to: DType): string {
    return this.op('Cast', [x], { to: dtypeCode(to) });
  }

  /** Dimension i of x at run time, as a 1-D int64 tensor of length 1. */
  dim(x: string, i: number): string {
    return this.op('Gather', [this.shapeOf(x), this.ints([i])], { axis: 0 });
  }

  /** Marks a name as taken, refusing one already in use. */
  private claim(name: string): string {
    if (this.used.has(name)) throw new LpcError('LPC_INVALID_ARGUMENT', `the graph already has a value or node named '${name}'`);
    this.used.add(name);
    return name;
  }
}

function toAttribute(key: string, v: AttrInput, opType: string): Attribute {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new LpcError('LPC_INVALID_ARGUMENT', `attribute '${key}' of ${opType} is ${v}; write floatAttr(${v}) for a float attribute`);
    return { kind: 'int', value: v };
  }
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.every((e) => typeof e === 'string')) return { kind: 'strings', value: [...(v as string[])] };
    if (!v.every((e) => Number.isInteger(e))) throw new LpcError('LPC_INVALID_ARGUMENT', `attribute '${key}' of ${opType} has non-integers; write floatsAttr([...]) for a list of floats`);
    return { kind: 'ints', value: [...(v as number[])] };
  }
  if ('kind' in (v as object)) return v as Attribute;
  return { kind: 'tensor', value: v as Tensor };
}

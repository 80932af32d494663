/**
 * What an operator definition provides, and the contexts the inference and autodiff drivers hand it.
 * A definition never sees the whole graph: it reads its node's inputs' types (and known constant values)
 * through InferContext, and emits gradient nodes through GradContext.
 */
import type { DType } from '../dtype.js';
import type { Attribute, AttributeKind, Dim, Node, Shape } from '../ir.js';
import type { Tensor } from '../tensor.js';
import type { GraphBuilder } from '../builder.js';

/** What inference knows about a value. */
export interface ValueType {
  dtype: DType | undefined;
  /** null when even the rank is unknown. */
  shape: Shape | null;
  /**
   * Known contents of a small integer tensor of rank 0 or 1 (shapes, axes, indices), element by element:
   * a number, a symbolic dim such as 'batch_size' (the value equals that dimension), or null (unknown).
   */
  value?: Dim[];
  /** The full value, for constants inference may read (Constant nodes, integer initializers; never parameters). */
  constant?: Tensor;
}

/** An allowed attribute: its kind and, where only some values are handled, those values. */
export interface AttrSpec {
  kind: AttributeKind;
  /** Values this definition handles (others raise LPC_UNSUPPORTED_OP). */
  values?: readonly (string | number)[];
  /** Opsets in which the attribute exists, when not all of the definition's. */
  opsets?: readonly [number, number];
}

/** Typed access to a node's attributes, with defaults. */
export interface AttrReader {
  has(name: string): boolean;
  int(name: string, fallback?: number): number;
  float(name: string, fallback?: number): number;
  string(name: string, fallback?: string): string;
  ints(name: string, fallback?: number[]): number[];
  floats(name: string, fallback?: number[]): number[];
  tensor(name: string): Tensor | undefined;
  raw(name: string): Attribute | undefined;
}

/** Per-node view for shape and type inference. */
export interface InferContext {
  readonly node: Node;
  readonly opset: number;
  readonly attr: AttrReader;
  /** The number of inputs, counting absent optional ones written as ''. */
  readonly inputCount: number;
  /** True when input i is given (not absent or ''). */
  has(i: number): boolean;
  /** The type of input i (dtype and shape may be unknown). Throws for an absent input. */
  type(i: number): ValueType;
  /** The value of input i when it is a constant that inference may read (never a trainable initializer). */
  constant(i: number): Tensor | undefined;
  /** Input i's contents as integers, when they are all known numbers. */
  ints(i: number): number[] | undefined;
  /** Throws LPC_SHAPE_MISMATCH naming this node. */
  fail(message: string): never;
  /** Throws LPC_UNSUPPORTED_OP naming this node and opset. */
  unsupported(message: string): never;
}

/**
 * A gradient flowing backwards: the name of a tensor, or a tensor that is `uniform` everywhere with the
 * shape and type of forward value `like` (the seed of a summed objective is uniform 1; keeping it symbolic
 * saves the Mul by ones and the Expand that materialising it would cost).
 */
export type Grad = string | { uniform: number; like: string };

/** Per-node view for emitting gradient nodes. */
export interface GradContext {
  readonly node: Node;
  readonly opset: number;
  readonly attr: AttrReader;
  /** Emits nodes into the gradient graph. */
  readonly b: GraphBuilder;
  /** Name of input i / output i of the forward node. */
  input(i: number): string;
  output(i: number): string;
  /** True when input i is given. */
  has(i: number): boolean;
  /** Forward type of input i / output i. */
  inType(i: number): ValueType;
  outType(i: number): ValueType;
  /** Known constant value of input i (never a trainable parameter). */
  constant(i: number): Tensor | undefined;
  /** True when the gradient with respect to input i is wanted. */
  needs(i: number): boolean;
  /** The gradient as a tensor name, materialising a uniform one. */
  tensor(g: Grad): string;
  /** g * expr * factor, where expr (a tensor name, or null for 1) has g's shape; keeps uniforms symbolic where possible. */
  scale(g: Grad, expr: string | null, factor?: number): Grad;
  /** Sums a gradient shaped like output 0 down to the shape of input i (undoing broadcasting). */
  unbroadcast(g: Grad, i: number): Grad;
  /** Sums g, of shape `from`, down to shape `to` (numpy broadcasting undone); `target` names a value of shape `to` for runtime shapes. */
  sumTo(g: Grad, from: Shape | null, to: Shape | null, target: string): Grad;
  /** An int64 tensor holding the shape of value `name` (a constant when static, else Shape(name), emitted once). */
  shapeOf(name: string): string;
  /** A zero tensor shaped like forward value `like`. */
  zerosLike(like: string): string;
  /** A scalar constant of the forward float type of this node's output 0. */
  scalar(value: number): string;
  /** Throws LPC_UNSUPPORTED_OP naming this node and opset. */
  unsupported(message: string): never;
}

/** Gradients for the node's inputs, by input index; undefined where there is none (zero or not wanted). */
export type GradRule = (ctx: GradContext, dOutputs: (Grad | undefined)[]) => (Grad | undefined)[];

/** What a kink rule sees of its node (kinks.ts builds it). */
export interface KinkContext {
  readonly node: Node;
  readonly opset: number;
  readonly attr: AttrReader;
  /** Element types of input 0 and output 0, when inference knows them. */
  readonly inDtype: DType | undefined;
  readonly outDtype: DType | undefined;
}

/** Appends a node writing the replaced node's outputs (by default all of them) under its name. */
export type KinkWriter = (opType: string, inputs: string[], attrs?: Map<string, Attribute>, outputs?: string[]) => void;

/**
 * How gradient checks freeze a piecewise operator's branch selection at the base point (kinks.ts): what to
 * capture in a run at the base point, the selections made of it, and the node's replacement fed with them.
 */
export interface Kink {
  /** Names of the values to capture, in the capture model (may add an output to the node there). */
  capture(node: Node, b: GraphBuilder): string[];
  /** Element types of the selections (extra inputs of the frozen model). */
  inputs: DType[];
  /** The selections from the captured values. */
  feeds(captured: Tensor[]): Tensor[];
  /** Emits the replacement given the selection inputs' names; `write` makes the node that writes the outputs. */
  emit(b: GraphBuilder, selections: string[], write: KinkWriter): void;
}

/** A piecewise operator's kink for one node, or undefined when this node has none to freeze (e.g. integer inputs). */
export type KinkRule = (ctx: KinkContext) => Kink | undefined;

/**
 * An operator definition. Register it by exporting it from a family file listed in ops/index.ts.
 */
export interface OpDef {
  opType: string;
  /** Default-domain opset versions handled: [first, last]. */
  opsets: readonly [number, number];
  /** Every attribute the definition accepts; any other raises LPC_UNSUPPORTED_OP. */
  attributes: Readonly<Record<string, AttrSpec>>;
  /** Allowed input count [min, max] (absent optional inputs written as '' count). */
  inputs: readonly [number, number];
  /** Allowed output count [min, max]. */
  outputs: readonly [number, number];
  /** Output types from input types; may use ctx.constant/ints for shape-carrying inputs. */
  infer(ctx: InferContext): ValueType[];
  /** Inputs gradients flow through (on float paths). Empty for ops that cut the path (Shape, comparisons). */
  differentiable: readonly number[] | ((ctx: InferContext) => readonly number[]);
  /**
   * Differentiable float inputs that hold settings or statistics rather than learned weights (Clip's bounds,
   * Pow's exponent, BatchNormalization's running mean and variance): gradients flow to them when asked, but an
   * initializer feeding only such inputs is frozen by default (weights.ts).
   */
  settings?: readonly number[];
  /** Gradient rule, required when `differentiable` can be non-empty. */
  grad?: GradRule;
  /**
   * For piecewise operators (which side of a ReLU, which input of a Max, which tap of a MaxPool window): the
   * branch selection gradient checks freeze at the base point, so that finite differences do not cross a kink.
   */
  kink?: KinkRule;
}

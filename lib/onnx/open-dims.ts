/**
 * Open dims of a model's graph inputs, and copies of the model with them fixed to sizes.
 *
 * Conv and pooling gradients need static spatial extents (window-geometry.ts), so a model that leaves them
 * open is differentiated at sizes in use: the energy graphs fix them through the latent's reshape, and a
 * gradient check fixes them here. An open dim is named by its symbol ('batch', 'height'), or, when the model
 * leaves it unnamed, by `input:axis`; one symbol is one size wherever it appears. The leading axis of an
 * input is the batch by convention and gets the batch size; every other open dim gets the smallest size at
 * which the model runs, found by trying: shapes that convolutions, reshapes or flattening layers cannot take
 * make shape inference or onnxruntime fail.
 */
import { LpcError } from '../errors.js';
import { allocate } from './dtype.js';
import { inferTypes } from './infer.js';
import type { Dim, Model, ValueInfo } from './ir.js';
import { createSession, runSession } from './runtime.js';
import { makeTensor, sizeOf, type Tensor } from './tensor.js';

/** One open dim: its name, whether it is a batch axis, and where it appears. */
export interface OpenDim {
  readonly name: string;
  /** The leading axis of some input. */
  readonly batch: boolean;
  readonly at: readonly { input: string; axis: number }[];
}

/** What chooseDims needs besides the model. */
export interface DimChoice {
  /** The size of batch dims not given otherwise. */
  batch: number;
  /** Sizes given by name (the CLI's --dims); they win over the batch size and the search. */
  given?: Readonly<Record<string, number>>;
  /** Input values the caller supplies: their dims fix the open dims they cover. */
  inputs?: Readonly<Record<string, Tensor>>;
}

/** The largest size tried for an open non-batch dim. */
const LARGEST_TRIED = 64;
/** The largest input the search feeds onnxruntime (elements). */
const MAX_TRIAL_ELEMENTS = 1 << 24;

const dimName = (d: Dim, input: string, axis: number): string | null => (typeof d === 'number' ? null : (d ?? `${input}:${axis}`));

/** The open dims of the model's inputs (initializer-backed inputs excluded), in order of first appearance. */
export function openDims(model: Model): OpenDim[] {
  const found = new Map<string, { batch: boolean; at: { input: string; axis: number }[] }>();
  for (const v of model.graph.inputs) {
    if (model.graph.initializers.has(v.name) || v.shape === null) continue;
    v.shape.forEach((d, axis) => {
      const name = dimName(d, v.name, axis);
      if (name === null) return;
      const entry = found.get(name) ?? { batch: false, at: [] };
      entry.batch ||= axis === 0;
      entry.at.push({ input: v.name, axis });
      found.set(name, entry);
    });
  }
  return [...found].map(([name, e]) => ({ name, ...e }));
}

/**
 * A copy of `model` whose inputs have the open dims named in `sizes` fixed to those sizes; other open dims stay
 * open. Symbols recorded for outputs and value_info are left alone: exporters reuse names loosely, and shape
 * inference's sizes win over them. Throws LPC_INVALID_ARGUMENT naming the open dims when a name is not one of
 * them or a size is not a positive integer.
 *
 * @example
 * const fixed = fixDims(decoder, { height: 1, width: 1 }); // latent [batch, 4, 1, 1]
 */
export function fixDims(model: Model, sizes: Readonly<Record<string, number>>): Model {
  checkNames(openDims(model), sizes);
  const copy = model.clone();
  const g = copy.graph;
  for (const v of g.inputs) {
    if (g.initializers.has(v.name) || v.shape === null) continue;
    v.shape = v.shape.map((d, axis) => {
      const name = dimName(d, v.name, axis);
      return name === null ? d : (sizes[name] ?? d);
    });
  }
  return copy;
}

/** The dims of `input` with its open dims at `sizes`; null when its rank is unknown or a size is missing. */
export function sizedDims(input: ValueInfo, sizes: Readonly<Record<string, number>>): number[] | null {
  if (input.shape === null) return null;
  const dims = input.shape.map((d, axis) => {
    const name = dimName(d, input.name, axis);
    return name === null ? (d as number) : sizes[name];
  });
  return dims.every((d) => d !== undefined) ? dims : null;
}

/**
 * Sizes for every open dim of `model`: given ones, those fixed by supplied input values, the batch size for
 * batch dims, and for the rest the smallest size from 1 to 64 (the same for all of them) at which the model
 * runs on zeros. Throws LPC_SHAPE_MISMATCH when supplied values contradict given sizes or each other, and
 * LPC_INVALID_ARGUMENT when no size is accepted.
 *
 * @example
 * await chooseDims(decoder, { batch: 2 }); // { batch: 2, height: 1, width: 1 }
 */
export async function chooseDims(model: Model, choice: DimChoice): Promise<Record<string, number>> {
  const open = openDims(model);
  const given = choice.given ?? {};
  checkNames(open, given);
  const sizes: Record<string, number> = { ...given };
  for (const [input, value] of Object.entries(choice.inputs ?? {})) {
    const v = model.graph.input(input);
    if (v === undefined || v.shape === null) continue;
    v.shape.forEach((d, axis) => {
      const name = dimName(d, input, axis);
      const size = value.dims[axis];
      if (name === null || size === undefined) return;
      if (sizes[name] !== undefined && sizes[name] !== size) {
        throw new LpcError('LPC_SHAPE_MISMATCH', `the open dim '${name}' is ${sizes[name]}, but the value given for input '${input}' has dims [${value.dims.join(', ')}] (${size} on axis ${axis})`);
      }
      sizes[name] = size;
    });
  }
  for (const d of open) if (d.batch && sizes[d.name] === undefined) sizes[d.name] = choice.batch;
  const searched = open.filter((d) => sizes[d.name] === undefined);
  if (searched.length === 0) return sizes;
  for (let s = 1; s <= LARGEST_TRIED; s++) {
    const trial = { ...sizes, ...Object.fromEntries(searched.map((d) => [d.name, s])) };
    const verdict = await runsAt(model, trial, choice.inputs ?? {});
    if (verdict === 'too-large') break;
    if (verdict === 'runs') return trial;
  }
  throw new LpcError(
    'LPC_INVALID_ARGUMENT',
    `the model did not run with its open dims ${searched.map((d) => `'${d.name}'`).join(', ')} set to any size from 1 to ${LARGEST_TRIED} (others: ${formatSizes(sizes)}); give their sizes (--dims name=size,...)`,
  );
}

/** 'name=size, ...' for messages and reports. */
export function formatSizes(sizes: Readonly<Record<string, number>>): string {
  const entries = Object.entries(sizes);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

/** Whether the model, its open dims fixed to `sizes`, passes shape inference and runs on zeros. */
async function runsAt(model: Model, sizes: Record<string, number>, supplied: Readonly<Record<string, Tensor>>): Promise<'runs' | 'fails' | 'too-large'> {
  const fixed = fixDims(model, sizes);
  const feeds: Record<string, Tensor> = {};
  for (const v of fixed.graph.inputs) {
    if (fixed.graph.initializers.has(v.name)) continue;
    const given = supplied[v.name];
    if (given !== undefined) feeds[v.name] = given;
    else {
      // Inputs of unknown shape or type are left to the caller, who refuses them with a better message.
      if (v.shape === null || v.dtype === undefined || !v.shape.every((d): d is number => typeof d === 'number')) return 'runs';
      const dims = v.shape;
      if (sizeOf(dims) > MAX_TRIAL_ELEMENTS) return 'too-large';
      feeds[v.name] = makeTensor(v.dtype, dims, allocate(v.dtype, sizeOf(dims)));
    }
  }
  try {
    inferTypes(fixed, { strict: () => false });
  } catch {
    return 'fails';
  }
  let session;
  try {
    session = await createSession(fixed, { threads: 1 });
  } catch {
    return 'fails';
  }
  try {
    await runSession(session, feeds);
    return 'runs';
  } catch {
    return 'fails';
  } finally {
    await session.release();
  }
}

function checkNames(open: readonly OpenDim[], sizes: Readonly<Record<string, number>>): void {
  for (const [name, size] of Object.entries(sizes)) {
    if (!open.some((d) => d.name === name)) throw new LpcError('LPC_INVALID_ARGUMENT', `the model has no open dim '${name}'; its open dims are ${listDims(open)}`);
    if (!Number.isSafeInteger(size) || size < 1) throw new LpcError('LPC_INVALID_ARGUMENT', `the size of dim '${name}' must be an integer >= 1; received ${size}`);
  }
}

function listDims(open: readonly OpenDim[]): string {
  if (open.length === 0) return 'none';
  return open.map((d) => `'${d.name}' (${d.at.map((a) => `${a.input} axis ${a.axis}`).join(', ')})`).join(', ');
}

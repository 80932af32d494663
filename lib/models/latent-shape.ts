/**
 * The shape of one latent of a decoder whose input is [batch, ...shape] (e.g. [batch, C, h, w] for the
 * autoencoders of latent diffusion models). Chains hold the flat d = prod(shape); energy graphs reshape.
 *
 * A fully convolutional decoder may leave h and w open. Its output size is then an affine function of them
 * per axis (out = a * s + b: stride-a upsampling with a fixed border), so it is measured at two latent
 * sizes and solved for the images' size; the solution is checked by a third evaluation. Output sizes come
 * from shape inference where it can tell, otherwise from a run of the decoder on zeros.
 */
import type { ImageLayout, ImageShape } from '../data/index.js';
import { LpcError } from '../errors.js';
import { inferTypes } from '../onnx/infer.js';
import type { Dim, Model, ValueInfo } from '../onnx/ir.js';
import { probeOutputDims } from './load-source.js';

/** What the caller knows besides the model. */
export interface LatentShapeHints {
  /** A forced per-item shape (the CLI's --latent-shape). */
  latentShape?: readonly number[];
  /** A forced size d (the CLI's --latent); for rank-1 latents only, or to check a product. */
  latentDim?: number;
  /** [C, H, W] of the data: lets open spatial dims be found from the images' size. */
  imageShape?: ImageShape;
  layout?: ImageLayout;
}

/** The largest latent side tried when measuring how a decoder's output size follows its input size. */
const LARGEST_PROBE = 8;

const formatShape = (dims: readonly Dim[]) => `[${dims.map((d) => d ?? '?').join(', ')}]`;

/**
 * The per-item latent shape of `input` (its dims after the batch axis), fixed by the model, by the hints, or
 * found from the images' size. Throws LPC_SHAPE_MISMATCH when a hint contradicts the model, and
 * LPC_INVALID_ARGUMENT when the size stays open or the images' size is one the decoder cannot produce.
 */
export async function resolveLatentShape(model: Model, input: ValueInfo, output: string, hints: LatentShapeHints): Promise<number[]> {
  const item: Dim[] = input.shape === null ? [null] : input.shape.slice(1);
  if (item.length === 0) throw new LpcError('LPC_INVALID_MODEL', `the decoder input '${input.name}' has rank 1; it must be [batch, ...latent shape]`);
  if (hints.latentShape !== undefined) return checkForced(input, item, hints.latentShape, hints.latentDim);
  if (item.length === 1) {
    const fixed = item[0];
    if (typeof fixed === 'number') {
      if (hints.latentDim !== undefined && hints.latentDim !== fixed) throw new LpcError('LPC_SHAPE_MISMATCH', `latentDim is ${hints.latentDim} but the decoder input '${input.name}' has ${fixed}`);
      return [fixed];
    }
    if (hints.latentDim !== undefined) return [hints.latentDim];
    throw new LpcError('LPC_INVALID_ARGUMENT', `the decoder input '${input.name}' does not fix the latent size; pass latentDim`);
  }
  if (item.every((d): d is number => typeof d === 'number')) {
    const d = item.reduce((p, v) => p * v, 1);
    if (hints.latentDim !== undefined && hints.latentDim !== d)
      throw new LpcError('LPC_SHAPE_MISMATCH', `latentDim is ${hints.latentDim} but the decoder input '${input.name}' has shape ${formatShape(input.shape ?? [])} (${d} values per latent)`);
    return item;
  }
  return findSpatialShape(model, input, item, output, hints);
}

function checkForced(input: ValueInfo, item: Dim[], forced: readonly number[], latentDim: number | undefined): number[] {
  const known = input.shape !== null;
  const clash = (known && forced.length !== item.length) || item.some((d, i) => known && typeof d === 'number' && d !== forced[i]);
  if (clash)
    throw new LpcError('LPC_SHAPE_MISMATCH', `latent shape ${formatShape(forced)} does not fit the decoder input '${input.name}' of shape ${formatShape(input.shape ?? [])} (batch axis first)`);
  const d = forced.reduce((p, v) => p * v, 1);
  if (latentDim !== undefined && latentDim !== d) throw new LpcError('LPC_SHAPE_MISMATCH', `latentDim is ${latentDim} but latent shape ${formatShape(forced)} holds ${d} values`);
  return [...forced];
}

/** Open dims must be the trailing spatial pair (or one of them); the channel count must be fixed. */
async function findSpatialShape(model: Model, input: ValueInfo, item: Dim[], output: string, hints: LatentShapeHints): Promise<number[]> {
  const shapeText = formatShape(input.shape ?? []);
  const open = item.map((d, i) => (typeof d === 'number' ? -1 : i)).filter((i) => i >= 0);
  const spatial = [item.length - 2, item.length - 1];
  if (item.length < 3 || open.some((i) => !spatial.includes(i))) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the decoder input '${input.name}' has shape ${shapeText}, with open dims other than the last two (spatial) ones; pass latentShape (--latent-shape)`);
  }
  if (hints.imageShape === undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the decoder input '${input.name}' has shape ${shapeText}, whose spatial size is open; pass latentShape (--latent-shape) or the images' size`);
  }
  const [C, H, W] = hints.imageShape;
  const at = (s: number) => item.map((d) => (typeof d === 'number' ? d : s));
  // Output (H, W) for latent side s on both open axes; null where the decoder refuses that size.
  const measured: { s: number; hw: [number, number] }[] = [];
  for (let s = 1; s <= LARGEST_PROBE && measured.length < 2; s++) {
    const hw = await outputSize(model, input.name, output, [1, ...at(s)], C, hints.layout);
    if (hw !== null) measured.push({ s, hw });
  }
  if (measured.length < 2) {
    throw new LpcError(
      'LPC_INVALID_ARGUMENT',
      `the decoder input '${input.name}' has shape ${shapeText}; no latent side from 1 to ${LARGEST_PROBE} gave an image output with ${C} channels, so its size cannot be found; pass latentShape (--latent-shape)`,
    );
  }
  const [p, q] = measured;
  const fits = [0, 1].map((axis) => {
    const a = (q.hw[axis] - p.hw[axis]) / (q.s - p.s);
    return { a, b: p.hw[axis] - a * p.s };
  });
  const solve = (target: number, { a, b }: { a: number; b: number }) => (a > 0 && Number.isInteger((target - b) / a) && (target - b) / a >= 1 ? (target - b) / a : null);
  const h = solve(H, fits[0]);
  const w = solve(W, fits[1]);
  const shape = item.map((d, i) => (typeof d === 'number' ? d : i === spatial[0] ? h : w));
  const refuse = (): never => {
    const sizes = (fit: { a: number; b: number }) => [1, 2, 3, 4, 5, 6].map((s) => fit.a * s + fit.b).filter((v) => v > 0);
    throw new LpcError(
      'LPC_SHAPE_MISMATCH',
      `the decoder cannot produce ${H}x${W} images: for latent sides 1, 2, 3, ... its output height is ${sizes(fits[0]).join(', ')}, ... and its width ${sizes(fits[1]).join(', ')}, ...; use images of one of those sizes, or pass latentShape (--latent-shape)`,
    );
  };
  if (shape.some((d) => d === null)) return refuse();
  const check = await outputSize(model, input.name, output, [1, ...(shape as number[])], C, hints.layout);
  if (check === null || check[0] !== H || check[1] !== W) return refuse();
  return shape as number[];
}

/** The (H, W) of the image output for latent input dims `dims` (batch first), or null when it has none. */
async function outputSize(model: Model, input: string, output: string, dims: number[], channels: number, layout?: ImageLayout): Promise<[number, number] | null> {
  let out = inferredDimsAt(model, input, output, dims);
  if (out === null) {
    try {
      out = (await probeOutputDims(model, input, dims)).get(output) ?? null;
    } catch {
      return null;
    }
  }
  if (out === null || out.length !== 4 || !out.every((d): d is number => typeof d === 'number' && d > 0)) return null;
  const nhwc = layout === 'nhwc' || (layout === undefined && out[1] !== channels && out[3] === channels);
  return nhwc ? [out[1], out[2]] : out[1] === channels ? [out[2], out[3]] : null;
}

/** Output dims by shape inference with the input fixed to `dims`; null when inference cannot tell. */
function inferredDimsAt(model: Model, input: string, output: string, dims: number[]): Dim[] | null {
  const copy = model.clone();
  const v = copy.graph.inputs.find((i) => i.name === input);
  if (v === undefined) return null;
  v.shape = dims;
  try {
    const shape = inferTypes(copy, { strict: () => false }).get(output)?.shape ?? null;
    return shape !== null && shape.every((d) => typeof d === 'number') ? shape : null;
  } catch {
    return null;
  }
}

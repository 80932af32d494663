/**
 * Convolutional decoders and encoders in the style of beta-VAE (Higgins et al. 2017; Burgess et al. 2018),
 * the architecture family of the Langevin PC paper: 4x4 kernels with stride 2 halve (encoder) or double
 * (decoder) the resolution down to 4x4, with fully connected layers between the 4x4 feature map and the
 * latent. For 64x64 images that is 4 convolutions, for 32x32 three.
 *
 * Sizes that are not 4 * 2^L are padded up to the next such size P inside the first convolution and cropped
 * inside the last transposed convolution, by raising their padding from 1 to 1 + (P - s) / 2: 28x28 images
 * run as 32x32 ones (padding 3). Padding must stay below the kernel size, so P - s <= 4.
 */
import type { ImageShape } from '../data/index.js';
import { invalidArgument, LpcError } from '../errors.js';
import { checkDecoderOutput, finishDecoder, finishEncoder, newNetwork, type DecoderOutput } from './built-network.js';
import { checkImageShape, checkKnownKeys, checkPositiveInt, checkSizes, checkU64 } from '../checks.js';
import type { ConvGeometry } from './layers.js';
import type { Decoder, Encoder } from './networks.js';

/** Options shared by the convolutional builders. */
export interface ConvOptions {
  latentDim: number;
  /** [C, H, W] of one image; square, e.g. [1, 28, 28], [3, 32, 32], [3, 64, 64]. */
  imageShape: ImageShape;
  /** Channels of the encoder's convolutions, input side first (the decoder mirrors them). Default 32 each. */
  channels?: number[];
  /** Widths of the fully connected layers between the 4x4 map and the latent. Default [256, 256]. */
  hidden?: number[];
  /** Seed of the weight initialisation. Default 0. */
  seed?: number | bigint;
}

/** Options of convDecoder. */
export interface ConvDecoderOptions extends ConvOptions {
  /** Final activation: 'sigmoid' (mean in [0, 1]) or 'tanh' ([-1, 1]). Default 'sigmoid'. */
  output?: DecoderOutput;
}

/** The layer plan for an image size: the number of stride-2 layers and the padding of the outermost one. */
export interface ConvPlan {
  layers: number;
  /** The size the layers work at (4 * 2^layers). */
  padded: number;
  /** Padding of the first convolution / last transposed convolution. */
  outerPad: number;
}

/** Plans the stride-2 stack for a square image of side `size`. */
export function convPlan(size: number): ConvPlan {
  let padded = 8;
  while (padded < size) padded *= 2;
  const extra = padded - size;
  if (extra % 2 !== 0 || extra > 4) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `convolutional networks take square images of side 4 * 2^L, or up to 4 pixels less (e.g. 28, 32, 64); received side ${size}`);
  }
  return { layers: Math.log2(padded / 4), padded, outerPad: 1 + extra / 2 };
}

/**
 * A convolutional decoder with input `z` [batch, d] and output `x_mean` [batch, C, H, W]:
 * Linear+ReLU layers, a Linear to channels x 4 x 4, then ConvTranspose(4, stride 2)+ReLU up to the image
 * size, the last one without ReLU, then Sigmoid or Tanh.
 *
 * @example
 * const decoder = convDecoder({ latentDim: 10, imageShape: [3, 64, 64], seed: 1 });
 */
export function convDecoder(options: ConvDecoderOptions): Decoder {
  const o = checkConv(options, 'convDecoder');
  const output = checkDecoderOutput('convDecoder', options.output);
  using w = newNetwork('conv_decoder', o.seed);
  const b = w.b;
  const L = o.plan.layers;
  const top = o.channels[L - 1];
  const widths = [o.latentDim, ...o.hidden, top * 16];
  let h = b.input('z', 'float32', ['batch', o.latentDim]);
  for (let i = 1; i < widths.length; i++) h = w.activation(w.dense(h, `fc${i}`, widths[i - 1], widths[i], 'he'), 'relu', `fc${i}`);
  h = b.reshape(h, [-1, top, 4, 4]);
  // Mirror of the encoder: channels[L-1] -> channels[L-2] -> ... -> channels[0] -> C.
  const chans = [...o.channels].reverse().concat([o.imageShape[0]]);
  for (let i = 0; i < L; i++) {
    const last = i === L - 1;
    const geometry: ConvGeometry = { kernel: 4, stride: 2, pad: last ? o.plan.outerPad : 1 };
    h = w.convTranspose(h, `deconv${i + 1}`, chans[i], chans[i + 1], geometry, last ? 'glorot' : 'he');
    if (!last) h = w.activation(h, 'relu', `deconv${i + 1}`);
  }
  return finishDecoder(b, h, output, o.latentDim, o.imageShape);
}

/**
 * A convolutional encoder with input `x` [batch, C, H, W] and outputs `mu` and `logsigma` [batch, d]:
 * Conv(4, stride 2)+ReLU down to 4x4, Flatten, Linear+ReLU layers, two linear heads.
 *
 * @example
 * const encoder = convEncoder({ latentDim: 10, imageShape: [1, 28, 28] });
 */
export function convEncoder(options: ConvOptions): Encoder {
  const o = checkConv(options, 'convEncoder');
  using w = newNetwork('conv_encoder', o.seed);
  const b = w.b;
  const chans = [o.imageShape[0], ...o.channels];
  let h = b.input('x', 'float32', ['batch', ...o.imageShape]);
  for (let i = 0; i < o.plan.layers; i++) {
    const geometry: ConvGeometry = { kernel: 4, stride: 2, pad: i === 0 ? o.plan.outerPad : 1 };
    h = w.activation(w.conv(h, `conv${i + 1}`, chans[i], chans[i + 1], geometry, 'he'), 'relu', `conv${i + 1}`);
  }
  h = b.op('Flatten', [h], { axis: 1 }, { name: '/flatten/Flatten' });
  const widths = [chans[chans.length - 1] * 16, ...o.hidden];
  for (let i = 1; i < widths.length; i++) h = w.activation(w.dense(h, `fc${i}`, widths[i - 1], widths[i], 'he'), 'relu', `fc${i}`);
  return finishEncoder(w, h, widths[widths.length - 1], o.latentDim, o.imageShape);
}

/** The option keys of both conv builders (the decoder's add `output`). */
const CONV_KEYS: readonly (keyof ConvOptions)[] = ['latentDim', 'imageShape', 'channels', 'hidden', 'seed'];

function checkConv(options: ConvOptions, who: string) {
  checkKnownKeys(options, who === 'convDecoder' ? [...CONV_KEYS, 'output'] : CONV_KEYS, who);
  const imageShape = checkImageShape(`${who} options.imageShape`, options.imageShape);
  if (imageShape[1] !== imageShape[2]) invalidArgument(`${who} options.imageShape`, 'a square image [C, S, S]', imageShape);
  const plan = convPlan(imageShape[1]);
  const channels = checkSizes(`${who} options.channels`, options.channels ?? new Array<number>(plan.layers).fill(32), false);
  if (channels.length !== plan.layers) {
    invalidArgument(`${who} options.channels`, `${plan.layers} channel counts (one per stride-2 layer for ${imageShape[1]}x${imageShape[2]} images)`, channels);
  }
  return {
    latentDim: checkPositiveInt(`${who} options.latentDim`, options.latentDim),
    imageShape,
    plan,
    channels,
    hidden: checkSizes(`${who} options.hidden`, options.hidden ?? [256, 256]),
    seed: checkU64(`${who} options.seed`, options.seed ?? 0),
  };
}

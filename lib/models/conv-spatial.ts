/**
 * Fully convolutional networks with a spatial latent [C, h, w], as the autoencoders of latent diffusion
 * models have: the decoder upsamples z [batch, C, h, w] by ConvTranspose(4, stride 2, pad 1) layers (each
 * doubles the side exactly) and a 3x3 convolution, so the image side must be h * 2^L; the encoder mirrors it
 * with Conv(4, stride 2, pad 1) layers and two 1x1 convolutions for mu and log sigma, flattened in NCHW
 * order to [batch, C h w] (the order in which chains hold the latent).
 */
import type { ImageShape } from '../data/index.js';
import { invalidArgument } from '../errors.js';
import { checkDecoderOutput, finishDecoder, newNetwork, type DecoderOutput } from './built-network.js';
import { checkImageShape, checkSizes, checkU64 } from '../checks.js';
import type { ConvGeometry } from './layers.js';
import { ParameterSet } from '../onnx/params.js';
import type { Decoder, Encoder } from './networks.js';

/** Options of the spatial-latent builders. */
export interface ConvSpatialOptions {
  /** [C, h, w] of one latent. */
  latentShape: readonly number[];
  /** [C, H, W] of one image, with H = h * 2^L and W = w * 2^L for the same L >= 1. */
  imageShape: ImageShape;
  /** Channels of the L stride-2 layers' feature maps, image side first. Default 32 each. */
  channels?: number[];
  seed?: number | bigint;
}

/** Options of convSpatialDecoder. */
export interface ConvSpatialDecoderOptions extends ConvSpatialOptions {
  /** Final activation: 'sigmoid' (default) or 'tanh'. */
  output?: DecoderOutput;
}

const UPSAMPLE: ConvGeometry = { kernel: 4, stride: 2, pad: 1 };
const POINTWISE: ConvGeometry = { kernel: 1, stride: 1, pad: 0 };
const SMOOTH: ConvGeometry = { kernel: 3, stride: 1, pad: 1 };

/**
 * A decoder z [batch, C, h, w] -> x_mean [batch, C_img, H, W]: L ConvTranspose+ReLU layers, a 3x3
 * convolution to the image channels, then Sigmoid or Tanh.
 *
 * @example
 * const decoder = convSpatialDecoder({ latentShape: [4, 7, 7], imageShape: [1, 28, 28] });
 * decoder.latentDim; // 196
 */
export function convSpatialDecoder(options: ConvSpatialDecoderOptions): Decoder {
  const o = checkOptions(options, 'convSpatialDecoder');
  const output = checkDecoderOutput('convSpatialDecoder', options.output);
  using w = newNetwork('conv_spatial_decoder', o.seed);
  const b = w.b;
  let h = b.input('z', 'float32', ['batch', ...o.latentShape]);
  // Feature channels deepest first: C -> channels[L-1] -> ... -> channels[0], then a 3x3 convolution to the image.
  const chans = [o.latentShape[0], ...[...o.channels].reverse()];
  for (let i = 0; i < o.layers; i++) h = w.activation(w.convTranspose(h, `deconv${i + 1}`, chans[i], chans[i + 1], UPSAMPLE, 'he'), 'relu', `deconv${i + 1}`);
  h = w.conv(h, 'conv_out', o.channels[0], o.imageShape[0], SMOOTH, 'glorot');
  const latentDim = o.latentShape.reduce((p, d) => p * d, 1);
  return { ...finishDecoder(b, h, output, latentDim, o.imageShape), latentShape: o.latentShape };
}

/**
 * An encoder x [batch, C_img, H, W] -> mu, logsigma [batch, C h w]: L Conv+ReLU layers down to h x w, then
 * two 1x1 convolutions to C channels, flattened.
 *
 * @example
 * const encoder = convSpatialEncoder({ latentShape: [4, 7, 7], imageShape: [1, 28, 28] });
 */
export function convSpatialEncoder(options: ConvSpatialOptions): Encoder {
  const o = checkOptions(options, 'convSpatialEncoder');
  using w = newNetwork('conv_spatial_encoder', o.seed);
  const b = w.b;
  const chans = [o.imageShape[0], ...o.channels];
  let h = b.input('x', 'float32', ['batch', ...o.imageShape]);
  for (let i = 0; i < o.layers; i++) h = w.activation(w.conv(h, `conv${i + 1}`, chans[i], chans[i + 1], UPSAMPLE, 'he'), 'relu', `conv${i + 1}`);
  const latentDim = o.latentShape.reduce((p, d) => p * d, 1);
  for (const name of ['mu', 'logsigma']) {
    const y = w.conv(h, `conv_${name}`, chans[chans.length - 1], o.latentShape[0], POINTWISE, 'glorot');
    b.output(b.op('Flatten', [y], { axis: 1 }, { name: `/flatten_${name}/Flatten` }), name, 'float32', ['batch', latentDim]);
  }
  return {
    model: b.model,
    params: ParameterSet.fromModel(b.model),
    imageInput: 'x',
    inputLayout: 'nchw',
    outputs: { mu: 'mu', scale: 'logsigma' },
    scale: 'logsigma',
    latentDim,
    imageShape: o.imageShape,
  };
}

function checkOptions(options: ConvSpatialOptions, who: string) {
  if (typeof options !== 'object' || options === null) invalidArgument(`${who} options`, 'an options object', options);
  const imageShape = checkImageShape(`${who} options.imageShape`, options.imageShape);
  const latentShape = checkSizes(`${who} options.latentShape`, options.latentShape, false);
  if (latentShape.length !== 3) invalidArgument(`${who} options.latentShape`, 'a latent shape [C, h, w]', latentShape);
  const factor = imageShape[1] / latentShape[1];
  const layers = Math.log2(factor);
  if (!Number.isInteger(layers) || layers < 1 || imageShape[2] !== latentShape[2] * factor) {
    invalidArgument(`${who} options.latentShape`, `[C, h, w] with the image's ${imageShape[1]}x${imageShape[2]} equal to h x w times one power of two (2, 4, 8, ...)`, latentShape);
  }
  const channels = checkSizes(`${who} options.channels`, options.channels ?? new Array<number>(layers).fill(32), false);
  if (channels.length !== layers) invalidArgument(`${who} options.channels`, `${layers} channel counts (one per stride-2 layer)`, channels);
  return { imageShape, latentShape, layers, channels, seed: checkU64(`${who} options.seed`, options.seed ?? 0) };
}

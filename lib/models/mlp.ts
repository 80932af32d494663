/**
 * Fully connected decoders and encoders: z -> [Linear -> activation] x L -> Linear -> Sigmoid/Tanh -> image,
 * and image -> Flatten -> [Linear -> activation] x L -> two Linear heads (mu, log sigma).
 */
import type { ImageShape } from '../data/index.js';
import { checkDecoderOutput, finishDecoder, finishEncoder, newNetwork, type DecoderOutput } from './built-network.js';
import { checkImageShape, checkKnownKeys, checkOneOf, checkPositiveInt, checkSizes, checkU64 } from '../checks.js';
import { ACTIVATIONS, schemeBefore, type Activation } from './layers.js';
import { imageElements, type Decoder, type Encoder } from './networks.js';

/** Options shared by the fully connected builders. */
export interface MlpOptions {
  latentDim: number;
  /** [C, H, W] of one image. */
  imageShape: ImageShape;
  /** Hidden layer widths, input side first. Default [512, 512]. */
  hidden?: number[];
  /** Hidden activation. Default 'relu'. */
  activation?: Activation;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number | bigint;
}

/** Options of mlpDecoder. */
export interface MlpDecoderOptions extends MlpOptions {
  /** Final activation: 'sigmoid' (mean in [0, 1]) or 'tanh' ([-1, 1]). Default 'sigmoid'. */
  output?: DecoderOutput;
}

/**
 * A fully connected decoder with input `z` [batch, d] and output `x_mean` [batch, C, H, W].
 *
 * @example
 * const decoder = mlpDecoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512], seed: 1 });
 */
export function mlpDecoder(options: MlpDecoderOptions): Decoder {
  const o = checkMlp(options, 'mlpDecoder');
  const output = checkDecoderOutput('mlpDecoder', options.output);
  using w = newNetwork('mlp_decoder', o.seed);
  const b = w.b;
  const sizes = [o.latentDim, ...o.hidden, imageElements(o.imageShape)];
  let h = b.input('z', 'float32', ['batch', o.latentDim]);
  for (let i = 1; i < sizes.length; i++) {
    const last = i === sizes.length - 1;
    h = w.dense(h, `fc${i}`, sizes[i - 1], sizes[i], schemeBefore(last ? 'none' : o.activation));
    if (!last) h = w.activation(h, o.activation, `act${i}`);
  }
  return finishDecoder(b, b.reshape(h, [-1, ...o.imageShape]), output, o.latentDim, o.imageShape);
}

/**
 * A fully connected encoder with input `x` [batch, C, H, W] and outputs `mu` and `logsigma` [batch, d].
 *
 * @example
 * const encoder = mlpEncoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] });
 */
export function mlpEncoder(options: MlpOptions): Encoder {
  const o = checkMlp(options, 'mlpEncoder');
  using w = newNetwork('mlp_encoder', o.seed);
  const b = w.b;
  const x = b.input('x', 'float32', ['batch', ...o.imageShape]);
  let h = b.op('Flatten', [x], { axis: 1 }, { name: '/flatten/Flatten' });
  const sizes = [imageElements(o.imageShape), ...o.hidden];
  for (let i = 1; i < sizes.length; i++) {
    h = w.activation(w.dense(h, `fc${i}`, sizes[i - 1], sizes[i], schemeBefore(o.activation)), o.activation, `act${i}`);
  }
  return finishEncoder(w, h, sizes[sizes.length - 1], o.latentDim, o.imageShape);
}

/** The option keys of both MLP builders (the decoder's add `output`). */
const MLP_KEYS: readonly (keyof MlpOptions)[] = ['latentDim', 'imageShape', 'hidden', 'activation', 'seed'];

function checkMlp(options: MlpOptions, who: string) {
  checkKnownKeys(options, who === 'mlpDecoder' ? [...MLP_KEYS, 'output'] : MLP_KEYS, who);
  return {
    latentDim: checkPositiveInt(`${who} options.latentDim`, options.latentDim),
    imageShape: checkImageShape(`${who} options.imageShape`, options.imageShape),
    hidden: checkSizes(`${who} options.hidden`, options.hidden ?? [512, 512]),
    activation: checkOneOf(`${who} options.activation`, options.activation ?? 'relu', ACTIVATIONS),
    seed: checkU64(`${who} options.seed`, options.seed ?? 0),
  };
}

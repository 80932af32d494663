/**
 * The networks of the latent explorer as the page runs them: the decoder's graph with its current parameters
 * and its mean image as the output, with how to feed it, and the encoder rewritten to
 * the package's standard interface (input `x` [batch, C, H, W] in the decoder's range, outputs `mu` and
 * `logsigma`), so the page needs to know nothing of the encoder's own layout or scale.
 */
import { LpcError } from '../errors.js';
import { decoderMeanGraph } from '../models/decoder-means.js';
import { buildEncoderGraph } from '../models/encoder-graph.js';
import { latentShapeOf, type Decoder, type Encoder, type OutputRange } from '../models/networks.js';
import { writeModel } from '../onnx/convert.js';

/** What the page needs to know about the networks (written into index.html as JSON). */
export interface SiteModelInfo {
  decoder: {
    file: string;
    input: string;
    /** The latent input's shape for one latent: [1, d], or [1, C, h, w] for spatial latents. */
    inputShape: number[];
    output: string;
    latentDim: number;
    /** [C, H, W] of one image. */
    imageShape: number[];
    /** Axis order of the output: 'nchw' (also flat outputs) or 'nhwc'. */
    layout: string;
    range: OutputRange;
  };
  encoder: { file: string; input: string; mu: string; logSigma: string } | null;
}

/** The files of the networks, by name, and their description. */
export interface SiteModels {
  files: Map<string, Uint8Array>;
  info: SiteModelInfo;
}

/** The site's model files and description. */
export function siteModels(decoder: Decoder, encoder: Encoder | null): SiteModels {
  const files = new Map<string, Uint8Array>([['decoder.onnx', writeModel(decoderMeanGraph(decoder))]]);
  if (encoder !== null) {
    if (encoder.latentDim !== decoder.latentDim) throw new LpcError('LPC_SHAPE_MISMATCH', `the encoder's latent size ${encoder.latentDim} differs from the decoder's ${decoder.latentDim}`);
    files.set('encoder.onnx', writeModel(buildEncoderGraph(encoder)));
  }
  return {
    files,
    info: {
      decoder: {
        file: 'decoder.onnx',
        input: decoder.latentInput,
        inputShape: [1, ...latentShapeOf(decoder)],
        output: decoder.output,
        latentDim: decoder.latentDim,
        imageShape: [...decoder.imageShape],
        layout: decoder.layout,
        range: decoder.range,
      },
      encoder: encoder === null ? null : { file: 'encoder.onnx', input: 'x', mu: 'mu', logSigma: 'logsigma' },
    },
  };
}

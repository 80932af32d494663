/**
 * `langevin-pc sample <decoder.onnx>`: a grid of the decoder's mean images at latents drawn from the prior
 * N(0, I) with the native Philox generator, written to DIR/samples.png.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { DecoderMeans } from '../../models/decoder-means.js';
import { latentShapeOf, rangeValues } from '../../models/networks.js';
import { Rng } from '../../native/rng.js';
import { writeImageGrid } from '../../data/image-grid.js';
import * as flags from '../options.js';

/** The command's options as commander passes them. */
export interface SampleCliOptions extends flags.DecoderFlags {
  n?: string;
  seed?: string;
  out?: string;
  json?: boolean;
}

/** What sample reports. */
export interface SampleSummary {
  samples: number;
  /** The PNG written. */
  file: string;
  /** [C, H, W] of each image. */
  imageShape: number[];
  latentDim: number;
  /** Shape of one latent as the decoder takes it. */
  latentShape: number[];
}

/** The most samples one grid holds: 4096 images of 28x28 already make a 1.9k-pixel-wide PNG. */
const MAX_SAMPLES = 4096;

/**
 * Draws the latents, decodes them and writes the grid; returns what it wrote.
 *
 * @example
 * await runSample('decoder.onnx', { n: '16', seed: '3', out: 'samples' }, (s) => process.stdout.write(s));
 */
async function runSample(decoderPath: string, options: SampleCliOptions, write: (text: string) => void): Promise<SampleSummary> {
  const n = flags.parseInteger('-n', options.n, 64, 1, MAX_SAMPLES);
  const seed = flags.parseSeed(options.seed);
  const out = flags.prepareOutDir(options.out ?? '.');
  const decoder = await flags.openDecoder(decoderPath, options);
  const rng = new Rng({ seed });
  let images: Float32Array;
  try {
    const means = await DecoderMeans.create(decoder);
    try {
      images = await means.decode(rng.normal(n * decoder.latentDim));
    } finally {
      await means.dispose();
    }
  } finally {
    rng.dispose();
  }
  const [c, h, w] = decoder.imageShape;
  const file = path.join(out, 'samples.png');
  writeImageGrid(file, images, [n, c, h, w], { range: rangeValues(decoder.range) });
  const summary: SampleSummary = { samples: n, file, imageShape: [c, h, w], latentDim: decoder.latentDim, latentShape: [...latentShapeOf(decoder)] };
  write(options.json ? `${JSON.stringify(summary)}\n` : `wrote ${file}: ${n} samples of shape [${c}, ${h}, ${w}] from z ~ N(0, I_${decoder.latentDim})\n`);
  return summary;
}

/** Adds the sample subcommand to the program. */
export function register(program: Command): void {
  const command = program
    .command('sample')
    .description("write a grid of a pretrained ONNX decoder's mean images at latents drawn from the prior N(0, I)")
    .argument('<decoder>', 'path of the decoder .onnx file (input z [batch, d] or [batch, C, h, w] (--latent-shape when h, w are open), output the mean image)')
    .option('-n, --n <count>', `number of samples (at most ${MAX_SAMPLES})`, '64');
  flags.addSeedOption(command);
  flags.addOutOption(command, '.');
  flags.addDecoderOptions(command);
  command.option('--json', 'print one JSON object: {samples, file, imageShape, latentDim, latentShape}').action(async (decoder: string, options: SampleCliOptions) => {
    await runSample(decoder, options, (s) => process.stdout.write(s));
  });
}

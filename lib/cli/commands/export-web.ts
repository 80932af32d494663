/**
 * `langevin-pc export-web [DIR] [--decoder model.onnx] [--out SITE] [--serve]`: the browser latent explorer of a
 * run folder's networks or of a pretrained decoder (and encoder), as a static site; --serve serves it on
 * localhost until Ctrl-C.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { LpcError } from '../../errors.js';
import type { Decoder, Encoder } from '../../models/networks.js';
import { serveSite } from '../../web/serve-site.js';
import { writeExplorerSite } from '../../web/write-site.js';
import { isRunFolder, openRunFolder, readRunFolder } from '../eval-target.js';
import * as flags from '../options.js';

/** The command's options as commander passes them. */
export interface ExportWebCliOptions extends flags.DecoderFlags, flags.EncoderFlags {
  decoder?: string;
  encoder?: string;
  out?: string;
  serve?: boolean;
  port?: string;
}

/** The networks to explore and a title for the page. */
async function openNetworks(dir: string | undefined, options: ExportWebCliOptions): Promise<{ decoder: Decoder; encoder: Encoder | null; title: string }> {
  if ((dir === undefined) === (options.decoder === undefined)) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'give either a run folder (langevin-pc export-web DIR) or a decoder file (--decoder model.onnx), not both');
  }
  if (dir !== undefined) {
    if (!isRunFolder(dir)) throw new LpcError('LPC_NOT_FOUND', `${dir} is not a folder; give a run folder written by train, or a decoder file with --decoder`);
    const run = readRunFolder(dir);
    const target = await openRunFolder(run, options, run.config.imageShape as [number, number, number]);
    return { decoder: target.decoder, encoder: target.encoder, title: `Latent explorer: ${path.basename(path.resolve(dir))} (${run.config.algo} on ${path.basename(run.config.dataset)})` };
  }
  const file = options.decoder as string;
  const decoder = await flags.openDecoder(file, options);
  const encoder = options.encoder === undefined ? null : await flags.openEncoder(options.encoder, options, decoder.imageShape, decoder.latentDim);
  return { decoder, encoder, title: `Latent explorer: ${path.basename(file)}` };
}

/**
 * Writes the site; with --serve serves it and resolves only when the server closes (on SIGINT).
 *
 * @example
 * await runExportWeb('runs/vae', { out: 'site' }, (s) => process.stdout.write(s));
 */
export async function runExportWeb(dir: string | undefined, options: ExportWebCliOptions, write: (text: string) => void): Promise<string> {
  const port = flags.parseInteger('--port', options.port, 0, 0, 65535);
  const { decoder, encoder, title } = await openNetworks(dir, options);
  const out = flags.prepareOutDir(options.out ?? (dir === undefined ? 'web' : path.join(dir, 'web')));
  const site = writeExplorerSite(out, decoder, encoder, title);
  write(`wrote ${site.files.map((f) => path.join(out, f)).join(', ')}\n`);
  if (options.serve !== true) {
    write(`serve the folder over http to open it (a page from file:// cannot load its models), e.g. langevin-pc export-web ... --serve\n`);
    return out;
  }
  const server = await serveSite(out, port);
  write(`serving ${out} at ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await server.close();
  return out;
}

/** Adds the export-web subcommand to the program. */
export function register(program: Command): void {
  const command = program
    .command('export-web')
    .usage('[DIR] [--decoder model.onnx] [--out SITE] [--serve]')
    .description('write a browser latent explorer (sliders, a 2-D slice, encoding dropped images) of a run folder or a pretrained decoder as a static site on onnxruntime-web')
    .argument('[dir]', 'a run folder written by train')
    .option('--decoder <model.onnx>', 'a pretrained ONNX decoder instead of a run folder')
    .option('--encoder <model.onnx>', 'an ONNX encoder (outputs mu and log sigma, or log variance: see --encoder-output)');
  flags.addDecoderOptions(command);
  flags.addEncoderOptions(command);
  flags.addEncoderTensorsOption(command);
  command
    .option('--out <site>', 'the site folder (default DIR/web, or web with --decoder)')
    .option('--serve', 'serve the site on 127.0.0.1 and print its URL (browsers will not load the models of a page opened from file://)')
    .option('--port <n>', 'the port of --serve (default: a free one)')
    .action(async (dir: string | undefined, options: ExportWebCliOptions) => {
      await runExportWeb(dir, options, (s) => process.stdout.write(s));
    });
}

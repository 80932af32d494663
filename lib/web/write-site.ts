/**
 * The latent explorer as a static site in one folder: index.html, the networks, and onnxruntime-web's files.
 * Opened through any static web server (browsers do not let a page from file:// fetch the models).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LpcError } from '../errors.js';
import type { Decoder, Encoder } from '../models/networks.js';
import { explorerHtml } from './explorer-page.js';
import { copyOrtWebFiles } from './ort-web-files.js';
import { siteModels, type SiteModelInfo } from './site-models.js';

/** What writeExplorerSite wrote. */
export interface ExplorerSite {
  dir: string;
  /** Names of the files written, index.html first. */
  files: string[];
  info: SiteModelInfo;
}

/**
 * Writes the site for `decoder` (and `encoder`) into `dir`.
 *
 * @example
 * const site = writeExplorerSite('site', await loadDecoder('decoder.onnx'), null, 'my decoder');
 */
export function writeExplorerSite(dir: string, decoder: Decoder, encoder: Encoder | null, title: string): ExplorerSite {
  const models = siteModels(decoder, encoder);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), explorerHtml(models.info, title));
    for (const [name, bytes] of models.files) writeFileSync(path.join(dir, name), bytes);
  } catch (error) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `cannot write the site into ${dir}: ${(error as Error).message}; choose another --out`, { cause: error });
  }
  const ort = copyOrtWebFiles(dir);
  return { dir, files: ['index.html', ...models.files.keys(), ...ort], info: models.info };
}

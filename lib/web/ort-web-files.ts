/**
 * onnxruntime-web's files that the latent explorer runs on, taken from this package's node_modules so the site
 * needs no network: the WebAssembly build's script (global `ort`), its Emscripten loader and its wasm binary.
 * The explorer runs one wasm thread, so the plain build serves without cross-origin-isolation headers.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LpcError } from '../errors.js';

/** The files, by name, as the page loads them (the script by a tag, the other two by the script itself). */
export const ORT_WEB_FILES = Object.freeze({
  script: 'ort.wasm.min.js',
  loader: 'ort-wasm-simd-threaded.mjs',
  wasm: 'ort-wasm-simd-threaded.wasm',
});

/** The folder holding onnxruntime-web's built files. */
export function ortWebDist(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('onnxruntime-web/wasm');
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `onnxruntime-web is not installed (${(error as Error).message}); run npm install in the package's folder`, { cause: error });
  }
  return path.dirname(entry);
}

/** Copies the files into `site`; returns their names. */
export function copyOrtWebFiles(site: string): string[] {
  const dist = ortWebDist();
  const names = Object.values(ORT_WEB_FILES);
  for (const name of names) {
    const from = path.join(dist, name);
    if (!existsSync(from)) throw new LpcError('LPC_NOT_FOUND', `onnxruntime-web has no ${from}; reinstall onnxruntime-web (the version in package.json)`);
    copyFileSync(from, path.join(site, name));
  }
  return names;
}

/// <reference lib="dom" />
/**
 * The latent explorer of a pretrained decoder with a spatial latent ([batch, 4, h, w] with open h and w, the
 * PyTorch fixture of test/models/fixtures), exported with `--latent-shape`: the page feeds latents of that
 * shape, decodes a 12x12 image on load, and redraws it when a slider moves.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../cli/support.js';
import { openExplorer, type OpenExplorer } from './support/explorer.js';

const DECODER = path.join(import.meta.dirname, '..', 'models', 'fixtures', 'spatial-decoder.onnx');
const tmp = tempFolder('lpc-web-spatial-');
let explorer: OpenExplorer;

beforeAll(async () => {
  const site = path.join(tmp.dir, 'site');
  const exported = await runCli(['export-web', '--decoder', DECODER, '--latent-shape', '4,3,3', '--range', '01', '--out', site]);
  if (exported.code !== 0) throw new Error(exported.stderr);
  explorer = await openExplorer(site);
});

afterAll(async () => {
  await explorer?.close();
  tmp.dispose();
});

describe('export-web with a spatial latent', () => {
  it('decodes 4x3x3 latents into 12x12 images and follows a slider', async () => {
    const before = await explorer.decodedPixels();
    expect(before).toHaveLength(12 * 12 * 4);
    expect(await explorer.browser.page.$$eval('#sliders input', (inputs) => inputs.length)).toBe(36);
    const count = await explorer.renders();
    await explorer.browser.page.$eval('#sliders input[data-dim="4"]', (input) => {
      const slider = input as HTMLInputElement;
      slider.value = '2.5';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await explorer.rendersAfter(count);
    const after = await explorer.decodedPixels();
    expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(0);
    expect(explorer.browser.errors).toEqual([]);
  });
});

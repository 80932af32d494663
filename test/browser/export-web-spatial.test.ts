/// <reference lib="dom" />
/**
 * The latent explorer of a pretrained decoder with a spatial latent ([batch, 4, h, w] with open h and w, the
 * PyTorch fixture of test/models/fixtures), exported with `--latent-shape`: the page feeds latents of that
 * shape, decodes a 12x12 image on load, and redraws it when a slider moves.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type SiteServer } from '../../lib/web/serve-site.js';
import { runCli, tempFolder } from '../cli/support.js';
import { openPage, type BrowserPage } from './support/chromium.js';

const DECODER = path.join(import.meta.dirname, '..', 'models', 'fixtures', 'spatial-decoder.onnx');
const tmp = tempFolder('lpc-web-spatial-');
let server: SiteServer;
let browser: BrowserPage;

beforeAll(async () => {
  const site = path.join(tmp.dir, 'site');
  const exported = await runCli(['export-web', '--decoder', DECODER, '--latent-shape', '4,3,3', '--range', '01', '--out', site]);
  if (exported.code !== 0) throw new Error(exported.stderr);
  server = await serveSite(site);
  browser = await openPage();
  await browser.page.goto(server.url);
  await browser.page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  tmp.dispose();
});

function decodedPixels(): Promise<number[]> {
  return browser.page.$eval('#decoded', (canvas) => {
    const c = canvas as HTMLCanvasElement;
    return Array.from(c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? []);
  });
}

describe('export-web with a spatial latent', () => {
  it('decodes 4x3x3 latents into 12x12 images and follows a slider', async () => {
    const before = await decodedPixels();
    expect(before).toHaveLength(12 * 12 * 4);
    expect(await browser.page.$$eval('#sliders input', (inputs) => inputs.length)).toBe(36);
    const count = Number(await browser.page.$eval('body', (b) => (b as HTMLElement).dataset.renders));
    await browser.page.$eval('#sliders input[data-dim="4"]', (input) => {
      const slider = input as HTMLInputElement;
      slider.value = '2.5';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await browser.page.waitForFunction((n) => Number(document.body.dataset.renders) > n, count, { timeout: 30_000 });
    const after = await decodedPixels();
    expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });
});

/// <reference lib="dom" />
/**
 * The latent explorer in a real headless chromium, served the way `export-web --serve` serves it: moving a
 * slider redraws the decoded image, dragging in the slice moves the two chosen dimensions, and an image given
 * to the encoder shows its latent and its reconstruction; the console stays free of errors.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageGridPng } from '../../lib/data/image-grid.js';
import { serveSite, type SiteServer } from '../../lib/web/serve-site.js';
import { runCli, tempFolder } from '../cli/support.js';
import { TINY } from '../cli/train-support.js';
import { openPage, type BrowserPage } from './support/chromium.js';

const tmp = tempFolder('lpc-web-browser-');
let server: SiteServer;
let browser: BrowserPage;

beforeAll(async () => {
  const run = path.join(tmp.dir, 'vae');
  const trained = await runCli([...TINY, '--algo', 'vae', '--updates', '20', '--eval-every', '20', '--out', run]);
  if (trained.code !== 0) throw new Error(trained.stderr);
  const site = path.join(tmp.dir, 'site');
  const exported = await runCli(['export-web', run, '--out', site]);
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

/** The decoded canvas's RGBA bytes, as a plain array. */
function decodedPixels(): Promise<number[]> {
  return browser.page.$eval('#decoded', (canvas) => {
    const c = canvas as HTMLCanvasElement;
    return Array.from(c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? []);
  });
}

/** Waits until the page has decoded more than `count` times. */
async function rendersAfter(count: number): Promise<void> {
  await browser.page.waitForFunction((n) => Number(document.body.dataset.renders) > n, count, { timeout: 30_000 });
}

const renders = async () => Number(await browser.page.$eval('body', (b) => (b as HTMLElement).dataset.renders));

describe('export-web site in chromium', () => {
  it('decodes the latent origin on load: a 28x28 image', async () => {
    const pixels = await decodedPixels();
    expect(pixels).toHaveLength(28 * 28 * 4);
    expect(browser.errors).toEqual([]);
  });

  it('redraws the decoded image when a slider moves', async () => {
    const before = await decodedPixels();
    const count = await renders();
    await browser.page.$eval('#sliders input[data-dim="0"]', (input) => {
      const slider = input as HTMLInputElement;
      slider.value = '2.5';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await rendersAfter(count);
    const after = await decodedPixels();
    expect(after).toHaveLength(before.length);
    expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });

  it('moves the two chosen dimensions when the slice is dragged', async () => {
    await browser.page.selectOption('#dim-x', '2');
    await browser.page.selectOption('#dim-y', '3');
    const count = await renders();
    const box = await browser.page.locator('#slice').boundingBox();
    if (box === null) throw new Error('the slice is not laid out');
    // The top-right corner: z2 = +3 and z3 = +3 (the y axis points up).
    await browser.page.mouse.click(box.x + box.width - 1, box.y + 1);
    await rendersAfter(count);
    const values = await browser.page.$$eval('#sliders input', (inputs) => inputs.map((i) => Number((i as HTMLInputElement).value)));
    expect(values[2]).toBeCloseTo(3, 1);
    expect(values[3]).toBeCloseTo(3, 1);
    expect(values[0]).toBe(2.5);
  });

  it('encodes a given image: its latent, input and reconstruction appear', async () => {
    const file = path.join(tmp.dir, 'digit.png');
    const image = new Float32Array(28 * 28);
    for (let y = 8; y < 20; y++) image[y * 28 + 14] = 1; // a vertical stroke, a "1"
    writeFileSync(file, imageGridPng(image, [1, 1, 28, 28], { padding: 0 }));
    await browser.page.setInputFiles('#file', file);
    await browser.page.waitForFunction(() => document.body.dataset.encoded === '1', undefined, { timeout: 30_000 });
    const latent = await browser.page.$eval('#latent', (e) => e.textContent ?? '');
    expect(latent.split('\n')).toHaveLength(4);
    const reconstruction = await browser.page.$eval('#reconstruction', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect(reconstruction).toEqual([28, 28]);
    expect(browser.errors).toEqual([]);
  });
});

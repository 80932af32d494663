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
import { runCli, tempFolder } from '../cli/support.js';
import { TINY } from '../cli/train-support.js';
import { openExplorer, type OpenExplorer } from './support/explorer.js';

const tmp = tempFolder('lpc-web-browser-');
let explorer: OpenExplorer;

beforeAll(async () => {
  const run = path.join(tmp.dir, 'vae');
  const trained = await runCli([...TINY, '--algo', 'vae', '--updates', '20', '--eval-every', '20', '--out', run]);
  if (trained.code !== 0) throw new Error(trained.stderr);
  const site = path.join(tmp.dir, 'site');
  const exported = await runCli(['export-web', run, '--out', site]);
  if (exported.code !== 0) throw new Error(exported.stderr);
  explorer = await openExplorer(site);
});

afterAll(async () => {
  await explorer?.close();
  tmp.dispose();
});

describe('export-web site in chromium', () => {
  it('decodes the latent origin on load: a 28x28 image', async () => {
    const pixels = await explorer.decodedPixels();
    expect(pixels).toHaveLength(28 * 28 * 4);
    expect(explorer.browser.errors).toEqual([]);
  });

  it('redraws the decoded image when a slider moves', async () => {
    const before = await explorer.decodedPixels();
    const count = await explorer.renders();
    await explorer.browser.page.$eval('#sliders input[data-dim="0"]', (input) => {
      const slider = input as HTMLInputElement;
      slider.value = '2.5';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await explorer.rendersAfter(count);
    const after = await explorer.decodedPixels();
    expect(after).toHaveLength(before.length);
    expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(0);
    expect(explorer.browser.errors).toEqual([]);
  });

  it('moves the two chosen dimensions when the slice is dragged', async () => {
    await explorer.browser.page.selectOption('#dim-x', '2');
    await explorer.browser.page.selectOption('#dim-y', '3');
    const count = await explorer.renders();
    const box = await explorer.browser.page.locator('#slice').boundingBox();
    if (box === null) throw new Error('the slice is not laid out');
    // The top-right corner: z2 = +3 and z3 = +3 (the y axis points up).
    await explorer.browser.page.mouse.click(box.x + box.width - 1, box.y + 1);
    await explorer.rendersAfter(count);
    const values = await explorer.browser.page.$$eval('#sliders input', (inputs) => inputs.map((i) => Number((i as HTMLInputElement).value)));
    expect(values[2]).toBeCloseTo(3, 1);
    expect(values[3]).toBeCloseTo(3, 1);
    expect(values[0]).toBe(2.5);
  });

  it('encodes a given image: its latent, input and reconstruction appear', async () => {
    const file = path.join(tmp.dir, 'digit.png');
    const image = new Float32Array(28 * 28);
    for (let y = 8; y < 20; y++) image[y * 28 + 14] = 1; // a vertical stroke, a "1"
    writeFileSync(file, imageGridPng(image, [1, 1, 28, 28], { padding: 0 }));
    await explorer.browser.page.setInputFiles('#file', file);
    await explorer.browser.page.waitForFunction(() => document.body.dataset.encoded === '1', undefined, { timeout: 30_000 });
    const latent = await explorer.browser.page.$eval('#latent', (e) => e.textContent ?? '');
    expect(latent.split('\n')).toHaveLength(4);
    const reconstruction = await explorer.browser.page.$eval('#reconstruction', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect(reconstruction).toEqual([28, 28]);
    expect(explorer.browser.errors).toEqual([]);
  });
});

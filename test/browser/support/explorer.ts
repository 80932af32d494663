/// <reference lib="dom" />
/**
 * A latent explorer site served as `export-web --serve` serves it and opened in chromium, ready (its networks
 * loaded and the latent origin decoded), with the page's counters and canvas read back for assertions.
 */
import { serveSite } from '../../../lib/web/serve-site.js';
import { openPage, type BrowserPage } from './chromium.js';

/** An opened explorer; close() stops the browser and the server. */
export interface OpenExplorer {
  browser: BrowserPage;
  /** The decoded canvas's RGBA bytes, as a plain array. */
  decodedPixels(): Promise<number[]>;
  /** How many times the page has decoded. */
  renders(): Promise<number>;
  /** Waits until the page has decoded more than `count` times. */
  rendersAfter(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Serves the site folder on localhost and opens it; resolves once the page says it is ready. */
export async function openExplorer(site: string): Promise<OpenExplorer> {
  const server = await serveSite(site);
  const browser = await openPage();
  const close = async () => {
    await browser.close();
    await server.close();
  };
  try {
    await browser.page.goto(server.url);
    await browser.page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  } catch (error) {
    await close();
    throw error;
  }
  const page = browser.page;
  return {
    browser,
    decodedPixels: () =>
      page.$eval('#decoded', (canvas) => {
        const c = canvas as HTMLCanvasElement;
        return Array.from(c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? []);
      }),
    renders: async () => Number(await page.$eval('body', (b) => (b as HTMLElement).dataset.renders)),
    rendersAfter: async (count) => {
      await page.waitForFunction((n) => Number(document.body.dataset.renders) > n, count, { timeout: 30_000 });
    },
    close,
  };
}

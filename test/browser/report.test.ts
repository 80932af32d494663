/// <reference lib="dom" />
/**
 * A run report in a real headless chromium: every chart's SVG is laid out with visible marks, both pictures
 * decode, and the console shows no error.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempFolder } from '../cli/support.js';
import { LPC, TINY } from '../cli/train-support.js';
import { openPage } from './support/chromium.js';

const tmp = tempFolder('lpc-report-browser-');
afterAll(() => tmp.dispose());

describe('report.html in chromium', () => {
  it('renders every chart and picture with no console error', async () => {
    const out = path.join(tmp.dir, 'run');
    const run = await runCli([...TINY, ...LPC, '--updates', '8', '--eval-every', '4', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const browser = await openPage();
    try {
      await browser.page.goto(pathToFileURL(path.join(out, 'report.html')).href);
      const charts = await browser.page.$$eval('section.chart', (sections) =>
        sections.map((s) => {
          const svg = s.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return { width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, line, circle').length ?? 0 };
        }),
      );
      expect(charts.length).toBeGreaterThanOrEqual(3);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(100);
        expect(c.marks).toBeGreaterThan(0);
      }
      const pictures = await browser.page.$$eval('img', (images) => images.map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth));
      expect(pictures).toHaveLength(2);
      for (const width of pictures) expect(width).toBeGreaterThan(0);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

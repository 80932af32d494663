/**
 * The report a `train` run leaves (report.html with its charts and pictures, reconstructions.png) and
 * `langevin-pc report` rebuilding it from the folder or comparing runs, on the tiny MNIST runs.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportStructure } from '../report/support/report-structure.js';
import { readPng, runCli, tempFolder } from './support.js';
import { LPC, TINY } from './train-support.js';

const tmp = tempFolder('lpc-report-cli-');
afterAll(() => tmp.dispose());
const lpc = path.join(tmp.dir, 'lpc');
const vae = path.join(tmp.dir, 'vae');

beforeAll(async () => {
  for (const [out, args] of [
    [lpc, LPC],
    [vae, ['--algo', 'vae']],
  ] as const) {
    const run = await runCli([...TINY, ...args, '--updates', '8', '--eval-every', '4', '--out', out]);
    if (run.code !== 0) throw new Error(`train failed: ${run.stderr}`);
  }
}, 120_000);

describe('train writes a report', () => {
  it('writes report.html with at least three SVG charts, inline pictures and no network URL', () => {
    const html = readFileSync(path.join(lpc, 'report.html'), 'utf8');
    const s = reportStructure(html);
    expect(s.svgs).toBeGreaterThanOrEqual(3);
    expect(s.imageSources).toHaveLength(2); // samples and reconstructions
    for (const src of s.imageSources) expect(src).toMatch(/^data:image\/png;base64,/);
    expect(s.externalUrls).toEqual([]);
    expect(html).toContain('Evaluation on test images against updates');
  });

  it('writes reconstructions.png: 16 test digits, each beside its reconstruction', () => {
    const png = readPng(path.join(lpc, 'reconstructions.png'));
    // 8 pairs of 28 + 1 + 28 pixels and 9 paddings of 2 across, 2 rows of 28 and 3 paddings down.
    expect([png.width, png.height]).toEqual([8 * 57 + 9 * 2, 2 * 28 + 3 * 2]);
  });
});

describe('langevin-pc report', () => {
  it('rewrites DIR/report.html from the folder', async () => {
    const file = path.join(vae, 'report.html');
    rmSync(file);
    const run = await runCli(['report', vae]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`wrote ${file}\n`);
    expect(existsSync(file) && statSync(file).size).toBeGreaterThan(10_000);
    const s = reportStructure(readFileSync(file, 'utf8'));
    expect(s.svgs).toBeGreaterThanOrEqual(3);
    expect(s.externalUrls).toEqual([]);
  });

  it('compares runs in one page with --out', async () => {
    const out = path.join(tmp.dir, 'compare.html');
    const run = await runCli(['report', lpc, vae, '--out', out]);
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<title>langevin-pc: lpc vs vae</title>');
  });

  it('needs --out for several folders and a run folder to read', async () => {
    const two = await runCli(['report', lpc, vae]);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: 2 run folders need --out FILE/);
    const none = await runCli(['report', path.join(tmp.dir, 'absent')]);
    expect(none.stderr).toMatch(/^langevin-pc: LPC_NOT_FOUND: /);
  });
});

/**
 * Debian's headless chromium driven by playwright-core (its own browser downloads cannot be fetched here):
 * a fresh profile per launch, no network services of the browser's own, and every console error and page
 * error collected, so that a test can assert there were none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where scripts/install-chromium.sh puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** A launched browser with one page, and the errors that page reported. */
export interface BrowserPage {
  page: Page;
  /** Console messages of type error, uncaught page errors and failed requests, in order. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches chromium with a fresh profile and opens a page. */
export async function openPage(): Promise<BrowserPage> {
  const profile = mkdtempSync(path.join(tmpdir(), 'lpc-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // The console says only "Failed to load resource"; name the resource.
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  return {
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

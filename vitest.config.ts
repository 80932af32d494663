import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests of data sets a fresh machine lacks run in `npm run test:datasets` (vitest.datasets.config.ts), and
    // tests that need a browser in `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/datasets/**', 'test/browser/**', '**/node_modules/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Native sampling tests are CPU-bound; two workers match the two cores CI has.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});

import { defineConfig } from 'vitest/config';

// Tests that drive a real headless browser (Debian's chromium, scripts/install-chromium.sh): `npm run test:browser`.
// `npm test` never runs them.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});

import { defineConfig } from 'vitest/config';

// Tests of data sets that a fresh machine lacks (Debian's dataset-fashion-mnist): `npm run test:datasets`,
// after scripts/install-datasets.sh. `npm test` never runs them.
export default defineConfig({
  test: {
    include: ['test/datasets/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 300_000,
  },
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { binding } from '../../lib/native/binding.js';

describe('native binding', () => {
  it('loads the addon built for this package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(binding.version).toBe(pkg.version);
  });
});

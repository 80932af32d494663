/**
 * Prettier (TypeScript) and clang-format (C++) format to one line width. Each tool reads its own file, so the
 * width is written twice; this test keeps the two equal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

describe('line width', () => {
  it('is the same for Prettier and clang-format', () => {
    const prettier = JSON.parse(readFileSync(path.join(ROOT, '.prettierrc'), 'utf8')) as { printWidth: number };
    const clang = /^ColumnLimit:\s*(\d+)\s*$/m.exec(readFileSync(path.join(ROOT, '.clang-format'), 'utf8'));
    expect(clang, '.clang-format sets ColumnLimit').not.toBeNull();
    expect(Number(clang![1])).toBe(prettier.printWidth);
  });
});

/**
 * Source comments point readers at Markdown files ("docs/ARCHITECTURE.md §2.3", "bench/RESULTS.md"): every
 * such pointer in the comments of lib, native, test, bench and scripts must name a file in the repository, and
 * every section number cited in docs/ARCHITECTURE.md must be one of its headings, so that a pointer never
 * leads nowhere. Files a program writes into a git-ignored output folder (bench/out/) are not pointers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const FOLDERS = ['lib', 'native', 'test', 'bench', 'scripts'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|cc|h|cu|cuh|py|cmake|txt)$/;
const MD_NAME = /[\w./-]*\w\.md\b/g;
// Block and line comments of TypeScript, JavaScript and C++, and Python's line comments.
const COMMENT = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|^\s*#[^\n]*/gm;
const IGNORED_OUTPUT = readFileSync(path.join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .filter((line) => line.endsWith('/') && !line.startsWith('/'));
const ARCHITECTURE_CITE = /docs\/ARCHITECTURE\.md((?:,? (?:and )?§\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?)+)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (name === 'node_modules' || name === 'out' || name === 'fixtures') return [];
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return SOURCE.test(name) ? [rel] : [];
  });
}

const files = FOLDERS.flatMap(sourceFiles);

/** The text of the comments of one source file. */
function comments(file: string): string {
  return [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(COMMENT)].map((m) => m[0]).join('\n');
}
const headings = new Set([...readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8').matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!));

describe('Markdown files named in source comments', () => {
  it('finds the pointers', () => {
    const count = files.reduce((n, f) => n + [...comments(f).matchAll(MD_NAME)].length, 0);
    expect(count).toBeGreaterThan(30);
    expect(headings.size).toBeGreaterThan(10);
  });

  it('name files that exist, from the repository root or beside the source', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const [name] of comments(file).matchAll(MD_NAME)) {
        if (IGNORED_OUTPUT.some((folder) => name.startsWith(folder))) continue;
        if (!existsSync(path.join(ROOT, name)) && !existsSync(path.join(ROOT, path.dirname(file), name))) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('cite sections of docs/ARCHITECTURE.md that exist', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const [, cites] of comments(file).matchAll(ARCHITECTURE_CITE)) {
        for (const [section] of cites!.matchAll(/\d+(?:\.\d+)?/g)) if (!headings.has(section)) missing.push(`${file}: §${section}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

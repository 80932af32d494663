/**
 * The folders of lib/ import one way: down the table of layers in docs/ARCHITECTURE.md §4. The test reads the
 * order from that table (so it is written once) and checks every relative import of every module against it;
 * lib/errors.ts and lib/checks.ts sit below every folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');
const IMPORT = /(?:from|import)\s*'(\.[^']+)'/g;

const table = readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8')
  .split('## 4.')[1]!
  .split('\n## ')[0]!;
const order = [...table.matchAll(/^\| `lib\/(\w+)\/` \|/gm)].map((m) => m[1]!);

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return modules(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The lib/ folder a module belongs to, or null for the modules at lib/'s top level. */
function folderOf(file: string): string | null {
  const parts = path.relative(LIB, file).split(path.sep);
  return parts.length > 1 ? parts[0]! : null;
}

describe('layers of lib/', () => {
  it('the table names every folder of lib/ once', () => {
    const folders = readdirSync(LIB).filter((name) => statSync(path.join(LIB, name)).isDirectory());
    expect([...order].sort()).toEqual(folders.sort());
  });

  it('every import goes to the same folder, a folder below it, or lib/errors.ts and lib/checks.ts', () => {
    const upward: string[] = [];
    for (const file of modules(LIB)) {
      const from = folderOf(file);
      if (from === null) continue; // lib/index.ts re-exports everything; errors.ts and checks.ts import nothing above
      for (const [, target] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const to = folderOf(path.resolve(path.dirname(file), target!));
        if (to !== null && order.indexOf(to) < order.indexOf(from)) upward.push(`${path.relative(ROOT, file)} imports ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});

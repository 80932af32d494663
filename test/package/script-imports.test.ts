/**
 * The benchmarks and scripts are plain .mjs files that import the built package (dist/), so the type check
 * does not see them: this test reads their imports and checks that each named import is still exported by
 * the library module it comes from (lib/<path>.ts for dist/<path>.js).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const FOLDERS = ['bench', 'bench/evidence', 'bench/evidence/study', 'scripts'];
const IMPORT = /import\s*\{([^}]*)\}\s*from\s*'((?:\.\.\/)+dist\/[^']+)\.js'/g;

const files = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(ROOT, folder))
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => path.join(folder, f)),
);

describe('imports of the .mjs benchmarks and scripts', () => {
  it('finds the files and their imports from dist/', () => {
    const count = files.reduce((n, f) => n + [...readFileSync(path.join(ROOT, f), 'utf8').matchAll(IMPORT)].length, 0);
    expect(count).toBeGreaterThan(15);
  });

  for (const file of files) {
    const imports = [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(IMPORT)];
    if (imports.length === 0) continue;
    it(`${file} imports only names the library exports`, async () => {
      for (const [, names, target] of imports) {
        const libPath = path.resolve(ROOT, path.dirname(file), `${target}.ts`).replace(`${path.sep}dist${path.sep}`, `${path.sep}lib${path.sep}`);
        const module = (await import(libPath)) as Record<string, unknown>;
        for (const raw of names!.split(',')) {
          const name = raw.trim().split(/\s+as\s+/)[0]!;
          if (name === '') continue;
          expect(module[name], `${file}: ${name} from ${target}.js`).toBeDefined();
        }
      }
    });
  }
});

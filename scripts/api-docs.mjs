#!/usr/bin/env node
// Writes the Markdown API reference docs/api/ from the doc comments of lib/ with TypeDoc (typedoc.json: one
// module per layer of lib/, the markdown plugin, no source links so the files change only when a comment or a
// signature does, and warnings as errors, so a broken {@link} or a public type that is not exported fails).
// typedoc.json's intentionallyNotExported names the addon's raw option type, which ChainSettings derives from
// but programs never build; useHTMLAnchors gives each linked member an explicit anchor, because the plugin's
// links to some type aliases carry a -1 suffix that no GitHub heading fragment has
// (test/package/doc-links.test.ts checks every link).
//
//   node scripts/api-docs.mjs           regenerate docs/api/
//   node scripts/api-docs.mjs --check   generate into a temporary folder and fail, naming the files, when
//                                       docs/api/ differs (CI runs this)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = path.join(root, 'docs', 'api');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(path.join(tmpdir(), 'lpc-api-docs-')) : committed;

function markdownFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.md'))
    .sort();
}

try {
  if (!check) rmSync(committed, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--options', path.join(root, 'typedoc.json'), '--out', out, '--logLevel', 'Warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (check) {
    const fresh = markdownFiles(out);
    const old = markdownFiles(committed);
    const stale = [...new Set([...fresh, ...old])].filter((f) => !fresh.includes(f) || !old.includes(f) || readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(committed, f), 'utf8'));
    if (stale.length > 0) {
      console.error(`docs/api is stale (${stale.map((f) => `docs/api/${f}`).join(', ')}): run npm run docs:api and commit the result`);
      process.exitCode = 1;
    } else {
      console.log(`docs/api is up to date (${fresh.length} files)`);
    }
  } else {
    console.log(`wrote ${markdownFiles(out).length} files to docs/api/`);
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}

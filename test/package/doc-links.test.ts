/**
 * Links between the repository's Markdown files lead somewhere: every relative link in README.md, docs/*.md and
 * the generated API reference docs/api/*.md names a file that exists and, with a #fragment, a heading of that
 * file, with headings turned into fragments as GitHub does (lower case, punctuation dropped, spaces to hyphens,
 * -1, -2, ... for repeats). Links to the web and text inside code are not links.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const FILES = [
  'README.md',
  ...['docs', path.join('docs', 'api')].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(dir, f)),
  ),
];

/** The text outside fenced code blocks and inline code. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's fragment of a heading's text. */
function headingSlug(text: string): string {
  const plain = text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\\(.)/g, '$1')
    .replace(/[*`]/g, '');
  return plain
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_ -]/gu, '')
    .replace(/ /g, '-');
}

const anchorCache = new Map<string, Set<string>>();

/** The fragments a Markdown file's headings (and explicit `<a id>` / `<a name>` anchors) define. */
function anchors(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(file, 'utf8');
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const [, heading] of text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.*?)\s*#*\s*$/gm)) {
    const base = headingSlug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id!);
  anchorCache.set(file, found);
  return found;
}

/** The relative links of a Markdown file: [text](target) and [text](target "title"), targets decoded. */
function relativeLinks(file: string): string[] {
  const links: string[] = [];
  for (const [, target] of prose(readFileSync(path.join(ROOT, file), 'utf8')).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue;
    links.push(decodeURIComponent(target!));
  }
  return links;
}

describe('relative links in Markdown', () => {
  it('are found in the README, docs/ and the API reference', () => {
    expect(FILES).toEqual(expect.arrayContaining(['README.md', path.join('docs', 'ARCHITECTURE.md'), path.join('docs', 'api', 'README.md'), path.join('docs', 'api', 'training.md')]));
    const count = FILES.reduce((n, f) => n + relativeLinks(f).length, 0);
    expect(count).toBeGreaterThan(500);
  });

  it('name files that exist and headings those files have', () => {
    const broken: string[] = [];
    for (const file of FILES) {
      for (const link of relativeLinks(file)) {
        const [target, fragment] = link.split('#', 2) as [string, string | undefined];
        const resolved = target === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), target);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${link} (no such file)`);
          continue;
        }
        if (fragment === undefined || fragment === '') continue;
        if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
          broken.push(`${file}: ${link} (a fragment of something other than a Markdown file)`);
          continue;
        }
        if (!anchors(resolved).has(fragment)) broken.push(`${file}: ${link} (no heading with that fragment)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('turns headings into fragments as GitHub does', () => {
    expect(headingSlug('5. One training update, end to end')).toBe('5-one-training-update-end-to-end');
    expect(headingSlug('`Chains`: the sampler')).toBe('chains-the-sampler');
    expect(headingSlug('getState()')).toBe('getstate');
    expect(headingSlug('MALA_DEFAULTS')).toBe('mala_defaults');
    expect(headingSlug('Evidence: LPC vs VAE on Fashion-MNIST')).toBe('evidence-lpc-vs-vae-on-fashion-mnist');
  });
});

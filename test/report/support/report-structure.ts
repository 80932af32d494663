/**
 * What the report tests check in a page: its inline SVG charts, its inline images, and every src or href that
 * would reach the network.
 */

/** The parts of a report page the tests assert on. */
export interface ReportStructure {
  /** Opening <svg> tags (one per chart). */
  svgs: number;
  /** src values of <img> tags. */
  imageSources: string[];
  /** src or href values with an http(s) URL (none may exist: the page must be self-contained). */
  externalUrls: string[];
}

/** Reads the structure of `html`. */
export function reportStructure(html: string): ReportStructure {
  const attributes = [...html.matchAll(/\s(?:src|href|xlink:href)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => m[2] ?? m[3] ?? m[4]);
  return {
    svgs: html.match(/<svg[\s>]/g)?.length ?? 0,
    imageSources: [...html.matchAll(/<img\b[^>]*\ssrc="([^"]*)"/g)].map((m) => m[1]),
    externalUrls: attributes.filter((a) => /^\s*(https?:)?\/\//i.test(a)),
  };
}

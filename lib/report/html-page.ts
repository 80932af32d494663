/**
 * The shell of the package's standalone HTML pages (the run report and the browser latent explorer): one
 * head (charset, viewport, an empty icon so that no page asks a server for favicon.ico), the base style both
 * share, and the escaping of text put into them.
 */

/** A whole page: `style` is the page's own CSS (after the shared body rule), `body` its HTML. */
export function htmlPage(title: string, style: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #222; }
${style.trim()}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Text safe inside elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

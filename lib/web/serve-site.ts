/**
 * A static file server for a site folder on localhost: GET and HEAD of the files in the folder (no listings,
 * nothing outside it), with the content types browsers insist on (application/wasm for WebAssembly streaming
 * compilation, text/javascript for module scripts).
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { LpcError } from '../errors.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
};

/** A running server. */
export interface SiteServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1:`port` (0: a free port).
 *
 * @example
 * const server = await serveSite('site', 8080);
 * console.log(`open ${server.url}`);
 */
export async function serveSite(dir: string, port = 0): Promise<SiteServer> {
  const root = path.resolve(dir);
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let file = '';
    let size: number;
    try {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
      const stat = statSync(file);
      if (!stat.isFile() || !file.startsWith(root + path.sep)) throw new Error('not a file of the site');
      size = stat.size;
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-cache' });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new LpcError('LPC_INVALID_ARGUMENT', `cannot serve on 127.0.0.1:${port}: ${error.message}; choose another --port`, { cause: error })),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    // Browsers and fetch keep connections alive: close them, or close() would wait for them to time out.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The plainest static host: node:http serving a folder with a Content-Type and a Content-Length and nothing else (no
 * COOP/COEP/CORP, no CSP, no caching headers), `/` as index.html, 404 otherwise. `routes` answer chosen paths
 * themselves (before the folder), e.g. a file with a CORS header for a page of another origin. Port 0: any free port.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface PlainServer {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function servePlain(dir: string | null, routes: Record<string, Route> = {}, port = 0): Promise<PlainServer> {
  const root = dir ? resolve(dir) : null;
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const route = routes[path];
    if (route) return route(req, res);
    try {
      if (!root || !(req.method === 'GET' || req.method === 'HEAD')) throw new Error('not found');
      const file = normalize(join(root, path === '/' ? 'index.html' : path));
      if (!file.startsWith(root + '/') || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', () => ok()));
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

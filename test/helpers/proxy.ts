import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Proxy { url: string; requests: { method: string; path: string }[]; close(): Promise<void> }

/** An HTTP proxy to `target` that delays each request by `delayMs` and records what passed. */
export async function startDelayProxy(target: string, delayMs: number): Promise<Proxy> {
  const requests: Proxy['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => { res.writeHead(502); res.end(); });
        up.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

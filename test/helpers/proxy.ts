import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  url: string;
  requests: { method: string; path: string }[];
  /** The request bodies, in the order they came. */
  bodies: string[];
  /** Told of each request body as it arrives (before it goes on). */
  onBody?: (body: string) => void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy to `target` that records what passed and delays each request by `delayMs`; a request
 * whose body `fail` picks is answered with the error it gives (a server refusing that statement); one
 * `lose` picks goes on to the server, whose answer is then lost (the connection closed instead).
 */
async function startProxy(target: string, opts: { delayMs?: number; fail?: (body: string) => { status: number; body: unknown } | undefined; lose?: (body: string) => boolean }): Promise<Proxy> {
  const requests: Proxy['requests'] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('utf8'));
      proxy.onBody?.(body.toString('utf8'));
      const fault = opts.fail?.(body.toString('utf8'));
      if (fault) { res.writeHead(fault.status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(fault.body)); return; }
      const lost = opts.lose?.(body.toString('utf8')) ?? false;
      setTimeout(() => {
        const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          if (lost) { r.resume(); r.on('end', () => req.socket.destroy()); return; }
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => { res.writeHead(502); res.end(); });
        up.end(body);
      }, opts.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests, bodies,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return proxy;
}

/** An HTTP proxy to `target` that delays each request by `delayMs` and records what passed. */
export const startDelayProxy = (target: string, delayMs: number): Promise<Proxy> => startProxy(target, { delayMs });

/** An HTTP proxy to `target` that answers a request whose body `fail` picks with the error it gives, and passes the rest through. */
export const startFaultProxy = (target: string, fail: (body: string) => { status: number; body: unknown } | undefined): Promise<Proxy> => startProxy(target, { fail });

/** An HTTP proxy to `target` that passes every request on, and loses the answer to one whose body `lose` picks (it ran; its connection is closed). */
export const startLosingProxy = (target: string, lose: (body: string) => boolean): Promise<Proxy> => startProxy(target, { lose });

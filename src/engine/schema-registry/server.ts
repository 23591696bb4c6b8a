import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SchemaRegistry } from './registry.js';
import { handleRegistryRequest, SR_CONTENT_TYPE } from './routes.js';
import { basicAuthHeader, credentialsMatch } from '../util/basic-auth.js';
import { negotiate } from '../util/media-types.js';
import { urlHost } from '../util/url-host.js';

export interface RegistryListener { url: string; port: number; close(): Promise<void> }

const MAX_BODY = 16 * 1024 * 1024;
/** The media types Confluent's resources produce, with their weights (its `*_WEIGHTED` constants). */
const PRODUCES = [[SR_CONTENT_TYPE, 1], ['application/vnd.schemaregistry+json', 0.9], ['application/json', 0.5]] as const;
/** The media types its resources consume; a request without a Content-Type is taken as the last. */
const CONSUMES = new Set(['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream']);

/**
 * Serves the engine's Schema Registry (Confluent's REST API) on its own port: over HTTPS with `tls`,
 * and only to requests with `basicAuth`'s credentials (user:password) when given, as Confluent's
 * registry answers 401 without them.
 */
export async function startRegistryListener(registry: SchemaRegistry, port: number, host: string, opts: { basicAuth?: string; tls?: { cert: Buffer; key: Buffer } } = {}): Promise<RegistryListener> {
  const auth = opts.basicAuth ? basicAuthHeader(opts.basicAuth) : undefined;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (auth && !credentialsMatch(req.headers.authorization, auth)) {
      req.resume();
      res.writeHead(401, { 'Content-Type': SR_CONTENT_TYPE, 'WWW-Authenticate': 'Basic realm="SchemaRegistry"' });
      res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => {
      // the answer's type as the client accepts it: none of the registry's is 406 (in the registry's own type)
      const type = negotiate(req.headers.accept, PRODUCES);
      const reply = (status: number, body: unknown, raw = false) => {
        res.writeHead(status, { 'Content-Type': type ?? SR_CONTENT_TYPE });
        // (a HEAD request is answered as its GET, without the body: Node leaves it out)
        res.end(raw ? String(body) : JSON.stringify(body));
      };
      if (size > MAX_BODY) return reply(413, { error_code: 413, message: 'Request entity too large' });
      if (type === undefined) return reply(406, { error_code: 406, message: 'HTTP 406 Not Acceptable' });
      const sent = req.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
      if ((req.method === 'POST' || req.method === 'PUT') && sent && !CONSUMES.has(sent)) return reply(415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' });
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text.trim() !== '') {
        try { body = JSON.parse(text); } catch (e) { return reply(400, { error_code: 400, message: `Unexpected character: ${(e as Error).message}` }); }
      }
      let url: URL;
      try { url = new URL(req.url ?? '/', 'http://localhost'); } catch { return reply(400, { error_code: 400, message: 'Bad Request: malformed request target' }); }
      const r = handleRegistryRequest(registry, { method: req.method === 'HEAD' ? 'GET' : req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
      reply(r.status, r.body, r.raw);
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    // (a registry on every interface is reached by its loopback address, as the server's URL names it)
    url: `${opts.tls ? 'https' : 'http'}://${urlHost(host)}:${actual}`,
    port: actual,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

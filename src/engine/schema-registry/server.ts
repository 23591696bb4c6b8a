import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SchemaRegistry } from './registry.js';
import { handleRegistryRequest, SR_CONTENT_TYPE } from './routes.js';

export interface RegistryListener { url: string; port: number; close(): Promise<void> }

const MAX_BODY = 16 * 1024 * 1024;

/** Serves the engine's Schema Registry over HTTP (Confluent's REST API) on its own port. */
export async function startRegistryListener(registry: SchemaRegistry, port: number, host: string): Promise<RegistryListener> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => {
      const reply = (status: number, body: unknown, raw = false) => {
        res.writeHead(status, { 'Content-Type': SR_CONTENT_TYPE });
        res.end(raw ? String(body) : JSON.stringify(body));
      };
      if (size > MAX_BODY) return reply(413, { error_code: 413, message: 'Request entity too large' });
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text.trim() !== '') {
        try { body = JSON.parse(text); } catch (e) { return reply(400, { error_code: 400, message: `Unexpected character: ${(e as Error).message}` }); }
      }
      let url: URL;
      try { url = new URL(req.url ?? '/', 'http://localhost'); } catch { return reply(400, { error_code: 400, message: 'Bad Request: malformed request target' }); }
      const r = handleRegistryRequest(registry, { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
      reply(r.status, r.body, r.raw);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { get as httpsGet } from 'node:https';
import { once } from 'node:events';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from '../../src/index.js';
import { ksql, rawQuery } from '../helpers/server.js';

// Connections that never finish a request must not stay open for ever: one that sends nothing, one
// that stops within its headers, one that stops within its body. A push query's answer streams for
// as long as it likes. The server runs in this process with short timeouts (the defaults are 60 s
// for the headers and 5 minutes for the whole request, Node's).
describe('the REST server closes connections that never finish a request', () => {
  let server: LocalServer, port: number;
  beforeAll(async () => {
    server = await startLocalServer({ port: 0, headersTimeoutMs: 400, requestTimeoutMs: 1500 });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => { await server.close(); });

  /** Opens a connection, writes `text`, and resolves with what came back and how long until it closed. */
  const until = async (text: string) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await once(s, 'connect');
    const t0 = performance.now();
    let got = '';
    s.on('data', (d: Buffer) => { got += d.toString(); });
    if (text) s.write(text);
    await once(s, 'close');
    return { ms: performance.now() - t0, got };
  };

  it('closes a connection that sends nothing, or stops within its headers, once the headers are due; one that stops within its body gets 408', async () => {
    const silent = until('');
    const headers = until('GET /info HTTP/1.1\r\nHost: x\r\n');
    const body = until('POST /ksql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ksql":');
    // meanwhile a push query streams past both timeouts, and a row inserted after them arrives
    expect((await ksql(server.url, "CREATE STREAM TIMED (K STRING KEY, V STRING) WITH (kafka_topic='timed', value_format='JSON', partitions=1);")).status).toBe(200);
    const push = await rawQuery(server.url, '/query-stream', { sql: 'SELECT V FROM TIMED EMIT CHANGES;' }, { accept: 'application/vnd.ksqlapi.delimited.v1' });

    const [a, b, c] = await Promise.all([silent, headers, body]);
    expect(a.ms).toBeGreaterThanOrEqual(350);
    expect(a.got).toBe('');
    expect(b.ms).toBeGreaterThanOrEqual(350);
    expect(c.ms).toBeGreaterThanOrEqual(1400);
    expect(c.got).toMatch(/^HTTP\/1\.1 408/);

    expect((await ksql(server.url, "INSERT INTO TIMED (K, V) VALUES ('k', 'after the timeouts');")).status).toBe(200);
    await push.waitFor('after the timeouts');
    expect(push.socket.destroyed).toBe(false);
    push.socket.destroy();
    // and the server goes on serving
    expect((await fetch(`${server.url}/info`)).status).toBe(200);
  }, 20_000);
});

const openssl = spawnSync('openssl', ['version']).status === 0;
describe.skipIf(!openssl)('the HTTPS server (--tls-cert) closes them too (skipped without openssl to make a certificate)', () => {
  let server: LocalServer, port: number;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-tls-timeouts-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    server = await startLocalServer({ port: 0, headersTimeoutMs: 400, requestTimeoutMs: 1500, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => { await server.close(); });

  /** How long until the server closes a connection that stops at `stage`, and whether it was closed at all within 10 s. */
  const closedAfter = async (stage: 'before the handshake' | 'after the handshake' | 'within its headers') => {
    const t0 = performance.now();
    const socket = stage === 'before the handshake' ? connect(port, '127.0.0.1') : tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    socket.on('error', () => undefined);
    if (stage === 'within its headers') { await once(socket, 'secureConnect'); socket.write('GET /info HTTP/1.1\r\nHost: x\r\n'); }
    const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<boolean>((r) => { setTimeout(() => r(false), 10_000).unref(); })]);
    socket.destroy();
    return { closed, ms: performance.now() - t0 };
  };

  it('closes a connection that does not finish its handshake, or then sends nothing or half its headers, once the headers are due; a request gets its answer', async () => {
    const [a, b, c] = await Promise.all([closedAfter('before the handshake'), closedAfter('after the handshake'), closedAfter('within its headers')]);
    for (const x of [a, b, c]) { expect(x.closed).toBe(true); expect(x.ms).toBeGreaterThanOrEqual(350); }
    const answer = await new Promise<number>((resolve, reject) => {
      const req = httpsGet({ host: '127.0.0.1', port, path: '/info', rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
    });
    expect(answer).toBe(200);
    // a kept-alive connection, idle after its answer, is closed after 5 s, as the cleartext port's
    const kept = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    kept.on('error', () => undefined);
    await once(kept, 'secureConnect');
    let got = '';
    kept.on('data', (d: Buffer) => { got += d.toString(); });
    kept.write('GET /healthcheck HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const t0 = performance.now();
    await once(kept, 'close');
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4500);
  }, 30_000);
});

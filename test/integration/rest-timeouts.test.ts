import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { once } from 'node:events';
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

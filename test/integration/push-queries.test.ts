import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import { startLocalServer, type LocalServer } from '../../src/index.js';
import { ksql, rawQuery } from '../helpers/server.js';

/** A query's whole response, read until the server ends it. */
async function answer(url: string, path: '/query' | '/query-stream', body: unknown, accept?: string): Promise<{ status: number; type: string | null; text: string }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: accept ? { accept } : {}, body: JSON.stringify(body) });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

describe('push queries over HTTP, as ksqlDB streams them', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ port: 0 });
    // a HAVING that stops holding deletes the row: the table's changelog gets a tombstone for 'a'
    const r = await ksql(server.url, `CREATE STREAM HS (ID STRING KEY, V INT) WITH (kafka_topic='hs', value_format='JSON', partitions=1);
INSERT INTO HS (ID, V) VALUES ('a', 1); INSERT INTO HS (ID, V) VALUES ('a', 2); INSERT INTO HS (ID, V) VALUES ('a', 3); INSERT INTO HS (ID, V) VALUES ('b', 1);
CREATE TABLE HT AS SELECT ID, COUNT(*) AS C FROM HS GROUP BY ID HAVING COUNT(*) < 3;`);
    expect(r.status).toBe(200);
  });
  afterAll(async () => { await server.close(); });

  it("/query-stream drops a table's deletions, which /query marks as tombstones; both count them towards LIMIT", async () => {
    const props = { 'auto.offset.reset': 'earliest' };
    const delimited = await answer(server.url, '/query-stream', { sql: 'SELECT * FROM HT EMIT CHANGES LIMIT 3;', properties: props });
    expect(delimited.text.trim().split('\n').slice(1)).toEqual(['["a",1]', '["a",2]']);
    const json = await answer(server.url, '/query-stream', { sql: 'SELECT * FROM HT EMIT CHANGES LIMIT 4;', properties: props }, 'application/json');
    expect(JSON.parse(json.text).slice(1)).toEqual([['a', 1], ['a', 2], ['b', 1]]);
    const legacy = await answer(server.url, '/query', { ksql: 'SELECT * FROM HT EMIT CHANGES LIMIT 3;', streamsProperties: props });
    const rows = (JSON.parse(legacy.text) as { row?: { columns: unknown[]; tombstone?: boolean } }[]).filter((x) => x.row).map((x) => x.row);
    expect(rows).toEqual([{ columns: ['a', 1] }, { columns: ['a', 2] }, { columns: ['a', null], tombstone: true }]);
  });

  it('/query writes a newline for each second a push query waits for a row, as ksqlDB does; /query-stream writes none', async () => {
    const open = async (path: '/query' | '/query-stream', body: unknown) => {
      const ctl = new AbortController();
      const r = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body), signal: ctl.signal });
      const reader = r.body!.getReader(), decoder = new TextDecoder();
      let text = '';
      return {
        text: () => text,
        async until(ok: (t: string) => boolean) { while (!ok(text)) { const { value, done } = await reader.read(); if (done) throw new Error(`ended: ${text}`); text += decoder.decode(value); } },
        close: () => ctl.abort(),
      };
    };
    const legacy = await open('/query', { ksql: 'SELECT * FROM HS EMIT CHANGES;' });
    const stream = await open('/query-stream', { sql: 'SELECT * FROM HS EMIT CHANGES;' });
    try {
      // idle: a newline, then another a second later (the array's whitespace)
      await legacy.until((t) => t.endsWith('}}\n\n'));
      expect(legacy.text()).toMatch(/^\[\{"header":\{"queryId":"[^"]+","schema":"`ID` STRING, `V` INTEGER"\}\}\n\n$/);
      expect((await ksql(server.url, "INSERT INTO HS (ID, V) VALUES ('k', 7);")).status).toBe(200);
      await legacy.until((t) => t.includes('"row"'));
      await stream.until((t) => t.includes('["k",7]'));
      // the answer so far is the JSON array's start, rows in it as before
      expect((JSON.parse(`${legacy.text()}]`) as unknown[]).slice(1)).toEqual([{ row: { columns: ['k', 7] } }]);
      expect(stream.text()).toMatch(/^\{"queryId":"[^"]+","columnNames":\["ID","V"\],"columnTypes":\["STRING","INTEGER"\]\}\n\["k",7\]\n$/);
    } finally { legacy.close(); stream.close(); }
  });

  it('a failure Kafka Streams does not catch (a DECIMAL sum that overflows) stops the query in ERROR, as ksqlDB\'s: a push query ends its answer with the error, a persistent one stops where it failed', async () => {
    const props = { 'auto.offset.reset': 'earliest' };
    expect((await ksql(server.url, "CREATE STREAM DS (ID INT KEY, V DECIMAL(4,2)) WITH (kafka_topic='ds', value_format='JSON', partitions=1); CREATE TABLE DSUM AS SELECT ID, SUM(V) AS S FROM DS GROUP BY ID;")).status).toBe(200);
    const rows = ['(1, 99.99)', '(2, 1.00)', '(1, 10.50)', '(2, 1.00)'].map((v) => `INSERT INTO DS (ID, V) VALUES ${v};`).join(' ');
    expect((await ksql(server.url, rows)).status).toBe(200);
    const error = { '@type': 'generic_error', error_code: 50000, message: 'Exception caught in process: Numeric field overflow' };
    const delimited = await answer(server.url, '/query-stream', { sql: 'SELECT ID, SUM(V) AS S FROM DS GROUP BY ID EMIT CHANGES;', properties: props });
    expect(delimited.text.trim().split('\n').slice(1).map((l) => JSON.parse(l) as unknown)).toEqual([[1, 99.99], [2, 1], error]);
    const json = await answer(server.url, '/query-stream', { sql: 'SELECT ID, SUM(V) AS S FROM DS GROUP BY ID EMIT CHANGES;', properties: props }, 'application/json');
    expect((JSON.parse(json.text) as unknown[]).slice(1)).toEqual([[1, 99.99], [2, 1], error]);
    const legacy = await answer(server.url, '/query', { ksql: 'SELECT ID, SUM(V) AS S FROM DS GROUP BY ID EMIT CHANGES;', streamsProperties: props });
    expect((JSON.parse(legacy.text) as unknown[]).slice(1)).toEqual([{ row: { columns: [1, 99.99] } }, { row: { columns: [2, 1] } }, { errorMessage: error }]);
    // the persistent query: ERROR, with the failure in its queryErrors; the records after it were not read
    const shown = ((await ksql(server.url, 'SHOW QUERIES;')).body as { queries: { id: string; state: string; statusCount: Record<string, number> }[] }[])[0]!.queries.find((x) => x.id.startsWith('CTAS_DSUM_'))!;
    expect([shown.state, shown.statusCount]).toEqual(['ERROR', { ERROR: 1 }]);
    const explained = ((await ksql(server.url, `EXPLAIN ${shown.id};`)).body as { queryDescription: { queryErrors: { errorMessage: string; type: string }[] } }[])[0]!.queryDescription;
    expect(explained.queryErrors).toEqual([expect.objectContaining({ errorMessage: error.message, type: 'USER' })]);
    const pulled = await answer(server.url, '/query-stream', { sql: 'SELECT * FROM DSUM;' });
    expect(pulled.text.trim().split('\n').slice(1).map((l) => JSON.parse(l) as unknown).sort()).toEqual([[1, 99.99], [2, 1]]);
  });

  it('a push query aggregating a table in windows is refused, as ksqlDB\'s grouped table refuses a window', async () => {
    const r = await answer(server.url, '/query-stream', { sql: 'SELECT ID, COUNT(*) AS N FROM HT WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY ID EMIT CHANGES;', properties: { 'auto.offset.reset': 'earliest' } });
    expect([r.status, JSON.parse(r.text)]).toEqual([400, expect.objectContaining({ error_code: 40001, message: 'Windowing not supported for table aggregations.' })]);
  });

  it('the Accept header is read by preference (q values, then order)', async () => {
    const sql = { sql: 'SELECT * FROM HT;' };
    expect((await answer(server.url, '/query-stream', sql, 'application/json;q=1, application/vnd.ksqlapi.delimited.v1;q=0.5')).type).toBe('application/json');
    expect((await answer(server.url, '/query-stream', sql, 'application/json;q=0.2, application/vnd.ksqlapi.delimited.v1')).type).toBe('application/vnd.ksqlapi.delimited.v1');
    expect((await answer(server.url, '/query-stream', sql, 'application/json, application/vnd.ksqlapi.delimited.v1')).type).toBe('application/json');
    expect((await answer(server.url, '/query-stream', sql, '*/*')).type).toBe('application/vnd.ksqlapi.delimited.v1');
  });

  it('at most ksql.max.push.queries (100) stream at once: the next is refused with 40003 until one ends', async () => {
    const open = await Promise.all(Array.from({ length: 100 }, async () => {
      const q = await rawQuery(server.url, '/query-stream', { sql: 'SELECT * FROM HS EMIT CHANGES;' }, { accept: 'application/vnd.ksqlapi.delimited.v1' });
      await q.waitFor('queryId');
      return q;
    }));
    try {
      const refused = await answer(server.url, '/query-stream', { sql: 'SELECT * FROM HS EMIT CHANGES;' });
      expect([refused.status, JSON.parse(refused.text)]).toEqual([400, { '@type': 'generic_error', error_code: 40003, message: 'Maximum number of push queries exceeded' }]);
      const legacy = await answer(server.url, '/query', { ksql: 'SELECT * FROM HS EMIT CHANGES;' });
      expect(legacy.status).toBe(400);
      // pull queries are not push queries: they still run
      expect((await answer(server.url, '/query-stream', { sql: 'SELECT * FROM HT;' })).status).toBe(200);
      // one ends: another may start (and ends at its LIMIT)
      open.pop()!.socket.destroy();
      await expect.poll(async () => (await answer(server.url, '/query-stream', { sql: 'SELECT * FROM HS EMIT CHANGES LIMIT 1;', properties: { 'auto.offset.reset': 'earliest' } })).status).toBe(200);
    } finally {
      for (const q of open) q.socket.destroy();
    }
  });
});

describe('push queries whose client went away before the answer began', () => {
  it('an HTTP/2 stream cancelled as soon as it is sent leaves no query running (leaked ones filled ksql.max.push.queries)', async () => {
    const server = await startLocalServer({ port: 0 });
    try {
      expect((await ksql(server.url, "CREATE STREAM GONE (ID STRING KEY, V INT) WITH (kafka_topic='gone', value_format='JSON', partitions=1);")).status).toBe(200);
      const session = http2.connect(server.url);
      for (let round = 0; round < 5; round++) {
        const streams = Array.from({ length: 10 }, () => {
          const s = session.request({ ':method': 'POST', ':path': '/query-stream', 'content-type': 'application/json' });
          s.on('error', () => undefined);
          s.end(JSON.stringify({ sql: 'SELECT * FROM GONE EMIT CHANGES;' }));
          return s;
        });
        for (const s of streams) s.close(http2.constants.NGHTTP2_CANCEL);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      // every request has been answered or dropped once a request after them is answered on the same session
      const after = session.request({ ':method': 'POST', ':path': '/ksql', 'content-type': 'application/json' });
      after.end(JSON.stringify({ ksql: 'SHOW QUERIES;' }));
      let text = '';
      after.on('data', (d: Buffer) => { text += d; });
      await new Promise((resolve) => after.on('end', resolve));
      session.close();
      const pushes = async () => ((await ksql(server.url, 'SHOW QUERIES;')).body as { queries: { queryType: string }[] }[])[0]!.queries.filter((x) => x.queryType === 'PUSH').length;
      // a query started for a stream that is already gone is stopped as its response closes: wait for that
      for (let i = 0; i < 50 && (await pushes()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await pushes()).toBe(0);
      expect(JSON.parse(text)[0]['@type']).toBe('queries');
    } finally { await server.close(); }
  });
});

describe('a server that stops while requests are in progress', () => {
  it('answers them: a request still waiting is 503 (50303, shutting down), an HTTP/2 push query ends its stream cleanly, and the session is told to go away', async () => {
    const server = await startLocalServer({ port: 0 });
    let closed = false;
    try {
      expect((await ksql(server.url, "CREATE STREAM STOPPING (ID STRING KEY, V INT) WITH (kafka_topic='stopping', value_format='JSON', partitions=1);")).status).toBe(200);
      const waiting = fetch(`${server.url}/ksql`, { method: 'POST', body: JSON.stringify({ ksql: 'ASSERT TOPIC nope WITH (PARTITIONS=1) TIMEOUT 30 SECONDS;' }) });
      const session = http2.connect(server.url);
      let goaway = false;
      session.on('goaway', () => { goaway = true; });
      session.on('error', () => undefined);
      const stream = session.request({ ':method': 'POST', ':path': '/query-stream', 'content-type': 'application/json' });
      stream.end(JSON.stringify({ sql: 'SELECT * FROM STOPPING EMIT CHANGES;' }));
      let text = '', streamError: unknown;
      stream.on('error', (e) => { streamError = e; });
      const ended = new Promise<void>((resolve) => { stream.on('end', resolve); stream.on('close', resolve); });
      // (the header row: the query runs)
      await new Promise<void>((resolve) => stream.on('data', (d: Buffer) => { text += d; if (text.includes('\n')) resolve(); }));
      stream.resume();
      // an inserts stream whose client goes on sending: one row taken
      const inserts = session.request({ ':method': 'POST', ':path': '/inserts-stream', 'content-type': 'application/vnd.ksqlapi.delimited.v1' });
      let acks = '', insertsError: unknown;
      inserts.on('error', (e) => { insertsError = e; });
      inserts.write(`${JSON.stringify({ target: 'STOPPING' })}\n${JSON.stringify({ ID: 'a', V: 1 })}\n`);
      const insertsClosed = new Promise<void>((resolve) => inserts.on('close', resolve));
      await new Promise<void>((resolve) => inserts.on('data', (d: Buffer) => { acks += d; if (acks.includes('\n')) resolve(); }));
      inserts.resume();
      // the client goes on sending while the server stops: rows after the end are not taken
      const closing = server.close();
      inserts.write(`${JSON.stringify({ ID: 'b', V: 2 })}\n`);
      await closing;
      closed = true;
      const answer = await waiting;
      expect([answer.status, (await answer.json()).error_code]).toEqual([503, 50303]);
      await ended;
      expect(streamError).toBeUndefined();
      expect(stream.rstCode ?? 0).toBe(http2.constants.NGHTTP2_NO_ERROR);
      expect(goaway).toBe(true);
      await insertsClosed;
      expect([insertsError, inserts.rstCode, acks.trim()]).toEqual([undefined, http2.constants.NGHTTP2_NO_ERROR, '{"status":"ok","seq":0}']);
      session.destroy();
    } finally { if (!closed) await server.close(); }
  });
});

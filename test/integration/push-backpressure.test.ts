import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { startLocalServer, type LocalServer } from '../../src/index.js';
import { ksql, rawQuery } from '../helpers/server.js';

// A push-query client that stops reading must not make the server hold every row for it: the query
// waits (its rows stay in the topic) until the client reads again, then every row arrives. The
// server runs in this process so the test can see how far the query has read.
describe('a push query whose client stops reading', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0 }); });
  afterAll(async () => { await server.close(); });

  it('pauses until the client reads again, then delivers every row', async () => {
    expect((await ksql(server.url, "CREATE STREAM BP (K STRING KEY, V STRING) WITH (kafka_topic='bp', value_format='JSON', partitions=1);")).status).toBe(200);
    const q = await rawQuery(server.url, '/query-stream', { sql: 'SELECT V FROM BP EMIT CHANGES;' }, { accept: 'application/vnd.ksqlapi.delimited.v1' });
    const socket = q.socket;
    await q.waitFor('queryId');
    // the client stops reading; 6,000 rows of 4 KB (24 MB) are more than the socket buffers hold
    q.stopReading();
    const value = 'x'.repeat(4000);
    const ROWS = 6000;
    for (let i = 0; i < ROWS; i += 200) {
      const inserts = Array.from({ length: 200 }, (_v, j) => `INSERT INTO BP (K, V) VALUES ('k${i + j}', '${value}');`).join('\n');
      expect((await ksql(server.url, inserts)).status).toBe(200);
    }
    const query = [...server.engine.transients][0]!;
    const lagWhileStalled = query.cursor.lag();
    expect(lagWhileStalled).toBeGreaterThan(0);
    // reading again: the query goes on, and every row arrives
    let rows = 0;
    // each row ends with `"]` (the chunked encoding's own line breaks are not rows); the last
    // character of a chunk is kept for an ending split across two chunks
    let carry = '';
    socket.on('data', (d: Buffer) => {
      const t = carry + d.toString('latin1');
      rows += (t.match(/"\]/g) ?? []).length;
      carry = t.slice(-1);
    });
    socket.resume();
    while (rows < ROWS) await once(socket, 'data');
    expect(rows).toBe(ROWS);
    expect(query.cursor.lag()).toBe(0);
    socket.destroy();
  });
});

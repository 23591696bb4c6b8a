import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { startLocalServer, type LocalServer } from '../../src/index.js';
import { ksql, rawQuery } from '../helpers/server.js';

// A pull query on a stream reads the whole topic. Its rows go out as they are found, a step at a
// time: a client slow to take them holds the read (not the server, nor the rows in memory), other
// requests are answered meanwhile, and records that arrive after the query started are not rows of
// it. The server runs in this process so the test can append many records at once.
describe('a pull query on a large stream', () => {
  let server: LocalServer;
  const N = 60_000;
  beforeAll(async () => {
    server = await startLocalServer({ port: 0 });
    expect((await ksql(server.url, "CREATE STREAM BIG (K STRING KEY, N INT, PAD STRING) WITH (kafka_topic='big', value_format='JSON', partitions=3);")).status).toBe(200);
    const pad = 'p'.repeat(200);
    for (let i = 0; i < N; i++) server.engine.topics.append('big', { key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify({ N: i, PAD: pad })), timestamp: 1_700_000_000_000 + i });
  });
  afterAll(async () => { await server.close(); });

  it('streams every row it found when it started, while the server answers other requests', async () => {
    const q = await rawQuery(server.url, '/query', { ksql: 'SELECT N FROM BIG;' }, { close: true });
    await q.waitFor('"row"');
    // the client stops reading part way: the server stops there too, and goes on serving
    q.stopReading();
    expect((await fetch(`${server.url}/info`)).status).toBe(200);
    // records appended now are not rows of the query that started before them
    for (let i = N; i < N + 1000; i++) server.engine.topics.append('big', { key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify({ N: i, PAD: '' })), timestamp: 1_700_000_000_000 + i });
    q.readAgain();
    await once(q.socket, 'close');
    const received = q.text();
    const rows = [...received.matchAll(/"columns":\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(rows.length).toBe(N);
    expect(new Set(rows).size).toBe(N);
    expect(Math.max(...rows)).toBe(N - 1);
    expect(received).toContain('"finalMessage":"Query Completed"');
  }, 60_000);

  it('stops at its LIMIT', async () => {
    const res = await fetch(`${server.url}/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ksql: 'SELECT N FROM BIG WHERE N >= 20000 LIMIT 3;' }) });
    const text = await res.text();
    expect([...text.matchAll(/"columns":\[(\d+)\]/g)].length).toBe(3);
    expect(text).toContain('"finalMessage":"Limit Reached"');
  });
});

describe('a pull query on a stream, read in steps (startPullQuery)', () => {
  it('reads at most a step of records a call, only those there when it started, and stops at its LIMIT', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const { startPullQuery } = await import('../../src/engine/exec/select.js');
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const engine = new Engine();
    engine.executeStatement("CREATE STREAM S (N INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);", { properties: {}, variables: new Map() });
    const append = (from: number, to: number) => { for (let i = from; i < to; i++) engine.topics.append('s', { key: Buffer.from(`k${i}`), value: Buffer.from(`{"N":${i}}`), timestamp: i }); };
    append(0, 5000);
    const pull = (sql: string) => { const s = parseStatement(sql); if (s.kind !== 'select') throw new Error('not a query'); return startPullQuery(engine, s.query); };
    const all = pull('SELECT N FROM S;');
    const steps: number[] = [];
    let seen: number[] = [];
    for (let rows = all.more!(1000); rows; rows = all.more!(1000)) {
      steps.push(rows.length);
      seen = seen.concat(rows.map((r) => r[0] as number));
      // records appended while it reads are not its rows
      if (steps.length === 2) append(5000, 6000);
    }
    expect(steps).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_v, i) => i));
    // a LIMIT ends the read at the step that reaches it
    const limited = pull('SELECT N FROM S WHERE N >= 10 LIMIT 3;');
    expect(limited.more!(100)!.length).toBe(3);
    expect(limited.limitReached()).toBe(true);
    expect(limited.more!(100)).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI, ksql, queryStream, startServerProcess, type Running } from '../helpers/server.js';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

// The pipeline of migrations/ on the local server, with one partition per topic so that stream
// time (which decides what is late) is a single, hand-computable clock. Settlements are Protobuf,
// as the seed writes them; INSERT VALUES serializes them with the registered schema.
let server: Running;
beforeAll(async () => {
  server = await startServerProcess();
  const up = spawnSync(process.execPath, [CLI, 'up', '--server', server.url, '--migrations-dir', MIGRATIONS, '-d', 'partitions=1', '--quiet'], { encoding: 'utf8' });
  expect(up.stderr).toBe('');
  expect(up.status).toBe(0);
});
afterAll(async () => { await server.stop(); });

async function run(sql: string): Promise<void> {
  const r = await ksql(server.url, sql);
  expect(r.body, sql).toBeInstanceOf(Array);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Polls a pull query until `done` holds for its rows (a condition, not a sleep), then returns the rows. */
async function rowsWhen(sql: string, done: (rows: unknown[][]) => boolean): Promise<unknown[][]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await queryStream(server.url, sql);
    expect(r.status, r.raw).toBe(200);
    if (done(r.rows)) return r.rows;
    if (Date.now() > deadline) throw new Error(`condition not met for ${sql}: ${JSON.stringify(r.rows)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const trade = (rowtime: number, userid: string, symbol: string, quantity: number, price: number) =>
  run(`INSERT INTO STOCKTRADE (ROWTIME, side, quantity, symbol, price, account, userid) VALUES (${rowtime}, 'BUY', ${quantity}, '${symbol}', ${price}, 'ABC123', '${userid}');`);
const user = (rowtime: number, userid: string, region: string) =>
  run(`INSERT INTO USERS (ROWTIME, userid, registertime, regionid) VALUES (${rowtime}, '${userid}', 1500000000000, '${region}');`);

describe('the trade-settlement pipeline of migrations/ on the local server', () => {
  it('USER_TRADES: each trade joined to the user known at its time, keyed by userid', async () => {
    await user(1_000, 'User_1', 'Region_1');
    await user(1_001, 'User_2', 'Region_2');
    await trade(2_000, 'User_1', 'ZVV', 10, 500);
    await trade(2_001, 'User_3', 'ZTEST', 3, 7); // User_3 is not known yet
    await user(3_000, 'User_3', 'Region_3'); // arrives after their first trade
    await trade(4_000, 'User_3', 'ZXZZT', 4, 9);
    await trade(4_001, 'User_9', 'ZWZZT', 1, 5); // never known
    await trade(4_002, 'User_2', 'ZJZZT', 5000, 1000);

    const r = await queryStream(server.url, 'SELECT * FROM USER_TRADES EMIT CHANGES LIMIT 5;');
    expect(r.status, r.raw).toBe(200);
    expect(r.header.columnNames).toEqual(['USERID', 'REGIONID', 'QUANTITY', 'SYMBOL', 'PRICE', 'ACCOUNT', 'SIDE']);
    expect(r.rows).toEqual([
      ['User_1', 'Region_1', 10, 'ZVV', 500, 'ABC123', 'BUY'],
      ['User_3', null, 3, 'ZTEST', 7, 'ABC123', 'BUY'],
      ['User_3', 'Region_3', 4, 'ZXZZT', 9, 'ABC123', 'BUY'],
      ['User_9', null, 1, 'ZWZZT', 5, 'ABC123', 'BUY'],
      ['User_2', 'Region_2', 5000, 'ZJZZT', 1000, 'ABC123', 'BUY'],
    ]);

    // On the topic, the key is the userid (KAFKA format) and the value the JSON of the other columns.
    const printed = await fetch(`${server.url}/query`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql: "PRINT 'user_trades' FROM BEGINNING LIMIT 2;", streamsProperties: {} }),
    }).then((res) => res.text());
    expect(printed).toMatch(/key: User_1, value: \{"REGIONID":"Region_1","QUANTITY":10,"SYMBOL":"ZVV","PRICE":500,"ACCOUNT":"ABC123","SIDE":"BUY"\}/);
    expect(printed).toMatch(/key: User_3, value: \{"REGIONID":null,"QUANTITY":3,/);
  });

  it('per-minute counts per symbol: out-of-order records within grace count, records later than the grace are dropped, windows past retention are gone', async () => {
    const T0 = 1_700_000_040_000; // a minute boundary
    const S = 1_000, MIN = 60_000, HOUR = 3_600_000;
    const settle = (ts: number, symbol: string, disposition: string) =>
      run(`INSERT INTO TRADE_SETTLEMENT (user, symbol, amount, disposition, reason, timestamp) VALUES ('User_1', '${symbol}', 100.0, '${disposition}', 'r', ${ts});`);
    const q = (table: string, col: string) => `SELECT SYMBOL, WINDOWSTART, WINDOWEND, ${col} FROM ${table};`;
    const sorted = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]));
    const w = (start: number) => [start, start + MIN];

    await settle(T0 + 1 * S, 'ZVV', 'Completed');
    await settle(T0 + 30 * S, 'ZVV', 'Completed');
    await settle(T0 + 10 * S, 'ZVV', 'Pending');
    await settle(T0 + 65 * S, 'ZTEST', 'Completed');
    await settle(T0 + 70 * S, 'ZVV', 'SEC Flagged');
    await settle(T0 + 5 * S, 'ZVV', 'Completed'); // out of order, well within the default 24 h grace
    await settle(T0 + 2 * MIN + 1 * S, 'ZVV', 'Rejected'); // the last of this part: once counted, all before it were processed
    await rowsWhen(q('REJECTED_PER_MINUTE', 'NUM_REJECTED'), (rows) => rows.length > 0);
    expect(sorted((await queryStream(server.url, q('COMPLETED_PER_MINUTE', 'NUM_COMPLETED'))).rows)).toEqual([['ZTEST', ...w(T0 + MIN), 1], ['ZVV', ...w(T0), 3]]);
    expect(sorted((await queryStream(server.url, q('PENDING_PER_MINUTE', 'NUM_PENDING'))).rows)).toEqual([['ZVV', ...w(T0), 1]]);
    expect(sorted((await queryStream(server.url, q('FLAGGED_PER_MINUTE', 'NUM_FLAGGED'))).rows)).toEqual([['ZVV', ...w(T0 + MIN), 1]]);
    expect(sorted((await queryStream(server.url, q('REJECTED_PER_MINUTE', 'NUM_REJECTED'))).rows)).toEqual([['ZVV', ...w(T0 + 2 * MIN), 1]]);
    // A key lookup with window bounds, as an application would read one symbol's minutes.
    const one = await queryStream(server.url, `SELECT NUM_COMPLETED FROM COMPLETED_PER_MINUTE WHERE SYMBOL = 'ZVV' AND WINDOWSTART >= ${T0} AND WINDOWSTART < ${T0 + MIN};`);
    expect(one.rows).toEqual([[3]]);

    await settle(T0 + 25 * HOUR, 'ZXZZT', 'Completed'); // stream time moves 25 h on
    await settle(T0 + 3 * S, 'ZVV', 'Completed'); // its window closed 24 h after T0 + 1 min: dropped
    // Not late for PENDING_PER_MINUTE: a window aggregate's stream time advances only with the records
    // that reach it, after the WHERE filter (Kafka Streams keeps it per processor), and the newest
    // Pending record so far is at T0 + 10 s.
    await settle(T0 + 3 * S, 'ZVV', 'Pending');
    await settle(T0 + 25 * HOUR + 1 * S, 'ZWZZT', 'Rejected'); // the last record: once counted, all before it were processed
    await rowsWhen(q('REJECTED_PER_MINUTE', 'NUM_REJECTED'), (rows) => rows.some((r) => r[0] === 'ZWZZT'));
    // The stores of the tables that saw the jump keep 24 h (size + the default grace) before their
    // latest window: the older windows are gone, as Kafka Streams' window stores drop them. One
    // partition (partitions=1), so every symbol shares that stream time.
    expect(sorted((await queryStream(server.url, q('COMPLETED_PER_MINUTE', 'NUM_COMPLETED'))).rows)).toEqual([['ZXZZT', ...w(T0 + 25 * HOUR), 1]]);
    expect(sorted((await queryStream(server.url, q('REJECTED_PER_MINUTE', 'NUM_REJECTED'))).rows)).toEqual([['ZWZZT', ...w(T0 + 25 * HOUR), 1]]);
    expect(sorted((await queryStream(server.url, q('PENDING_PER_MINUTE', 'NUM_PENDING'))).rows)).toEqual([['ZVV', ...w(T0), 2]]);
    expect(sorted((await queryStream(server.url, q('FLAGGED_PER_MINUTE', 'NUM_FLAGGED'))).rows)).toEqual([['ZVV', ...w(T0 + MIN), 1]]);
    // What the sink topic holds, in order: every update of COMPLETED_PER_MINUTE, read as a stream.
    // The late record made none (ZVV's minute stays at 3).
    await run(`CREATE STREAM COMPLETED_CHANGES (SYMBOL STRING KEY) WITH (KAFKA_TOPIC='COMPLETED_PER_MINUTE', KEY_FORMAT='KAFKA', VALUE_FORMAT='PROTOBUF', WINDOW_TYPE='TUMBLING', WINDOW_SIZE='60 SECONDS');`);
    expect((await queryStream(server.url, 'SELECT SYMBOL, WINDOWSTART, NUM_COMPLETED FROM COMPLETED_CHANGES;')).rows).toEqual([
      ['ZVV', T0, 1], ['ZVV', T0, 2], ['ZTEST', T0 + MIN, 1], ['ZVV', T0, 3], ['ZXZZT', T0 + 25 * HOUR, 1],
    ]);
  });
});

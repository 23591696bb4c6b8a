import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CLI, ksql, startServerProcess, type Running } from '../helpers/server.js';

const PIPELINE = `CREATE STREAM STOCKTRADE (side VARCHAR, quantity INT, symbol VARCHAR, price INT, account VARCHAR, userid VARCHAR) WITH (kafka_topic='stocktrade', value_format='json', partitions=2);
CREATE TABLE USERS (userid VARCHAR PRIMARY KEY, registertime BIGINT, regionid VARCHAR) WITH (kafka_topic='users', value_format='json', partitions=2);
CREATE STREAM USER_TRADES WITH (kafka_topic='user_trades') AS SELECT s.userid AS USERID, u.regionid, quantity, symbol, price, account, side FROM STOCKTRADE s LEFT JOIN USERS u ON s.USERID = u.userid;
CREATE STREAM TRADE_SETTLEMENT (user VARCHAR, symbol VARCHAR, amount DOUBLE, disposition VARCHAR, reason VARCHAR, timestamp BIGINT) WITH (kafka_topic='trade-settlements', value_format='JSON', timestamp='timestamp', partitions=2);
CREATE TABLE COMPLETED_PER_MINUTE AS SELECT symbol, count(*) AS num_completed FROM TRADE_SETTLEMENT WINDOW TUMBLING (size 60 second) WHERE disposition like '%Completed%' GROUP BY symbol EMIT CHANGES;`;

describe('query and schema management through the CLI', () => {
  let server: Running;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--server', server.url], { encoding: 'utf8', timeout: 30_000 });
  beforeAll(async () => {
    server = await startServerProcess();
    expect((await ksql(server.url, PIPELINE)).status).toBe(200);
  });
  afterAll(async () => { await server.stop(); });

  it('queries lists the join and the per-minute query with sinks, topics and sources', () => {
    const r = run('queries', '--json');
    expect(r.status).toBe(0);
    const qs = JSON.parse(r.stdout) as { id: string; sinks: string[]; sinkKafkaTopics: string[]; sources: string[]; state: string }[];
    expect(qs.map((q) => q.id)).toEqual([expect.stringMatching(/^CSAS_USER_TRADES_\d+$/), expect.stringMatching(/^CTAS_COMPLETED_PER_MINUTE_\d+$/)]);
    expect(qs[0]).toMatchObject({ sinks: ['USER_TRADES'], sinkKafkaTopics: ['user_trades'], sources: ['STOCKTRADE', 'USERS'], state: 'RUNNING' });
    const filtered = JSON.parse(run('queries', '--source', 'trade_settlement', '--json').stdout);
    expect(filtered.map((q: { sinks: string[] }) => q.sinks[0])).toEqual(['COMPLETED_PER_MINUTE']);
    const text = run('queries');
    for (const line of text.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('describe shows the columns, formats and the writing query; names resolve as ksqlDB resolves them', () => {
    const d = run('describe', 'stocktrade');
    expect(d.status).toBe(0);
    for (const c of ['SIDE', 'QUANTITY', 'SYMBOL', 'PRICE', 'ACCOUNT', 'USERID']) expect(d.stdout).toMatch(new RegExp(`^${c}\\s`, 'm'));
    expect(d.stdout).toMatch(/Value format:\s+JSON/);
    expect(run('describe', 'USER_TRADES').stdout).toMatch(/Written by:\s+CSAS_USER_TRADES_\d+/);
    const unknown = run('describe', '"stocktrade"');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe("error: unknown stream or table: stocktrade (see 'ksql-migrate streams' and 'ksql-migrate tables')");
  });

  it('explain shows a query, and an unknown query id is one line with exit 1', () => {
    const id = JSON.parse(run('queries', '--json').stdout)[0].id;
    expect(run('queries', 'explain', id).stdout).toMatch(/Sources:\s+STOCKTRADE, USERS/);
    const r = run('queries', 'terminate', 'NO_SUCH_QUERY', '--yes');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("error: unknown query id: NO_SUCH_QUERY (see 'ksql-migrate queries')");
  });

  it('refuses to change the server without a terminal unless --yes', () => {
    const r = run('queries', 'terminate', '--sink', 'COMPLETED_PER_MINUTE');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/add --yes/);
  });

  it('drop without --cascade refuses a source in use; --cascade drops the join first, then USERS', async () => {
    const refused = run('drop', 'USERS', '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Cannot drop USERS\..*USER_TRADES.*--cascade/);
    const dropped = run('drop', 'users', '--cascade', '--yes');
    expect(dropped.status).toBe(0);
    expect(dropped.stdout).toMatch(/DROP STREAM USER_TRADES\n\s+DROP TABLE USERS/);
    const left = await ksql(server.url, 'SHOW STREAMS; SHOW TABLES;');
    expect(left.body[0].streams.map((s: { name: string }) => s.name)).toEqual(['STOCKTRADE', 'TRADE_SETTLEMENT']);
    expect(left.body[1].tables.map((s: { name: string }) => s.name)).toEqual(['COMPLETED_PER_MINUTE']);
  });

  it('terminate --sink stops exactly that query', async () => {
    const r = run('queries', 'terminate', '--sink', 'COMPLETED_PER_MINUTE', '--yes');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Query terminated\./);
    expect(JSON.parse(run('queries', '--json').stdout)).toEqual([]);
  });

  it('streams, tables, topics and server-info', () => {
    expect(JSON.parse(run('streams', '--json').stdout).map((s: { name: string }) => s.name)).toEqual(['STOCKTRADE', 'TRADE_SETTLEMENT']);
    expect(run('topics').stdout).toMatch(/^stocktrade\s+2\s+1$/m);
    expect(run('server-info').stdout).toMatch(/Health:\s+healthy/);
  });
});

describe('management errors', () => {
  it('a server that is down gives one line and exit 3; so does a 401', async () => {
    const down = spawnSync(process.execPath, [CLI, 'queries', '--server', 'http://127.0.0.1:1'], { encoding: 'utf8' });
    expect(down.status).toBe(3);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    const secured = await startServerProcess(['--basic-auth', 'u:p']);
    try {
      const r = spawnSync(process.execPath, [CLI, 'describe', 'X', '--server', secured.url, '--username', 'u', '--password', 'wrong'], { encoding: 'utf8' });
      expect(r.status).toBe(3);
      expect(r.stderr.trim()).toBe(`error: ${secured.url} refused the credentials (HTTP 401): check the username and password (or API key and secret)`);
      expect(r.stderr).not.toContain('wrong');
    } finally { await secured.stop(); }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { startDelayProxy, startFaultProxy, startLosingProxy } from '../helpers/proxy.js';
import { CLI, ksql, startServerProcess, type Running } from '../helpers/server.js';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A local server with the repository's migrations/ applied through the CLI. */
async function serverWithMigrations(): Promise<Running> {
  const s = await startServerProcess();
  const up = spawnSync(process.execPath, [CLI, 'up', '--server', s.url, '--migrations-dir', MIGRATIONS, '-d', 'partitions=2', '--quiet'], { encoding: 'utf8' });
  expect(up.stderr).toBe('');
  expect(up.status).toBe(0);
  return s;
}


describe('query and schema management through the CLI', () => {
  let server: Running;
  // (piped output is laid out for $COLUMNS when set: these runs set it themselves)
  const env = { ...process.env, COLUMNS: undefined };
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--server', server.url], { encoding: 'utf8', timeout: 30_000, env });
  beforeAll(async () => { server = await serverWithMigrations(); });
  afterAll(async () => { await server.stop(); });

  it('queries lists the join and the per-minute query with sinks, topics and sources', () => {
    const r = run('queries', '--json');
    expect(r.status).toBe(0);
    const qs = JSON.parse(r.stdout) as { id: string; sinks: string[]; sinkKafkaTopics: string[]; sources: string[]; state: string }[];
    expect(qs.map((q) => q.id)).toEqual([expect.stringMatching(/^CTAS_MIGRATION_SCHEMA_VERSIONS_\d+$/), expect.stringMatching(/^CSAS_USER_TRADES_\d+$/),
      ...['COMPLETED', 'PENDING', 'FLAGGED', 'REJECTED'].map((n) => expect.stringMatching(new RegExp(`^CTAS_${n}_PER_MINUTE_\\d+$`)))]);
    expect(qs[1]).toMatchObject({ sinks: ['USER_TRADES'], sinkKafkaTopics: ['user_trades'], sources: ['STOCKTRADE', 'USERS'], state: 'RUNNING' });
    const filtered = JSON.parse(run('queries', '--source', 'trade_settlement', '--json').stdout);
    expect(filtered.map((q: { sinks: string[] }) => q.sinks[0])).toEqual(['COMPLETED_PER_MINUTE', 'PENDING_PER_MINUTE', 'FLAGGED_PER_MINUTE', 'REJECTED_PER_MINUTE']);
    // a source no query writes is no queries; a name that is no source is an error (exit 1), an empty one a usage error
    expect([run('queries', '--sink', 'stocktrade').status, run('queries', '--sink', 'stocktrade').stdout.trim()]).toEqual([0, 'no queries']);
    const unknown = run('queries', '--sink', 'nosuch');
    expect([unknown.status, unknown.stderr.trim()]).toEqual([1, "error: unknown stream or table: NOSUCH (see 'ksql-migrate streams' and 'ksql-migrate tables')"]);
    expect(run('queries', '--source', 'nosuch', '--state', 'running').status).toBe(1);
    expect([run('queries', '--sink', '').status, run('queries', '--sink', '').stderr.trim()]).toEqual([2, 'error: --sink: expected a stream or table name']);
    const text = run('queries');
    for (const line of text.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // ids are whole, even in 80 columns: they are what terminate and explain take
    for (const q of qs) expect(text.stdout).toContain(q.id);
    // piped output takes $COLUMNS as its width: every column then shows
    const wide = spawnSync(process.execPath, [CLI, 'queries', '--server', server.url], { encoding: 'utf8', timeout: 30_000, env: { ...env, COLUMNS: '250' } });
    expect(wide.stdout.split('\n')[0]!.split(/\s{2,}/)).toEqual(['ID', 'STATE', 'TYPE', 'SINKS', 'SINK TOPICS', 'SOURCES', 'QUERY']);
    expect(wide.stdout).toMatch(/CSAS_USER_TRADES_\d+\s+RUNNING\s+PERSISTENT\s+USER_TRADES\s+user_trades\s+STOCKTRADE,\s?USERS\s/);
    // and a $COLUMNS under 80 too: the columns that matter least go, ids stay whole
    const narrow = spawnSync(process.execPath, [CLI, 'queries', '--server', server.url], { encoding: 'utf8', timeout: 30_000, env: { ...env, COLUMNS: '40' } });
    expect(narrow.stdout.split('\n')[0]!.split(/\s{2,}/)).toEqual(['ID', 'STATE', 'QUERY']);
    for (const q of qs) expect(narrow.stdout).toContain(q.id);
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
    const id = JSON.parse(run('queries', '--json').stdout)[1].id;
    const explained = run('queries', 'explain', id).stdout;
    expect(explained).toMatch(/Sources:\s+STOCKTRADE, USERS/);
    // the server's execution plan and topology follow: the join re-keys the trades by user through a repartition topic
    expect(explained).toMatch(/\nExecution plan:\n {2} > \[ SINK \] \| Schema: USERID STRING KEY, .* \| Logger: CSAS_USER_TRADES_\d+\.USER_TRADES\n/);
    expect(explained).toMatch(/\n {15}> \[ REKEY \] \| Schema: S_USERID STRING KEY, /);
    expect(explained).toMatch(/\nTopology:\n {2}Topologies:\n {5}Sub-topology: 0\n {6}Source: KSTREAM-SOURCE-0000000000 \(topics: \[stocktrade\]\)\n/);
    expect(explained).toContain('Source: LeftSourceKeyed-repartition-source (topics: [LeftSourceKeyed-repartition])');
    const r = run('queries', 'terminate', 'NO_SUCH_QUERY', '--yes');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("error: unknown query id: NO_SUCH_QUERY (see 'ksql-migrate queries')");
  });

  it('a paused query reads PAUSED in the list, in --json and by --state PAUSED (ksqlDB\'s aggregate state stays RUNNING; its status counts say PAUSED)', () => {
    // the plan's lines fit $COLUMNS, as the listing does: the id whole, the query's text cut
    const narrow = spawnSync(process.execPath, [CLI, 'queries', 'pause', '--sink', 'FLAGGED_PER_MINUTE', '--yes', '--server', server.url], { encoding: 'utf8', timeout: 30_000, env: { ...env, COLUMNS: '80' } });
    expect(narrow.status).toBe(0);
    const planned = narrow.stdout.split('\n').filter((l) => l.startsWith('pause '));
    expect(planned).toEqual([expect.stringMatching(/^pause CTAS_FLAGGED_PER_MINUTE_\d+: CREATE TABLE FLAGGED_PER_MINUTE .*…$/)]);
    expect(planned[0]!.length).toBeLessThanOrEqual(80);
    expect(run('queries', 'resume', '--sink', 'FLAGGED_PER_MINUTE', '--yes').status).toBe(0);
    // piped without $COLUMNS, the plan is laid out for 80 columns, as the listing is
    const piped = run('queries', 'pause', '--sink', 'FLAGGED_PER_MINUTE', '--yes');
    expect([piped.status, piped.stdout.split('\n').filter((l) => l.startsWith('pause ')).map((l) => l.length <= 80)]).toEqual([0, [true]]);
    try {
      const paused = JSON.parse(run('queries', '--state', 'PAUSED', '--json').stdout) as { sinks: string[]; state: string; statusCount: Record<string, number> }[];
      expect(paused.map((q) => [q.sinks[0], q.state, q.statusCount])).toEqual([['FLAGGED_PER_MINUTE', 'PAUSED', { PAUSED: 1 }]]);
      expect(run('queries').stdout).toMatch(/CTAS_FLAGGED_PER_MINUTE_\d+\s+PAUSED/);
    } finally { expect(run('queries', 'resume', '--sink', 'FLAGGED_PER_MINUTE', '--yes').status).toBe(0); }
  });

  it('refuses to change the server without a terminal unless --yes', async () => {
    const r = run('queries', 'terminate', '--sink', 'COMPLETED_PER_MINUTE');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/add --yes/);
    // what --yes would do is shown first: a preview
    expect(r.stderr).toMatch(/^terminate CTAS_COMPLETED_PER_MINUTE_\d+: CREATE TABLE/m);
    const drop = run('drop', 'users', '--cascade');
    expect([drop.status, drop.stderr]).toEqual([2, expect.stringMatching(/^will run, in order:\n {2}DROP STREAM USER_TRADES.*\n {2}DROP TABLE USERS\nerror: refusing/)]);
    // a name that is not upper case is shown quoted, as the statement that runs spells it (DROP STREAM Orders would be ORDERS)
    expect((await ksql(server.url, "CREATE STREAM `Mixed-Case` (V INT) WITH (KAFKA_TOPIC='mixed_case', VALUE_FORMAT='JSON', PARTITIONS=1);")).status).toBe(200);
    const quoted = run('drop', '`Mixed-Case`');
    expect([quoted.status, quoted.stderr]).toEqual([2, expect.stringMatching(/^will run, in order:\n {2}DROP STREAM `Mixed-Case`\nerror: refusing/)]);
    expect((await ksql(server.url, 'DROP STREAM `Mixed-Case` DELETE TOPIC;')).status).toBe(200);
  });

  it('terminate --sink USER_TRADES stops exactly that query', () => {
    const before = JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id);
    const r = run('queries', 'terminate', '--sink', 'USER_TRADES', '--yes');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/CSAS_USER_TRADES_\d+: Query terminated\./);
    const after = JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id);
    expect(after).toEqual(before.filter((id: string) => !id.startsWith('CSAS_USER_TRADES_')));
    // again: the stream is there, no query writes into it; a name that is no stream or table says so
    const again = run('queries', 'terminate', '--sink', 'user_trades', '--yes');
    expect([again.status, again.stderr]).toEqual([1, 'error: no query writes into USER_TRADES\n']);
    const unknown = run('queries', 'terminate', '--sink', 'nope', '--yes');
    expect([unknown.status, unknown.stderr]).toEqual([1, expect.stringMatching(/^error: unknown stream or table: NOPE/)]);
  });

  it('terminate takes ids, --sink or --all, one of them; ids named twice stop once; --state must be a state', () => {
    const ids = JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id) as string[];
    const both = run('queries', 'terminate', ids[0]!, '--all', '--yes');
    expect([both.status, both.stderr.trim()]).toEqual([2, 'error: terminate: name query ids, --sink NAME or --all, only one of them']);
    expect(run('queries', 'pause', ids[0]!, '--sink', 'USER_TRADES', '--yes').status).toBe(2);
    expect(JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id)).toEqual(ids);
    const flagged = ids.find((id) => id.startsWith('CTAS_FLAGGED_PER_MINUTE_'))!;
    const twice = run('queries', 'pause', flagged, flagged.toLowerCase(), '--yes', '--json');
    expect(twice.status).toBe(0);
    expect(JSON.parse(twice.stdout).done.map((d: { id: string }) => d.id)).toEqual([flagged]);
    expect(run('queries', 'resume', flagged, '--yes').status).toBe(0);
    const typo = run('queries', '--state', 'runing');
    expect([typo.status, typo.stderr.trim()]).toEqual([2, "error: --state: expected one of RUNNING, PAUSED, ERROR, UNRESPONSIVE, PENDING_SHUTDOWN, got 'runing'"]);
  });

  it('a push query a client streams is not a persistent query: not listed, not in --all', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/query-stream`, { method: 'POST', signal: ac.signal, body: JSON.stringify({ sql: 'SELECT * FROM STOCKTRADE EMIT CHANGES;' }) });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const pushId = (JSON.parse(first.split('\n')[0]!) as { queryId: string }).queryId;
    try {
      const listed = JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id);
      expect(listed).not.toContain(pushId);
      expect(listed.length).toBeGreaterThan(0);
      const explained = run('queries', 'explain', pushId);
      expect([explained.status, explained.stderr.trim()]).toEqual([1, `error: ${pushId} is a push query a client is streaming; explain describes persistent queries`]);
      // pause and resume take persistent queries only: refused before anything is sent
      for (const verb of ['pause', 'resume']) {
        const r = run('queries', verb, pushId, '--yes');
        expect([r.status, r.stderr.trim()]).toEqual([1, `error: ${verb}: ${pushId} is a push query a client is streaming; ${verb} takes persistent queries (terminate ends it): nothing was ${verb === 'pause' ? 'paused' : 'resumed'}`]);
      }
      // --all takes the persistent queries only, but for the one that keeps the migration history table
      const paused = run('queries', 'pause', '--all', '--yes', '--json');
      expect(paused.status).toBe(0);
      const ids = JSON.parse(paused.stdout).done.map((d: { id: string }) => d.id);
      const history = listed.filter((id: string) => /^CTAS_MIGRATION_SCHEMA_VERSIONS_/.test(id));
      expect(history).toHaveLength(1);
      expect(ids).toEqual(listed.filter((id: string) => !history.includes(id)));
      const pausedNow = () => JSON.parse(run('queries', '--state', 'PAUSED', '--json').stdout).map((q: { id: string }) => q.id);
      expect(pausedNow()).toEqual(ids);
      // resume --all resumes what is paused: every query runs again
      const resumed = run('queries', 'resume', '--all', '--yes', '--json');
      expect(JSON.parse(resumed.stdout).done.map((d: { id: string }) => d.id)).toEqual(ids);
      expect(pausedNow()).toEqual([]);
    } finally { ac.abort(); }
  });

  it('a source name is always a name: describe STREAMS looks for a source called STREAMS', () => {
    for (const name of ['streams', 'select']) {
      const r = run('describe', name);
      expect([r.status, r.stderr.trim()]).toEqual([1, `error: unknown stream or table: ${name.toUpperCase()} (see 'ksql-migrate streams' and 'ksql-migrate tables')`]);
    }
    const dropped = run('drop', 'streams', '--yes');
    expect([dropped.status, dropped.stderr.trim()]).toEqual([1, 'error: unknown stream or table: STREAMS']);
    // a quoted name ksqlDB cannot have (an unbalanced quote, a space) is a usage error, before the server is asked
    for (const name of ['"a"b"', '"a b"']) {
      const r = run('describe', name);
      expect([r.status, r.stderr.trim()]).toEqual([2, `error: '${name}' is not a stream or table name: a quoted name holds letters, digits, '_' and '-' only`]);
    }
    // the migration history stream is dropped by metadata destroy only: said first, not --cascade
    const history = run('drop', 'MIGRATION_EVENTS', '--yes');
    expect([history.status, history.stderr.trim()]).toEqual([1, "error: drop: this would drop MIGRATION_EVENTS, the migration history (metadata.stream): use 'ksql-migrate metadata destroy', which checks no run holds its lock"]);
  });

  it('streams, tables, topics and server-info', () => {
    expect(JSON.parse(run('streams', '--json').stdout).map((s: { name: string }) => s.name)).toEqual(['KSQL_PROCESSING_LOG', 'MIGRATION_EVENTS', 'STOCKTRADE', 'TRADE_SETTLEMENT', 'USER_TRADES']);
    // at 80 columns the topic names stay whole (other tools take them); the format columns give way
    const listed = spawnSync(process.execPath, [CLI, 'streams', '--server', server.url], { encoding: 'utf8', timeout: 30_000, env: { ...env, COLUMNS: '80' } });
    expect(listed.stdout).toMatch(/^KSQL_PROCESSING_LOG\s+default_ksql_processing_log\s/m);
    expect(listed.stdout).toMatch(/^TRADE_SETTLEMENT\s+trade-settlements\s/m);
    expect(run('topics').stdout).toMatch(/^stocktrade\s+2\s+1$/m);
    expect(run('server-info').stdout).toMatch(/Health:\s+healthy/);
    // --quiet prints only errors, listings included; the exit code still tells
    for (const cmd of [['server-info'], ['streams'], ['describe', 'stocktrade'], ['queries']]) expect([cmd[0], run(...cmd, '-q').stdout, run(...cmd, '-q').status]).toEqual([cmd[0], '', 0]);
    // --verbose shows the GET requests too
    const verbose = run('server-info', '-v');
    expect(verbose.stderr).toContain(`> GET ${server.url}/info`);
    expect(verbose.stderr).toContain(`> GET ${server.url}/healthcheck`);
  });
});

describe('drop --cascade on the pipeline', () => {
  it('refuses a source in use without --cascade; with it, removes the join and USER_TRADES first, then USERS', async () => {
    const server = await serverWithMigrations();
    try {
      const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--server', server.url], { encoding: 'utf8', timeout: 30_000 });
      const refused = run('drop', 'USERS', '--yes');
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^error: Cannot drop USERS: USER_TRADES \(CSAS_USER_TRADES_\d+\) reads it \(use --cascade to drop what depends on it\)$/);
      // every user at once: the readers, and an INSERT INTO ... SELECT writing into it
      expect((await ksql(server.url, "CREATE STREAM MORE_TRADES (side VARCHAR, quantity INT, symbol VARCHAR, price INT, account VARCHAR, userid VARCHAR) WITH (kafka_topic='more_trades', value_format='json', partitions=1); INSERT INTO STOCKTRADE SELECT * FROM MORE_TRADES; INSERT INTO USER_TRADES SELECT S.USERID AS USERID, CAST(NULL AS STRING) AS REGIONID, S.QUANTITY AS QUANTITY, S.SYMBOL AS SYMBOL, S.PRICE AS PRICE, S.ACCOUNT AS ACCOUNT, S.SIDE AS SIDE FROM STOCKTRADE S PARTITION BY S.USERID;")).status).toBe(200);
      const busy = run('drop', 'stocktrade', '--yes');
      expect([busy.status, busy.stderr.trim()]).toEqual([1, expect.stringMatching(/^error: Cannot drop STOCKTRADE: USER_TRADES \(CSAS_USER_TRADES_\d+\) reads it; INSERTQUERY_\d+ reads it; INSERTQUERY_\d+ writes into it \(use --cascade to drop what depends on it\)$/)]);
      // the migration history goes through `metadata destroy` only (the plan reaches it from its stream)
      for (const [source, setting] of [['migration_events', 'stream'], ['MIGRATION_SCHEMA_VERSIONS', 'table']]) {
        const history = run('drop', source!, '--cascade', '--yes');
        expect([history.status, history.stderr]).toEqual([1, `error: drop: this would drop ${setting === 'stream' ? 'MIGRATION_EVENTS' : 'MIGRATION_SCHEMA_VERSIONS'}, the migration history (metadata.${setting}): use 'ksql-migrate metadata destroy', which checks no run holds its lock\n`]);
      }
      const dropped = run('drop', 'users', '--cascade', '--yes');
      expect(dropped.status).toBe(0);
      // the plan names the query each drop ends, and each step's result names its step
      expect(dropped.stdout).toMatch(/DROP STREAM USER_TRADES {2}\(ends CSAS_USER_TRADES_\d+\)\n\s+DROP TABLE USERS\n/);
      expect(dropped.stdout).toMatch(/^DROP TABLE USERS: /m);
      // the INSERT INTO USER_TRADES is ended before USER_TRADES goes
      expect(dropped.stdout).toMatch(/TERMINATE INSERTQUERY_\d+\n\s+DROP STREAM USER_TRADES/);
      const left = await ksql(server.url, 'SHOW STREAMS; SHOW TABLES; SHOW QUERIES;');
      expect(left.body[0].streams.map((s: { name: string }) => s.name)).toEqual(['KSQL_PROCESSING_LOG', 'MIGRATION_EVENTS', 'MORE_TRADES', 'STOCKTRADE', 'TRADE_SETTLEMENT']);
      expect(left.body[1].tables.map((s: { name: string }) => s.name)).not.toContain('USERS');
      expect(left.body[2].queries.map((q: { id: string }) => q.id).filter((id: string) => id.startsWith('CSAS_USER_TRADES'))).toEqual([]);
    } finally { await server.stop(); }
  });
});

describe('terminate --all with no persistent query running', () => {
  it('has nothing to do, and says so', async () => {
    const server = await startServerProcess();
    try {
      const r = spawnSync(process.execPath, [CLI, 'queries', 'terminate', '--all', '--yes', '--server', server.url], { encoding: 'utf8' });
      expect([r.status, r.stdout, r.stderr]).toEqual([0, 'no queries to terminate\n', '']);
      const j = spawnSync(process.execPath, [CLI, 'queries', 'terminate', '--all', '--yes', '--json', '--server', server.url], { encoding: 'utf8' });
      expect([j.status, JSON.parse(j.stdout)]).toEqual([0, { done: [] }]);
    } finally { await server.stop(); }
  });
});

/** A local server of a test's own (its statements would disturb the suite's), and the CLI pointed at it. */
async function withOwnServer(fn: (server: Running, run: (...args: string[]) => SpawnSyncReturns<string>) => Promise<void>): Promise<void> {
  const server = await startServerProcess();
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--server', server.url], { encoding: 'utf8', timeout: 30_000 });
  try { await fn(server, run); } finally { await server.stop(); }
}

describe('a source table\'s query (CREATE SOURCE TABLE)', () => {
  it('is left running by --all, as ksqlDB\'s TERMINATE ALL leaves it; a failure part way names what was done and what was not tried', () => withOwnServer(async (server, run) => {
    expect((await ksql(server.url, `CREATE STREAM A (K VARCHAR KEY, V INT) WITH (KAFKA_TOPIC='a', PARTITIONS=1, VALUE_FORMAT='JSON');
CREATE STREAM B AS SELECT * FROM A;
CREATE SOURCE TABLE ST (ID VARCHAR PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='st', PARTITIONS=1, VALUE_FORMAT='JSON');
CREATE STREAM C AS SELECT * FROM A;`)).status).toBe(200);
    const ids = JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id) as string[];
    const [b, st, c] = ['CSAS_B_', 'CST_ST_', 'CSAS_C_'].map((prefix) => ids.find((id) => id.startsWith(prefix))!);
    // named, the source table's query is refused before anything is stopped
    const refused = run('queries', 'terminate', b!, st!, c!, '--yes');
    expect([refused.status, refused.stderr.trim()]).toEqual([1, `error: terminate: ${st} keeps a source table, and stops only with it (DROP TABLE removes it with its query): nothing was terminated`]);
    expect(JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id)).toEqual([b, st, c]);
    // a server that refuses one query part way: B was stopped before it, C not tried
    const proxy = await startFaultProxy(server.url, (body) => (body.includes('TERMINATE') && body.includes(c!)
      ? { status: 400, body: { '@type': 'statement_error', error_code: 40001, message: 'refused by the test', statementText: '', entities: [] } } : undefined));
    try {
      // (not spawnSync: the proxy answers from this process)
      const partial = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [CLI, 'queries', 'terminate', b!, c!, '--yes', '--json', '--server', proxy.url], { encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) => resolve({ status: e ? (e.code as number) : 0, stdout, stderr }));
      });
      expect(partial.status).toBe(1);
      expect(partial.stderr).toMatch(new RegExp(`^error: ${c} failed: ksqlDB refused the request: refused by the test; done before it: ${b}\n$`));
      expect(JSON.parse(partial.stdout)).toMatchObject({ exitCode: 1, done: [{ id: b, message: expect.any(String) }], failed: c, notTried: [] });
    } finally { await proxy.close(); }
    expect(JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id)).toEqual([st, c]);
    // --all pauses and terminates what it may, and says what it leaves
    const paused = run('queries', 'pause', '--all', '--yes', '--json');
    expect([paused.status, JSON.parse(paused.stdout)]).toEqual([0, { done: [{ id: c, message: expect.any(String) }], leftRunning: [st] }]);
    const ended = run('queries', 'terminate', '--all', '--yes');
    expect([ended.status, ended.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^terminate ${c}: CREATE STREAM C .*\n${c}: Query terminated\\.\n${st}: left running \\(it keeps a source table: DROP TABLE removes it with its query\\)\n$`))]);
    expect(JSON.parse(run('queries', '--json').stdout).map((q: { id: string }) => q.id)).toEqual([st]);
    // with nothing else to stop, it still says what it leaves
    const nothing = run('queries', 'terminate', '--all', '--yes');
    expect([nothing.status, nothing.stdout]).toEqual([0, `no queries to terminate\n${st}: left running (it keeps a source table: DROP TABLE removes it with its query)\n`]);
  }));
});

describe('drop of a source a terminated query\'s sink was made from', () => {
  it('names that sink without --cascade, and drops it first with it (the server holds the source until then)', () => withOwnServer(async (server, run) => {
    expect((await ksql(server.url, "CREATE STREAM P1 (ID INT KEY, V STRING) WITH (KAFKA_TOPIC='p1', PARTITIONS=1, VALUE_FORMAT='JSON');\nCREATE STREAM P2 AS SELECT * FROM P1;")).status).toBe(200);
    expect(run('queries', 'terminate', '--all', '--yes').status).toBe(0);
    const refused = run('drop', 'p1', '--yes');
    expect([refused.status, refused.stderr.trim()]).toEqual([1, 'error: Cannot drop P1: P2 was made from it (its query terminated) (use --cascade to drop what depends on it)']);
    const dropped = run('drop', 'p1', '--cascade', '--yes', '--json');
    expect([dropped.status, JSON.parse(dropped.stdout).done.map((d: { step: string }) => d.step)]).toEqual([0, ['DROP STREAM P2', 'DROP STREAM P1']]);
  }));
});

describe('drop --cascade --delete-topic', () => {
  it('refuses before dropping anything a plan whose DELETE TOPIC ksqlDB would refuse part-way: a read-only source\'s topic, a topic another source uses', () => withOwnServer(async (server, run) => {
    expect((await ksql(server.url, "CREATE SOURCE TABLE SRC_T (ID STRING PRIMARY KEY, N INT) WITH (KAFKA_TOPIC='src_t', VALUE_FORMAT='JSON', PARTITIONS=1);\nCREATE TABLE SRC_T_COPY AS SELECT * FROM SRC_T;")).status).toBe(200);
    const readOnly = run('drop', 'src_t', '--cascade', '--delete-topic', '--yes');
    expect([readOnly.status, readOnly.stderr]).toEqual([1, 'error: drop: cannot delete the topic of SRC_T, a read-only source (CREATE SOURCE TABLE); drop without --delete-topic\n']);
    expect((await ksql(server.url, "CREATE STREAM SX (K STRING KEY, V INT) WITH (KAFKA_TOPIC='shared', VALUE_FORMAT='JSON', PARTITIONS=1);\nCREATE STREAM SY (K STRING KEY, V INT) WITH (KAFKA_TOPIC='shared', VALUE_FORMAT='JSON');\nCREATE STREAM SZ AS SELECT * FROM SX;\nCREATE STREAM SW AS SELECT * FROM SZ;")).status).toBe(200);
    const shared = run('drop', 'sx', '--cascade', '--delete-topic', '--yes', '--json');
    expect([shared.status, shared.stderr]).toEqual([1, 'error: drop: cannot delete topic shared with SX: SY uses it too; drop without --delete-topic, or drop it first\n']);
    // nothing was dropped
    const names = async () => ((await ksql(server.url, 'SHOW STREAMS; SHOW TABLES;')).body as { streams?: { name: string }[]; tables?: { name: string }[] }[]).flatMap((e) => [...(e.streams ?? []), ...(e.tables ?? [])].map((x) => x.name)).filter((n) => !n.startsWith('KSQL_')).sort();
    expect(await names()).toEqual(['SRC_T', 'SRC_T_COPY', 'SW', 'SX', 'SY', 'SZ']);
    // what may be dropped with its topics goes, each step named as the plan names it
    const dropped = run('drop', 'sz', '--cascade', '--delete-topic', '--yes', '--json');
    expect([dropped.status, JSON.parse(dropped.stdout).done.map((d: { step: string }) => d.step)]).toEqual([0, ['DROP STREAM SW DELETE TOPIC', 'DROP STREAM SZ DELETE TOPIC']]);
    expect(await names()).toEqual(['SRC_T', 'SRC_T_COPY', 'SX', 'SY']);
  }));
});

describe('a drop or terminate part way: an answer lost, a Ctrl-C', () => {
  /** The CLI run in a child (not spawnSync: the proxy answers from this process). */
  const cli = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) => resolve({ status: e ? (e.code as number) : 0, stdout, stderr }));
  });
  const streams = async (url: string) => ((await ksql(url, 'SHOW STREAMS;')).body as { streams: { name: string }[] }[])[0]!.streams.map((s) => s.name).filter((n) => !n.startsWith('KSQL_')).sort();

  it('a step whose answer never came may have run: named in flight, not failed, with what was done and not tried', () => withOwnServer(async (server) => {
    expect((await ksql(server.url, "CREATE STREAM LZ (K STRING KEY, V INT) WITH (KAFKA_TOPIC='lz', PARTITIONS=1, VALUE_FORMAT='JSON');\nCREATE STREAM LZ1 AS SELECT * FROM LZ;")).status).toBe(200);
    const proxy = await startLosingProxy(server.url, (body) => body.includes('DROP STREAM'));
    try {
      const r = await cli(['drop', 'lz', '--cascade', '--yes', '--json', '--server', proxy.url]);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/^error: DROP STREAM LZ1: no answer came \(cannot reach ksqlDB at .*\), so it may have run: see 'ksql-migrate queries', 'streams' and 'tables'; not tried: DROP STREAM LZ\n$/);
      expect(JSON.parse(r.stdout)).toEqual({ error: expect.stringMatching(/^DROP STREAM LZ1: no answer came/), exitCode: 3, done: [], inFlight: 'DROP STREAM LZ1', notTried: ['DROP STREAM LZ'] });
    } finally { await proxy.close(); }
    // it had run
    expect(await streams(server.url)).toEqual(['LZ']);
    // a server that refuses the connection ran nothing: that step failed
    const refused = spawnSync(process.execPath, [CLI, 'queries', 'terminate', 'X', '--yes', '--server', 'http://127.0.0.1:1'], { encoding: 'utf8' });
    expect(refused.status).toBe(3);
  }));

  it('Ctrl-C part way says which step was in flight and which were not tried, in --json\'s document too', () => withOwnServer(async (server) => {
    // each request waits a while at the proxy: the signal comes while the second drop is on its way
    const proxy = await startDelayProxy(server.url, 300);
    try {
      for (const [json, s] of [[true, 'IB'], [false, 'JB']] as const) {
        expect((await ksql(server.url, `CREATE STREAM ${s} (K STRING KEY, V INT) WITH (KAFKA_TOPIC='${s}', PARTITIONS=1, VALUE_FORMAT='JSON');\nCREATE STREAM ${s}1 AS SELECT * FROM ${s};\nCREATE STREAM ${s}2 AS SELECT * FROM ${s};`)).status).toBe(200);
        const child = spawn(process.execPath, [CLI, 'drop', s, '--cascade', '--yes', ...(json ? ['--json'] : []), '--server', proxy.url], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '', stderr = '';
        child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
        child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        const second = new Promise<void>((resolve) => { let drops = 0; proxy.onBody = (body) => { if (body.includes('DROP STREAM') && ++drops === 2) resolve(); }; });
        const exited = once(child, 'exit');
        await second;
        child.kill('SIGINT');
        const [code] = await exited;
        expect(code).toBe(130);
        if (json) expect(JSON.parse(stdout)).toEqual({ error: 'interrupted', exitCode: 130, done: [{ step: `DROP STREAM ${s}1`, message: expect.any(String) }], inFlight: `DROP STREAM ${s}2`, notTried: [`DROP STREAM ${s}`] });
        else expect([stdout, stderr]).toEqual([expect.stringMatching(new RegExp(`\nDROP STREAM ${s}1: .*\n$`)), `error: interrupted: DROP STREAM ${s}2 was in flight (it may have run); not tried: DROP STREAM ${s}\n`]);
      }
    } finally { await proxy.close(); }
  }));
});

// util-linux's `script` runs the CLI on a pseudo-terminal, where the question is asked
const hasScript = spawnSync('script', ['--version']).status === 0;
describe('the question on a terminal', () => {
  it.skipIf(!hasScript)('Ctrl-C at it is interrupted, nothing done: exit 130, and --json\'s one document (skipped without util-linux script)', () => withOwnServer(async (server, run) => {
    expect((await ksql(server.url, "CREATE STREAM QA (K STRING KEY, V INT) WITH (KAFKA_TOPIC='qa', PARTITIONS=1, VALUE_FORMAT='JSON');\nCREATE STREAM QB AS SELECT * FROM QA;")).status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'ksql-migrate-ask-'));
    const quote = (x: string) => `'${x.replace(/'/g, "'\\''")}'`;
    const child = spawn('script', ['-qec', `${quote(process.execPath)} ${quote(CLI)} queries pause --sink QB --json --server ${server.url} >${quote(join(dir, 'out'))}; echo $? >${quote(join(dir, 'rc'))}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    const asked = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { screen += d.toString(); if (screen.includes('[y/N]')) resolve(); }));
    const exited = once(child, 'exit');
    await asked;
    child.stdin.write('\u0003');
    await exited;
    expect([readFileSync(join(dir, 'rc'), 'utf8').trim(), JSON.parse(readFileSync(join(dir, 'out'), 'utf8'))]).toEqual(['130', { error: 'interrupted: nothing was done', exitCode: 130 }]);
    expect(JSON.parse(run('queries', '--sink', 'QB', '--json').stdout)[0].statusCount).toEqual({ RUNNING: 1 });
  }));
});

describe('server-info against a server that is not well', () => {
  it('unhealthy is exit 1, in text and in JSON; one still starting is one line, exit 3', async () => {
    // ksqlDB's answers while unhealthy (503 with its components) and while starting (503 with an error
    // entity on every route): a stand-in for states the local server does not get into
    let starting = false;
    const fake = createServer((req, res) => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (starting) return send(503, { '@type': 'generic_error', error_code: 50333, message: 'KSQL is not yet ready to serve requests.' });
      if (req.url === '/info') return send(200, { KsqlServerInfo: { version: '0.29.0', kafkaClusterId: 'k', ksqlServiceId: 'default_', serverStatus: 'RUNNING' } });
      return send(503, { isHealthy: false, details: { metastore: { isHealthy: true }, kafka: { isHealthy: false } } });
    }).listen(0, '127.0.0.1');
    await once(fake, 'listening');
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const run = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'server-info', ...args, '--server', url], { encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) => resolve({ status: e ? (e.code as number) : 0, stdout, stderr }));
    });
    try {
      const text = await run();
      expect([text.status, text.stdout]).toEqual([1, expect.stringMatching(/Health:\s+UNHEALTHY\n\s+metastore: healthy\n\s+kafka: UNHEALTHY\n$/)]);
      const json = await run('--json');
      expect([json.status, JSON.parse(json.stdout).health.isHealthy]).toEqual([1, false]);
      starting = true;
      const early = await run('--json');
      expect(early.status).toBe(3);
      expect(early.stderr).toBe(`error: ksqlDB at ${url} is not ready (HTTP 503: KSQL is not yet ready to serve requests.)\n`);
      expect(JSON.parse(early.stdout)).toEqual({ error: `ksqlDB at ${url} is not ready (HTTP 503: KSQL is not yet ready to serve requests.)`, exitCode: 3 });
    } finally { fake.close(); }
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from '../../src/engine/rest/server.js';
import { KsqlClient, ServerError } from '../../src/client/client.js';
import { HistoryNotRecorded, LockLost, LockTimeout, lockRow, migrate, readHistory, type MigrationSettings } from '../../src/migrations/apply.js';
import { insertRow, LOCK_KEY, NO_ERROR } from '../../src/migrations/history.js';
import { readStatus } from '../../src/migrations/status.js';

// migrate() against an in-process local server, with a clock the test moves: the cases where the
// lock's lease runs out at the wrong moment, which a real run meets only when it stalls

let server: LocalServer;
beforeAll(async () => { server = await startLocalServer({ port: 0 }); });
afterAll(async () => { await server.close(); });

let n = 0;
/** A project of `count` migrations, each inserting its version into a stream of its own, and settings with fresh history names. */
function project(count: number) {
  const id = `L${++n}_${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'ksqlm-lock-'));
  const log = `LOG_${id}`;
  writeFileSync(join(dir, 'V000001__log.sql'), `CREATE STREAM ${log} (V INT) WITH (KAFKA_TOPIC='${log.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
  for (let v = 2; v <= count; v++) writeFileSync(join(dir, `V00000${v}__v${v}.sql`), `INSERT INTO ${log} (V) VALUES (${v});\n`);
  const s: MigrationSettings = {
    dir, defines: new Map(), leaseMs: 3_000, waitMs: 2_000,
    metadata: { stream: `EV_${id}`, table: `VER_${id}`, streamTopic: `ev_${id}`.toLowerCase(), tableTopic: `ver_${id}`.toLowerCase(), replicas: 1 },
  };
  return { s, log };
}

const lockClaim = (stream: string, holder: string, at: number) =>
  insertRow(stream, { versionKey: LOCK_KEY, version: holder, name: 'ksql-migrate lock', state: 'LOCKED', checksum: '', startedOn: String(at), completedOn: '', previous: '', errorReason: NO_ERROR });

describe('the migration lock when its lease runs out at the wrong moment', () => {
  it('a history read that came back after the lease does not count as holding the lock: another run claimed it meanwhile', async () => {
    const { s } = project(2);
    s.waitMs = 10_000;
    const client = new KsqlClient({ url: server.url });
    let clock = 1_000_000;
    let stalled = false;
    // the first history read takes longer than the lease, and another run claims the lock while it does
    const slow = Object.create(client) as KsqlClient;
    slow.query = async (sql, props) => {
      const result = await client.query(sql, props);
      if (!stalled && sql.includes(s.metadata.stream)) {
        stalled = true;
        clock += 5_000;
        await client.ksql(lockClaim(s.metadata.stream, 'other-run', clock));
      }
      return result;
    };
    // the other run renews its claim while this one waits
    const sleep = async () => { clock += 250; await client.ksql(lockClaim(s.metadata.stream, 'other-run', clock)); };
    const events: string[] = [];
    await expect(migrate({ client: slow, now: () => clock, sleep, interrupted: () => false }, s, {}, (e) => { events.push(e.type); })).rejects.toThrow(LockTimeout);
    expect(events).toContain('lock-wait');
    expect(events).not.toContain('start');
    await client.close();
  });

  it('a run that stalls past its lease after taking the lock stops before its next migration, even if a renewal goes out once it wakes', async () => {
    const { s, log } = project(3);
    const client = new KsqlClient({ url: server.url });
    let clock = 2_000_000;
    const events: string[] = [];
    // the process stalls (a laptop asleep) right after its first migration
    const result = migrate({ client, now: () => clock, sleep: async () => undefined, interrupted: () => false }, s, {}, (e) => {
      events.push(e.type);
      if (e.type === 'done') clock += 10_000;
    });
    await expect(result).rejects.toThrow(LockLost);
    expect(events.filter((t) => t === 'done')).toHaveLength(1);
    const rows = await client.query(`SELECT * FROM ${log};`);
    expect(rows.rows).toHaveLength(0);
    // the migration it did apply is recorded whole: its own row and CURRENT, as Confluent's tool reads it
    const history = (await readHistory(client, s.metadata, s.leaseMs))!;
    expect([history.versions.get(1)?.state, history.current?.state, history.current?.version]).toEqual(['MIGRATED', 'MIGRATED', '1']);
    await client.close();
  });

  it('a run whose lock was released and claimed by another run while it held it (repair --release-lock on a live run) stops before its next migration, once a renewal shows it', async () => {
    const { s, log } = project(3);
    const client = new KsqlClient({ url: server.url });
    let confirmed!: () => void;
    const renewalChecked = new Promise<void>((resolve) => { confirmed = resolve; });
    const watched = Object.create(client) as KsqlClient;
    // the lock's claims read after a renewal: the test waits for one that sees the other run
    watched.query = async (sql, props) => {
      const r = await client.query(sql, props);
      if (sql.includes(`WHERE VERSION_KEY = '${LOCK_KEY}'`) && r.rows.some((row) => row[1] === 'other-run')) confirmed();
      return r;
    };
    watched.ksql = async (sql, props, opts) => {
      // while the first migration's request is out, its lock is released as repair releases it and another run claims it
      if (sql.includes(`CREATE STREAM ${log}`)) {
        const holder = (await readHistory(client, s.metadata, s.leaseMs))!.lock.holder!;
        await client.ksql(`${lockRow(s.metadata.stream, holder, 'UNLOCKED', Date.now())}\n${lockRow(s.metadata.stream, 'other-run', 'LOCKED', Date.now(), 600_000)}`);
        await renewalChecked;
      }
      return client.ksql(sql, props, opts);
    };
    const outcome = await migrate({ client: watched, now: Date.now, sleep: async () => undefined, interrupted: () => false }, s, {}, () => undefined).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(LockLost);
    expect((outcome as Error).message).toMatch(/^lost the lock: other-run holds it now/);
    // the first migration ran; the others did not
    expect((await client.query(`SELECT V FROM ${log};`)).rows).toEqual([]);
    const status = await readHistory(client, s.metadata, s.leaseMs);
    expect([...status!.versions.values()].map((r) => [r.version, r.state])).toEqual([['1', 'MIGRATED']]);
    await client.close();
  });

  it.each([['ran', false], ['failed', true]] as const)('a migration whose answer came after the lease ran out, another run holding the lock by then, is not written over that run\'s history (it %s)', async (_how, fails) => {
    const { s, log } = project(3);
    const client = new KsqlClient({ url: server.url });
    let clock = 2_000_000;
    const stalled = Object.create(client) as KsqlClient;
    stalled.ksql = async (sql, props, opts) => {
      if (sql.includes(`INSERT INTO ${log} (V) VALUES (2)`)) {
        // the process stalls while V2's request is out: past the lease, another run claims the lock and applies V2 and V3
        clock += 10_000;
        await client.ksql(lockClaim(s.metadata.stream, 'other-run', clock));
        const other = (v: number, key: string) => insertRow(s.metadata.stream, { versionKey: key, version: String(v), name: `v${v}`, state: 'MIGRATED', checksum: 'x', startedOn: String(clock), completedOn: String(clock + 1), previous: String(v - 1), errorReason: NO_ERROR });
        await client.ksql([other(2, '2'), other(3, '3'), other(3, 'CURRENT')].join('\n'));
        if (fails) throw new ServerError(400, { '@type': 'statement_error', error_code: 40001, message: 'refused by the test', statementText: `INSERT INTO ${log} (V) VALUES (2);` });
      }
      return client.ksql(sql, props, opts);
    };
    const outcome = await migrate({ client: stalled, now: () => clock, sleep: async () => undefined, interrupted: () => false }, s, {}, () => undefined).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(LockLost);
    expect((outcome as Error).message).toMatch(new RegExp(`^lost the lock while V000002 v2 ran \\(the lease of lock.leaseSeconds ran out before its answer came\\): other-run took it meanwhile, so V000002's outcome \\(${fails ? 'it failed at statement 1/1' : 'its statements ran'}.*\\) is not written into the history that run keeps`));
    // the other run's rows stand: V2 MIGRATED by it, CURRENT on V3
    const table = (await client.query(`SELECT VERSION_KEY, VERSION, STATE, STARTED_ON FROM ${s.metadata.table};`)).rows.map((r) => r.map(String));
    expect(table.filter((r) => ['2', 'CURRENT'].includes(r[0]!)).sort()).toEqual([['2', '2', 'MIGRATED', String(2_000_000 + 10_000)], ['CURRENT', '3', 'MIGRATED', String(2_000_000 + 10_000)]]);
    await client.close();
  });

  it('a stop asked for during the last migration still ends the run as stopped, once it is recorded', async () => {
    const { s } = project(2);
    const client = new KsqlClient({ url: server.url });
    let stop = false;
    const result = await migrate({ client, now: Date.now, sleep: async () => undefined, interrupted: () => stop }, s, {}, (e) => { if (e.type === 'start' && e.file.version === 2) stop = true; });
    expect(result.interrupted).toBe(true);
    expect(result.outcomes.map((o) => o.status)).toEqual(['success', 'success']);
    const history = await readHistory(client, s.metadata, s.leaseMs);
    expect([history!.versions.get(2)?.state, history!.lock.holder]).toEqual(['MIGRATED', undefined]);
    await client.close();
  });

  it('a renewal sent within the lease that lands after another run\'s claim (the machine slept on the way) does not hide that claim', async () => {
    const { s, log } = project(3);
    const client = new KsqlClient({ url: server.url });
    let clock = 3_000_000;
    let v2Out = false, late = false;
    let renewalLanded: (() => void) | undefined;
    const sleepy = Object.create(client) as KsqlClient;
    sleepy.ksql = async (sql, props, opts) => {
      if (v2Out && !late && sql.includes("'LOCKED'") && !sql.includes('other-run')) {
        // a renewal sent while the lease held; before it reaches the server, another run claims the lock and applies V2 and V3
        late = true;
        clock += 10_000;
        await client.ksql(lockClaim(s.metadata.stream, 'other-run', clock));
        const other = (v: number, key: string) => insertRow(s.metadata.stream, { versionKey: key, version: String(v), name: `v${v}`, state: 'MIGRATED', checksum: 'x', startedOn: String(clock), completedOn: String(clock + 1), previous: String(v - 1), errorReason: NO_ERROR });
        await client.ksql([other(2, '2'), other(3, '3'), other(3, 'CURRENT')].join('\n'));
        const r = await client.ksql(sql, props, opts);
        renewalLanded?.();
        return r;
      }
      if (sql.includes(`INSERT INTO ${log} (V) VALUES (2)`)) {
        v2Out = true;
        await new Promise<void>((r) => { renewalLanded = r; });
      }
      return client.ksql(sql, props, opts);
    };
    const outcome = await migrate({ client: sleepy, now: () => clock, sleep: async () => undefined, interrupted: () => false }, s, {}, () => undefined).catch((e: unknown) => e);
    expect([outcome instanceof LockLost, (outcome as Error).message]).toEqual([true, expect.stringMatching(/^lost the lock while V000002 v2 ran .*other-run took it meanwhile/)]);
    const table = (await client.query(`SELECT VERSION_KEY, VERSION, STATE FROM ${s.metadata.table};`)).rows.map((r) => r.map(String));
    expect(table.filter((r) => r[0] === 'CURRENT')).toEqual([['CURRENT', '3', 'MIGRATED']]);
    await client.close();
  }, 20_000);

  it('a stop asked for while a migration fails is told too: the outcome is the failure, the run stopped', async () => {
    const { s } = project(1);
    writeFileSync(join(s.dir, 'V000002__bad.sql'), 'CREATE STREAM NO_SUCH_THING AS SELECT * FROM NOWHERE_AT_ALL;\n');
    const client = new KsqlClient({ url: server.url });
    let stop = false;
    const failed = await migrate({ client, now: Date.now, sleep: async () => undefined, interrupted: () => stop }, s, {}, (e) => { if (e.type === 'start' && e.file.version === 2) stop = true; });
    expect([failed.interrupted, failed.outcomes.map((o) => o.status)]).toEqual([true, ['success', 'error']]);
    await client.close();
  });

  it('a last migration whose MIGRATED rows cannot be written fails the run, saying how to record it', async () => {
    const { s } = project(1);
    const client = new KsqlClient({ url: server.url });
    const failing = Object.create(client) as KsqlClient;
    failing.ksql = async (sql, props, opts) => {
      // the MIGRATED rows, written on their own and then with the lock's release
      if (sql.includes("'MIGRATED'")) throw new Error('connection reset');
      return client.ksql(sql, props, opts);
    };
    await expect(migrate({ client: failing, now: Date.now, sleep: async () => undefined, interrupted: () => false }, s, {}, () => undefined))
      .rejects.toThrow(new HistoryNotRecorded("could not record V000001 as MIGRATED (its statements ran) nor release the lock: connection reset. 'ksql-migrate repair --mark-migrated --version 1 --release-lock --yes' records it and frees the lock"));
    await client.close();
  });

  it('a migration is recorded MIGRATED as soon as its statements have run, before the next one is sent', async () => {
    const { s, log } = project(2);
    const client = new KsqlClient({ url: server.url });
    // the second migration's request hangs (a run killed while it is out would never write more)
    let release!: (e: Error) => void;
    const hanging = Object.create(client) as KsqlClient;
    hanging.ksql = async (sql, props, opts) => {
      if (sql.includes(`INSERT INTO ${log} (V) VALUES (2)`)) return new Promise((_resolve, reject) => { release = reject; });
      return client.ksql(sql, props, opts);
    };
    const done: number[] = [];
    const run = migrate({ client: hanging, now: Date.now, sleep: async () => undefined, interrupted: () => false }, s, {}, (e) => { if (e.type === 'done') done.push(e.file.version); });
    for (let i = 0; i < 200 && !release; i++) await new Promise((r) => setTimeout(r, 10));
    expect(done).toEqual([1]);
    const history = await readHistory(client, s.metadata, s.leaseMs);
    expect([history!.versions.get(1)?.state, history!.versions.get(2)?.state]).toEqual(['MIGRATED', undefined]);
    release(new Error('connection reset'));
    await expect(run).rejects.toThrow('connection reset');
    await client.close();
  });

  it('against its own embedded server a run takes over a lock another run left (no other process can reach it); elsewhere it waits', async () => {
    const { s } = project(1);
    const client = new KsqlClient({ url: server.url });
    let clock = 3_000_000;
    const dead = () => client.ksql(lockClaim(s.metadata.stream, 'dead-run', clock));
    // the history exists, and a run that died holds the lock
    await migrate({ client, now: () => clock, sleep: async () => undefined, interrupted: () => false }, { ...s, dir: mkdtempSync(join(tmpdir(), 'ksqlm-empty-')) }, {}, () => undefined);
    await dead();
    const status = await readStatus(client, s.dir, s.metadata, s.leaseMs, clock);
    expect(status.lockHolder).toBe('dead-run');
    // status no longer names a holder whose lease ran out
    expect((await readStatus(client, s.dir, s.metadata, s.leaseMs, clock + s.leaseMs + 1)).lockHolder).toBeUndefined();
    const tick = async () => { clock += 250; };
    await expect(migrate({ client, now: () => clock, sleep: tick, interrupted: () => false }, { ...s, leaseMs: 60_000 }, {}, () => undefined)).rejects.toThrow(LockTimeout);
    await dead();
    const warnings: string[] = [];
    const result = await migrate({ client, now: () => clock, sleep: tick, interrupted: () => false }, { ...s, leaseMs: 60_000, exclusive: true }, {}, (e) => { if (e.type === 'warning') warnings.push(e.message); });
    expect(result.outcomes.map((o) => o.status)).toEqual(['success']);
    expect(warnings).toEqual(['took over the lock left by dead-run, a run that stopped without releasing it (no other process can reach this embedded server)']);
    await client.close();
  });
});

describe('a history table that does not answer at once', () => {
  it('made by this run (a real server starts its query a moment later): no advice to make it again; one unreadable before the run: warned of', async () => {
    const { s } = project(1);
    const client = new KsqlClient({ url: server.url });
    // the table's first pull query after it is made fails, as a real ksqlDB's may while its query starts
    let made = false, refused = 0;
    const starting = Object.create(client) as KsqlClient;
    starting.ksql = async (sql, ...rest) => { if (sql.includes(`CREATE TABLE IF NOT EXISTS ${s.metadata.table}`)) made = true; return client.ksql(sql, ...rest); };
    starting.query = async (sql, props) => {
      if (made && refused === 0 && sql.includes(`FROM ${s.metadata.table};`)) { refused++; throw new ServerError(400, { error_code: 40001, message: 'Cannot determine which host contains the required partitions to serve the pull query.' }); }
      return client.query(sql, props);
    };
    const warnings: string[] = [];
    const ports = { client: starting, now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), interrupted: () => false };
    const first = await migrate(ports, s, {}, (e) => { if (e.type === 'warning') warnings.push(e.message); });
    expect([refused, first.outcomes.map((o) => o.status), warnings]).toEqual([1, ['success'], []]);
    // a table that cannot be read before the run starts (its query terminated) is warned of
    const queries = (await client.ksql('SHOW QUERIES;'))[0]!.queries as { id: string; sinks: string[] }[];
    await client.ksql(`TERMINATE ${queries.find((q) => q.sinks.includes(s.metadata.table))!.id};`);
    writeFileSync(join(s.dir, 'V000002__v2.sql'), `INSERT INTO LOG_${s.metadata.stream.slice(3)} (V) VALUES (2);\n`);
    const second = await migrate({ ...ports, client }, s, {}, (e) => { if (e.type === 'warning') warnings.push(e.message); });
    expect(second.outcomes.map((o) => o.status)).toEqual(['success']);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^the history table ${s.metadata.table} cannot be read`))]);
    await client.close();
  });
});

import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ksql, queryStream } from '../helpers/server.js';
import { appliedOutOfOrder, eventually, project as makeProject, sql, suiteServer } from '../helpers/project.js';
import { startDelayProxy } from '../helpers/proxy.js';

// The suite runs against the local server, or against a real ksqlDB when KSQLDB_URL is set.
const target = suiteServer();

const project = () => makeProject(target());

describe('migrations end to end through the CLI', () => {
  it('wait finds the server healthy and names its version', () => {
    const p = project();
    const r = p.run('wait', '--timeout', '30s', '--json');
    expect([r.status, JSON.parse(r.stdout)]).toEqual([0, { healthy: true, url: target().replace(/\/+$/, ''), version: expect.stringMatching(/^\d+\.\d+/), waitedMs: expect.any(Number), attempts: 1 }]);
  });

  it('baseline adopts objects made by hand: files up to --version are MIGRATED without running, up applies the rest', async () => {
    const p = project();
    const name = (i: number) => `BL${i}_${p.stream}`;
    const ddl = (i: number) => `CREATE STREAM ${name(i)} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${name(i).toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`;
    for (const i of [1, 2, 3]) sql(p.dir, `V00000${i}__s${i}.sql`, ddl(i));
    // V1 and V2 exist already, made by hand: running them again would fail
    expect((await ksql(target(), `${ddl(1)}${ddl(2)}`)).status).toBe(200);
    const usage = p.run('baseline');
    expect([usage.status, usage.stderr.trim()]).toEqual([2, "error: baseline: --version N names the last version that already exists on the server, got ''"]);
    const b = p.run('baseline', '--version', '2');
    expect([b.status, b.stdout.trim()]).toEqual([0, 'baselined V000001..V000002 (2 versions) as MIGRATED without running them; up applies what comes after']);
    const st = JSON.parse(p.run('status', '--json').stdout);
    expect([st.currentVersion, st.migrations.map((m: { version: number; state: string }) => [m.version, m.state])]).toEqual([2, [[1, 'MIGRATED'], [2, 'MIGRATED'], [3, 'PENDING']]]);
    const up = p.run('up');
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/applied V000003 s3/);
    expect(up.stdout).not.toMatch(/V000001|V000002/);
    expect(p.run('validate').status).toBe(0);
    const again = p.run('baseline', '--version', '3');
    expect([again.status, again.stderr.trim()]).toEqual([1, "error: baseline: the history already records versions 1, 2, 3; a baseline only starts an empty one (to record a version 'up' did not apply, run it through 'up --version N'; 'repair --mark-migrated' settles one the history already has)"]);
  });

  it('down --dry-run writes nothing (no history made), notes a TERMINATE ALL, and validate checks undo files\' text as down would', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', `CREATE STREAM DX_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='dx_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    sql(p.dir, 'U000001__a.sql', `TERMINATE ALL;\nDROP STREAM DX_${p.stream};\n`);
    const dry = p.run('down', '--dry-run');
    expect([dry.status, dry.stdout.trim()]).toEqual([0, 'nothing to undo: no version is applied']);
    expect((await ksql(target(), 'SHOW STREAMS;')).body[0].streams.map((x: { name: string }) => x.name)).not.toContain(p.stream);
    expect(p.run('up').status).toBe(0);
    const noted = p.run('down', '--dry-run');
    expect([noted.status, noted.stdout.trim()]).toEqual([0, 'would undo V000001 a with U000001__a.sql']);
    expect(noted.stderr).toContain('U000001__a.sql:1: TERMINATE ALL also stops the query that keeps the history table');
    sql(p.dir, 'U000001__a.sql', `SELECT * FROM DX_${p.stream};\n`);
    const invalid = p.run('validate');
    expect([invalid.status, invalid.stderr]).toEqual([4, expect.stringContaining('U000001__a.sql')]);
  });

  it('down undoes the latest version (or all above --to) with its U file: the version is pending again, CURRENT goes back, up applies it again; a failed undo is ERROR', async () => {
    const p = project();
    const n = (x: string) => `${x}_${p.stream}`;
    sql(p.dir, 'V000001__a.sql', `CREATE STREAM ${n('DA')} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${n('da').toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    sql(p.dir, 'U000001__a.sql', `DROP STREAM ${n('DA')} DELETE TOPIC;\n`);
    sql(p.dir, 'V000002__b.sql', `CREATE STREAM ${n('DB')} AS SELECT * FROM ${n('DA')};\n`);
    sql(p.dir, 'U000002__b.sql', `DROP STREAM ${n('DB')} DELETE TOPIC;\n`);
    sql(p.dir, 'V000003__c.sql', `CREATE TABLE ${n('DC')} AS SELECT id, COUNT(*) AS c FROM ${n('DA')} GROUP BY id;\n`);
    expect(p.run('up').status).toBe(0);
    const rows = async () => (await queryStream(target(), `SELECT VERSION_KEY, VERSION, STATE, ERROR_REASON FROM ${p.table} WHERE VERSION_KEY <> 'KSQL_MIGRATE_LOCK';`)).rows.sort();
    const sources = async () => (await ksql(target(), 'SHOW STREAMS; SHOW TABLES;')).body.flatMap((e: { streams?: { name: string }[]; tables?: { name: string }[] }) => [...(e.streams ?? []), ...(e.tables ?? [])].map((x) => x.name));
    // V3 has no undo file: nothing is undone
    const refused = p.run('down');
    expect([refused.status, refused.stderr.trim()]).toEqual([1, 'error: no undo file for V000003: down runs U<version>__<description>.sql (as U000003__undo.sql) to undo a version']);
    sql(p.dir, 'U000003__c.sql', `DROP TABLE ${n('DC')} DELETE TOPIC;\n`);
    const dry = p.run('down', '--to', '1', '--dry-run');
    expect([dry.status, dry.stdout.trim()]).toEqual([0, 'would undo V000003 c with U000003__c.sql\nwould undo V000002 b with U000002__b.sql']);
    expect(await sources()).toContain(n('DC'));
    const one = p.run('down');
    expect([one.status, one.stdout]).toEqual([0, expect.stringMatching(/^undone V000003 c \(\d+ ms\)\n$/)]);
    expect(await sources()).not.toContain(n('DC'));
    const undone = [['1', '1', 'MIGRATED', 'N/A'], ['2', '2', 'MIGRATED', 'N/A'], ['3', '3', 'PENDING', 'undone by U000003__c.sql'], ['CURRENT', '2', 'MIGRATED', 'N/A']];
    expect(await eventually(rows, undone)).toEqual(undone);
    expect(p.run('validate').status).toBe(0);
    expect(JSON.parse(p.run('status', '--json').stdout).currentVersion).toBe(2);
    expect(p.run('up').stdout).toMatch(/^applied V000003 c/);
    expect(await sources()).toContain(n('DC'));
    // all of them, newest first; then a failing undo leaves its version ERROR, for repair
    const all = p.run('down', '--to', '0', '--json');
    expect([all.status, JSON.parse(all.stdout).outcomes.map((o: { version: number; status: string }) => [o.version, o.status])]).toEqual([0, [[3, 'success'], [2, 'success'], [1, 'success']]]);
    expect(await sources()).not.toContain(n('DA'));
    const states = async () => (await rows()).map((r) => r[2]);
    expect(await eventually(states, ['PENDING', 'PENDING', 'PENDING', 'PENDING'])).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING']);
    expect(p.run('down').stdout.trim()).toBe('nothing to undo: no version is applied');
    expect(p.run('up').status).toBe(0);
    expect(p.run('down', '--to', '3').stdout.trim()).toBe('nothing to undo: no applied version is above 3');
    sql(p.dir, 'U000002__b.sql', `DROP STREAM NO_SUCH_${p.stream};\n`);
    const failed = p.run('down', '--to', '1');
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/^undone V000003 c/);
    expect(failed.stderr).toContain(`undoing V000002 with U000002__b.sql failed at undo statement 1/1 (line 1): `);
    const failedStates = [['1', 'MIGRATED'], ['2', 'ERROR'], ['3', 'PENDING'], ['CURRENT', 'ERROR']];
    expect(await eventually(async () => (await rows()).map((r) => [r[0], r[2]]), failedStates)).toEqual(failedStates);
    // the undo was refused as a whole: the advice is to record the version applied again
    expect(JSON.parse(p.run('status', '--json').stdout).problems).toEqual([expect.stringMatching(/^V000002's undo failed: statement 1\/1 \(line 1\): .*run 'ksql-migrate repair --mark-migrated --version 2'/)]);
    // an undo file for no migration, or with a bad name, is refused as validate refuses files
    sql(p.dir, 'U000009__orphan.sql', 'DROP STREAM X;\n');
    const orphan = p.run('down');
    expect([orphan.status, orphan.stderr.trim()]).toEqual([4, 'error: U000009__orphan.sql: undoes no migration: there is no V000009__ file']);
  });

  it('an undo that fails after another relinked its version records ERROR with that previous, so the chain from CURRENT holds through repair', async () => {
    const p = project();
    appliedOutOfOrder(p);
    sql(p.dir, 'U000003__three.sql', '-- undo three\n');
    sql(p.dir, 'U000002__two.sql', `DROP STREAM NO_SUCH_${p.stream};\n`);
    // V2 was applied after V3 (previous 3); undoing V3 gives it V3's previous (1), and its failed undo keeps that
    expect(p.run('down', '--to', '1').status).toBe(1);
    const rows = async () => (await queryStream(target(), `SELECT VERSION_KEY, STATE, PREVIOUS FROM ${p.table} WHERE VERSION_KEY <> 'KSQL_MIGRATE_LOCK';`)).rows.sort();
    const failed = [['1', 'MIGRATED', '<none>'], ['2', 'ERROR', '1'], ['3', 'PENDING', '1'], ['CURRENT', 'ERROR', '1']];
    expect(await eventually(rows, failed)).toEqual(failed);
    expect(p.run('repair', '--mark-migrated', '--version', '2').status).toBe(0);
    const repaired = [['1', 'MIGRATED', '<none>'], ['2', 'MIGRATED', '1'], ['3', 'PENDING', '1'], ['CURRENT', 'MIGRATED', '1']];
    expect(await eventually(rows, repaired)).toEqual(repaired);
    expect(p.run('validate').status).toBe(0);
  });

  it('status reads the history in two pull queries sent at once, for any number of versions, and nothing else', async () => {
    const p = project();
    for (let i = 1; i <= 12; i++) p.run('create', `step ${i}`);
    expect(p.run('up').status).toBe(0);
    const proxy = await startDelayProxy(target(), 0);
    try {
      // spawned, not spawnSync: the proxy runs in this process
      const child = spawn(process.execPath, [CLI, 'status', '--json', '--server', proxy.url], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      expect(await new Promise<number | null>((r) => child.on('exit', r))).toBe(0);
      expect(JSON.parse(out).migrations).toHaveLength(12);
      expect(proxy.requests).toEqual([{ method: 'POST', path: '/query-stream' }, { method: 'POST', path: '/query-stream' }]);
    } finally { await proxy.close(); }
  });

  it('init -> create -> up -> status -> validate, with Confluent-compatible rows', async () => {
    const p = project();
    const created = p.run('create', 'add orders');
    expect(created.status).toBe(0);
    expect(readdirSync(join(p.dir, 'migrations'))).toEqual(['V000001__add_orders.sql']);
    const topic = `orders_${p.stream.toLowerCase()}`;
    sql(p.dir, 'V000001__add_orders.sql', `-- orders; with a semicolon in a comment\nCREATE STREAM O_${p.stream} (id STRING KEY, note STRING) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);\nINSERT INTO O_${p.stream} (id, note) VALUES ('a', 'it''s; fine');\n`);
    sql(p.dir, 'V000002__upper.sql', `DEFINE suffix = 'U';\nCREATE STREAM O_${p.stream}_\${suffix} AS SELECT id, UCASE(note) AS note FROM O_${p.stream};\n`);
    const up = p.run('up');
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/applied V000001 add orders[\s\S]*applied V000002 upper/);
    const status = p.run('status', '--json');
    expect(status.status).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.currentVersion).toBe(2);
    expect(s.migrations.map((m: { version: number; state: string; previous: string }) => [m.version, m.state, m.previous])).toEqual([[1, 'MIGRATED', '<none>'], [2, 'MIGRATED', '1']]);
    expect(p.run('validate').status).toBe(0);
    expect(p.run('up').status).toBe(0);
    expect(p.run('status', '--exit-code').status).toBe(0);
    const rows = await queryStream(target(), `SELECT VERSION_KEY, STATE, PREVIOUS, ERROR_REASON, COMPLETED_ON FROM ${p.table};`);
    const byKey = Object.fromEntries(rows.rows.map((r) => [r[0], r]));
    expect(byKey['2']!.slice(1, 4)).toEqual(['MIGRATED', '1', 'N/A']);
    expect(byKey.CURRENT!.slice(1, 3)).toEqual(['MIGRATED', '1']);
    expect(Number(byKey['1']![4])).toBeGreaterThan(0);
    // (on a real server the new query writes its row a moment after it starts)
    const upper = await eventually(async () => (await queryStream(target(), `SELECT NOTE FROM O_${p.stream}_U;`)).rows, [["IT'S; FINE"]]);
    expect(upper).toEqual([["IT'S; FINE"]]);
  });

  it('validate exits 4 after an applied file is edited; repair --update-checksums accepts the edit, for that version or all', async () => {
    const p = project();
    sql(p.dir, 'V000001__s.sql', `CREATE STREAM T_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='t_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    sql(p.dir, 'V000002__t.sql', `CREATE STREAM U_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='u_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    expect(p.run('up').status).toBe(0);
    appendFileSync(join(p.dir, 'migrations', 'V000001__s.sql'), '-- edited\n');
    appendFileSync(join(p.dir, 'migrations', 'V000002__t.sql'), '-- edited too\n');
    const v = p.run('validate');
    expect(v.status).toBe(4);
    expect(v.stderr).toMatch(/V000001 \(V000001__s\.sql\) changed after it was applied: checksum \w+, history has \w+ \(restore the file, or accept a harmless edit with 'ksql-migrate repair --update-checksums --version 1'\)/);
    expect(p.run('status', '--exit-code').status).toBe(1);
    const one = p.run('repair', '--update-checksums', '--version', '1');
    expect([one.status, one.stdout]).toEqual([0, expect.stringMatching(/^V000001: recorded the checksum of V000001__s\.sql as it is now \(\w+ -> \w+\)\n$/)]);
    expect(p.run('validate').stderr).not.toContain('V000001 (');
    expect(p.run('validate').status).toBe(4);
    const all = p.run('repair', '--update-checksums');
    expect([all.status, all.stdout]).toEqual([0, expect.stringMatching(/^V000002: recorded the checksum/)]);
    expect(p.run('validate').status).toBe(0);
    expect(p.run('repair', '--update-checksums').stdout.trim()).toBe('every applied file matches the history: nothing to update');
    // the history keeps every other field, CURRENT included (Confluent's tool reads it)
    const rows = (await queryStream(target(), `SELECT VERSION_KEY, STATE, CHECKSUM FROM ${p.table};`)).rows as string[][];
    const file2 = createHash('md5').update(readFileSync(join(p.dir, 'migrations', 'V000002__t.sql'))).digest('hex');
    expect(rows.filter((r) => r[0] === '2' || r[0] === 'CURRENT').sort()).toEqual([['2', 'MIGRATED', file2], ['CURRENT', 'MIGRATED', file2]]);
  });

  it('a failing statement records ERROR with its reason; fix, repair, up', () => {
    const p = project();
    const t = `t_${p.stream.toLowerCase()}`;
    sql(p.dir, 'V000001__ok.sql', `CREATE STREAM A_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    sql(p.dir, 'V000002__bad.sql', `CREATE STREAM B_${p.stream} AS SELECT id, v FROM A_${p.stream};\n\nCREATE STREAM C_${p.stream} AS SELECT id, nope FROM A_${p.stream};\n`);
    const up = p.run('up');
    expect(up.status).toBe(1);
    expect(up.stderr).toMatch(/V000002 bad failed at statement 2\/2 \(line 3\): .*NOPE/);
    const s = JSON.parse(p.run('status', '--json').stdout);
    expect(s.migrations[1]).toMatchObject({ version: 2, state: 'ERROR', errorReason: expect.stringMatching(/^statement 2\/2 \(line 3\)/) });
    expect(p.run('up').status).toBe(1);
    sql(p.dir, 'V000002__bad.sql', `CREATE STREAM B_${p.stream} AS SELECT id, v FROM A_${p.stream};\n`);
    expect(p.run('repair', '--mark-rolled-back').status).toBe(0);
    const again = p.run('up');
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'MIGRATED']);
  });

  it('refuses SELECT inside a migration with the file and line, and runs nothing', () => {
    const p = project();
    sql(p.dir, 'V000001__q.sql', 'SHOW STREAMS;\n');
    const up = p.run('up');
    expect(up.status).toBe(4);
    expect(up.stderr.trim()).toBe('error: V000001__q.sql:1: SHOW is not allowed in a migration: it only reads metadata, so it has no place in a migration');
  });

  it('two concurrent up runs apply each version exactly once', async () => {
    const p = project();
    for (let i = 1; i <= 6; i++) sql(p.dir, `V00000${i}__c${i}.sql`, `CREATE STREAM C${i}_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='c${i}_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    const start = () => new Promise<number | null>((resolve) => {
      const c = spawn(process.execPath, [CLI, 'up'], { cwd: p.dir, stdio: 'ignore' });
      c.on('exit', resolve);
    });
    const codes = await Promise.all([start(), start()]);
    expect(codes).toEqual([0, 0]);
    const events = await queryStream(target(), `SELECT VERSION_KEY, STATE FROM ${p.stream};`);
    const migrated = events.rows.filter((r) => r[0] !== 'CURRENT' && r[1] === 'MIGRATED').map((r) => r[0]);
    expect(migrated.sort()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('SIGINT finishes the migration in flight, records it, releases the lock and exits 130', async () => {
    const p = project();
    for (let i = 1; i <= 9; i++) sql(p.dir, `V00000${i}__s${i}.sql`, `CREATE STREAM S${i}_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='s${i}_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    const proxy = await startDelayProxy(target(), 150);
    try {
      const child = spawn(process.execPath, [CLI, 'up', '--server', proxy.url], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      await new Promise<void>((resolve) => child.stdout!.on('data', (d) => { out += d; if (out.includes('applied V000001')) resolve(); }));
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code).toBe(130);
      const s = JSON.parse(p.run('status', '--json').stdout);
      const states = s.migrations.map((m: { state: string }) => m.state);
      expect(states).not.toContain('RUNNING');
      expect(states.filter((x: string) => x === 'MIGRATED').length).toBe((out.match(/applied V/g) ?? []).length);
      expect(s.lockHolder).toBeNull();
      expect(p.run('up').status).toBe(0);
    } finally { await proxy.close(); }
  });

  it('leaves ${...} that names no variable as written (Kafka Connect\'s config references), and a file\'s SET of ksql.variable.substitution.enable to false turns substitution off after it', async () => {
    const p = project();
    const S = `VARS_${p.stream}`;
    sql(p.dir, 'V000001__vars.sql', [
      `CREATE STREAM ${S} (id INT KEY, v STRING) WITH (KAFKA_TOPIC='${S.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
      `INSERT INTO ${S} (id, v) VALUES (1, '\${file:/opt/connect/secrets.properties:db.user} \${who}');`,
      "SET 'ksql.variable.substitution.enable' = 'false';",
      `INSERT INTO ${S} (id, v) VALUES (2, '\${who} \${undefinedvar}');`, ''].join('\n'));
    const up = p.run('up', '-d', 'who=me');
    expect([up.status, up.stderr]).toEqual([0, '']);
    const want = [[1, '${file:/opt/connect/secrets.properties:db.user} me'], [2, '${who} ${undefinedvar}']];
    expect(await eventually(async () => (await queryStream(target(), `SELECT id, v FROM ${S};`)).rows.sort((a, b) => Number(a[0]) - Number(b[0])), want)).toEqual(want);
  });

  it('--dry-run prints substituted statements, checks them on a copy of the catalog, and applies nothing', () => {
    const p = project();
    const t = `t_${p.stream.toLowerCase()}`;
    sql(p.dir, 'V000001__base.sql', `CREATE STREAM BASE_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    expect(p.run('up').status).toBe(0);
    sql(p.dir, 'V000002__derived.sql', `CREATE STREAM D_${p.stream} AS SELECT id, v * \${factor} AS w FROM BASE_${p.stream};\n`);
    const ok = p.run('up', '--dry-run', '--define', 'factor=3');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`CREATE STREAM D_${p.stream} AS SELECT id, v * 3 AS w FROM BASE_${p.stream};`);
    sql(p.dir, 'V000002__derived.sql', `CREATE STREAM D_${p.stream} AS SELECT id, nope FROM BASE_${p.stream};\n`);
    const bad = p.run('up', '--dry-run');
    expect(bad.status).toBe(4);
    expect(bad.stdout).toMatch(/V000002__derived\.sql:1: statement 1\/1 would fail: .*NOPE/);
    // --json: the same as data, by migration (what failed at which statement and line, what was not checked)
    const badJson = p.run('up', '--dry-run', '--json');
    expect(badJson.status).toBe(4);
    const report = JSON.parse(badJson.stdout);
    expect(report).toMatchObject({ ok: false, migrations: [{ version: 2, name: 'derived', fileName: 'V000002__derived.sql', statements: 1, notes: [], unchecked: [], failed: { line: 1, statement: 1, reason: expect.stringContaining('NOPE') } }] });
    expect(report.lines).toContain(`CREATE STREAM D_${p.stream} AS SELECT id, nope FROM BASE_${p.stream};`);
    const s = JSON.parse(p.run('status', '--json').stdout);
    expect(s.migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'PENDING']);
    // a connector statement is said to be unchecked (the copy has no Kafka Connect), not passed in silence
    sql(p.dir, 'V000002__derived.sql', `CREATE STREAM D_${p.stream} AS SELECT id, v FROM BASE_${p.stream};\nCREATE SOURCE CONNECTOR C_${p.stream} WITH ('connector.class'='x');\n`);
    const conn = p.run('up', '--dry-run');
    expect([conn.status, conn.stdout]).toEqual([0, expect.stringContaining("-- ? V000002__derived.sql:2: statement 2/2 is not checked: connectors go to the target's Kafka Connect, which this copy does not have")]);
    const connJson = JSON.parse(p.run('up', '--dry-run', '--json').stdout);
    expect(connJson.ok).toBe(true);
    expect(connJson.migrations[0]).toEqual({ version: 2, name: 'derived', fileName: 'V000002__derived.sql', statements: 2, notes: [], unchecked: [{ line: 2, statement: 2, reason: "is not checked: connectors go to the target's Kafka Connect, which this copy does not have" }] });
  });

  it('--dry-run runs the target\'s CREATE ... AS SELECT queries in its copy: CREATE OR REPLACE is checked against them', async () => {
    const p = project();
    const [S, T, J, C] = ['S', 'T', 'J', 'C'].map((x) => `${x}_${p.stream}`);
    sql(p.dir, 'V000001__base.sql', [
      `CREATE STREAM ${S} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${S.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
      `CREATE TABLE ${T} (id STRING PRIMARY KEY, name STRING) WITH (KAFKA_TOPIC='${T.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
      `CREATE STREAM ${J} AS SELECT ${S}.id AS id, v, name FROM ${S} LEFT JOIN ${T} ON ${S}.id = ${T}.id;`,
      `CREATE TABLE ${C} AS SELECT id, COUNT(*) AS n FROM ${S} GROUP BY id;`, ''].join('\n'));
    expect(p.run('up').status).toBe(0);
    const shown = (await ksql(target(), 'SHOW QUERIES;')).body[0].queries as { id: string; sinks: string[] }[];
    const joinId = shown.find((x) => x.sinks.includes(J))!.id;
    const replaceJoin = `CREATE OR REPLACE STREAM ${J} AS SELECT ${S}.id AS id, v, name, v * 2 AS v2 FROM ${S} LEFT JOIN ${T} ON ${S}.id = ${T}.id;`;
    // ksqlDB cannot upgrade a join in place: up would fail, so the dry run does
    sql(p.dir, 'V000002__replace.sql', `${replaceJoin}\n`);
    const join = p.run('up', '--dry-run');
    expect([join.status, join.stdout.split('\n').filter((l) => l.startsWith('-- !'))]).toEqual([4, ['-- ! V000002__replace.sql:1: statement 1/1 would fail: Upgrades not yet supported for StreamTableJoin']]);
    // an aggregation may not change the columns its state is kept by
    sql(p.dir, 'V000002__replace.sql', `CREATE OR REPLACE TABLE ${C} AS SELECT id, COUNT(*) AS n, SUM(v) AS s FROM ${S} GROUP BY id;\n`);
    const agg = p.run('up', '--dry-run');
    expect(agg.status).toBe(4);
    expect(agg.stdout).toContain('would fail: StreamAggregate must have matching columns not part of aggregate.');
    // terminated first, the join's sink takes a new query: the dry run passes, and so does up
    sql(p.dir, 'V000002__replace.sql', `TERMINATE ${joinId};\n${replaceJoin}\nCREATE OR REPLACE TABLE ${C} AS SELECT id, COUNT(*) AS n FROM ${S} GROUP BY id;\n`);
    const ok = p.run('up', '--dry-run');
    expect([ok.status, ok.stdout.split('\n').at(-2)]).toEqual([0, "-- 1 migration(s) checked against a copy of the target's catalog; nothing was applied"]);
    expect(p.run('up').status).toBe(0);
  });

  it('--dry-run and up tell a syntax error at the same line of the file', () => {
    const p = project();
    sql(p.dir, 'V000001__lines.sql', `-- header\n\nCREATE STREAM LA_${p.stream} (v INT) WITH (kafka_topic='la_${p.stream.toLowerCase()}', value_format='JSON', partitions=1);\n\nCREATE STREAM LC_${p.stream} AS SELECT v FROM LA_${p.stream}\n  WHERE v > > 1;\n`);
    const dry = p.run('up', '--dry-run');
    expect([dry.status, dry.stdout.split('\n').filter((l) => l.startsWith('-- !'))]).toEqual([4, ["-- ! V000001__lines.sql:6: statement 2/2 would fail: line 6:13: Syntax Error mismatched input '>' expecting an expression"]]);
    const up = p.run('up');
    // (the words after 'Syntax Error' are the server's own: a real ksqlDB's differ from the local server's)
    const said = process.env.KSQLDB_URL ? expect.stringMatching(/failed at statement 2\/2 \(line 6\): line 6:\d+: Syntax Error/)
      : expect.stringContaining("failed at statement 2/2 (line 6): line 6:13: Syntax Error mismatched input '>' expecting an expression");
    expect([up.status, up.stderr]).toEqual([1, said]);
  });

  it('--dry-run applies a file\'s SET to the statements after it, as up\'s one request does', () => {
    const p = project();
    sql(p.dir, 'V000001__set.sql', `SET 'ksql.persistence.default.format.value'='AVRO';\nCREATE STREAM SET_${p.stream} (\`bad-name\` INT) WITH (KAFKA_TOPIC='set_${p.stream.toLowerCase()}', PARTITIONS=1);\n`);
    // AVRO (from the SET) refuses the column name; JSON would take it
    const dry = p.run('up', '--dry-run');
    expect([dry.status, dry.stdout]).toEqual([4, expect.stringContaining('would fail: Value format does not support schema. format: AVRO')]);
    const up = p.run('up');
    expect([up.status, up.stderr]).toEqual([1, expect.stringContaining('format: AVRO')]);
  });

  it.skipIf(!!process.env.KSQLDB_URL)('--dry-run copies the target\'s topics with their replica counts: a statement naming them passes as on the target (local server only: the dockerised Kafka has one broker, which refuses REPLICAS=3)', async () => {
    const p = project();
    const t = `rep_${p.stream.toLowerCase()}`;
    expect((await ksql(target(), `CREATE STREAM R1_${p.stream} (v INT) WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=2, REPLICAS=3);`)).status).toBe(200);
    sql(p.dir, 'V000001__r.sql', `CREATE STREAM R2_${p.stream} (v INT) WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=2, REPLICAS=3);\n`);
    const dry = p.run('up', '--dry-run');
    expect([dry.status, dry.stdout.split('\n').filter((l) => l.startsWith('-- !'))]).toEqual([0, []]);
    expect(p.run('up').status).toBe(0);
  });

  it('--dry-run checks ASSERTs at once: what the copy has passes, what may come from outside ksqlDB is noted, NOT EXISTS of what is there fails', async () => {
    const p = project();
    const t = `as_${p.stream.toLowerCase()}`;
    expect((await ksql(target(), `CREATE STREAM A1_${p.stream} (v INT) WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    sql(p.dir, 'V000001__a.sql', `ASSERT TOPIC ${t} TIMEOUT 1 MINUTE;\nASSERT TOPIC from_outside_${t} TIMEOUT 10 MINUTES;\n`);
    // (neither TIMEOUT is waited out: a minute would pass the test's time limit)
    const noted = p.run('up', '--dry-run');
    expect(noted.status).toBe(0);
    expect(noted.stdout).toContain(`-- ? V000001__a.sql:2: statement 2/2 waits on the target for what this copy cannot see (made outside ksqlDB?): Topic from_outside_${t} does not exist`);
    sql(p.dir, 'V000001__a.sql', `ASSERT NOT EXISTS TOPIC ${t} TIMEOUT 1 MINUTE;\n`);
    const refused = p.run('up', '--dry-run');
    expect([refused.status, refused.stdout.split('\n').filter((l) => l.startsWith('-- !'))]).toEqual([4, [`-- ! V000001__a.sql:1: statement 1/1 would fail: Topic ${t} exists`]]);
    // a topic the copy has, with other partitions than asserted: waiting would not change them, so it fails
    sql(p.dir, 'V000001__a.sql', `ASSERT TOPIC ${t} WITH (PARTITIONS=3) TIMEOUT 1 MINUTE;\n`);
    const mismatched = p.run('up', '--dry-run');
    expect([mismatched.status, mismatched.stdout.split('\n').filter((l) => l.startsWith('-- !'))]).toEqual([4, [expect.stringMatching(new RegExp(`^-- ! V000001__a\\.sql:1: statement 1/1 would fail: Mismatched configuration for topic ${t}: For config partitions, expected 3 got 1`))]]);
  });

  it('a migration\'s ASSERT may hold its request for its TIMEOUT: up waits that much longer than server.timeoutMs for the answer', () => {
    const p = project();
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^server:\n/, 'server:\n  timeoutMs: 300\n'));
    sql(p.dir, 'V000001__wait.sql', `ASSERT TOPIC never_${p.stream.toLowerCase()} TIMEOUT 2 SECONDS;\nCREATE STREAM W_${p.stream} (v INT) WITH (KAFKA_TOPIC='never_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON');\n`);
    // the server's answer (after 2 s), not a timeout of the client's (after 300 ms)
    const r = p.run('up');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Topic never_${p.stream.toLowerCase()} does not exist`);
  });

  it('an unreachable server gives one line and exit 3', () => {
    const p = project();
    const r = p.run('status', '--server', 'http://127.0.0.1:1');
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toBe('error: cannot reach ksqlDB at http://127.0.0.1:1: connection refused (is the server running?)');
  });

  it('a web server or another JSON API that is not ksqlDB gives one line and exit 3 for every command, its page not shown', async () => {
    // a web page, and the JSON error a Schema Registry gives for a path it does not have (its URL given for ksqlDB's)
    // and a page served with 200 (a proxy's sign-in page, a web server's index), empty or not
    const answers = [[404, 'text/html', '<!DOCTYPE HTML><html><body>Error response</body></html>'], [404, 'application/json', '{"error_code":404,"message":"HTTP 404 Not Found"}'],
      [200, 'text/html', '<html><body>Sign in</body></html>'], [200, 'text/plain', ''], [200, 'application/json', '{"status":"ok"}']] as const;
    for (const [code, type, body] of answers) {
      // (its own process: the CLI runs synchronously here)
      const web = spawn(process.execPath, ['-e', `const s = require('http').createServer((q, r) => { r.writeHead(${code}, { 'content-type': ${JSON.stringify(type)} }); r.end(${JSON.stringify(body)}); }).listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const port = await new Promise<string>((resolve) => web.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
        const url = `http://127.0.0.1:${port}`;
        const p = project();
        for (const args of [['status'], ['status', '--exit-code'], ['validate'], ['queries'], ['streams'], ['tables'], ['up'], ['describe', 'X']]) {
          const r = p.run(...args, '--server', url);
          expect([code, type, args, r.status]).toEqual([code, type, args, 3]);
          const said = code === 404 ? 'did not answer as ksqlDB does \\(HTTP 404[^)]*\\)' : '(did not answer as ksqlDB does \\(HTTP 200[^)]*\\)|answered HTTP 200 with .*)';
          expect(r.stderr).toMatch(new RegExp(`^error: ${url.replace(/[.]/g, '\\.')}/(ksql|query-stream|info) ${said}: is this a ksqlDB server\\?\\n$`));
          expect(r.stderr).not.toContain('Sign in');
        }
      } finally { web.kill(); }
    }
    // (forty runs of the CLI, one after another: more than the default 30 s on a busy two-core runner)
  }, 120_000);

  it.skipIf(!!process.env.KSQLDB_URL)('https:// to a server that answers in plain HTTP says so in one line, exit 3 (local server only: it serves HTTP)', () => {
    const p = project();
    const plain = new URL(target());
    const r = p.run('status', '--server', `https://${plain.host}`);
    expect([r.status, r.stderr.trim()]).toEqual([3, `error: TLS failure talking to https://${plain.host}: the server does not speak TLS on that port (use http://, or the port it serves HTTPS on)`]);
  });

  // util-linux's `script` runs the CLI on a pseudo-terminal, as a user's shell does
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a terminal, up\'s progress and results go to stdout (stderr kept for errors), and a redirected stderr gets no colour codes (skipped without util-linux script)', () => {
    const p = project();
    sql(p.dir, 'V000001__one.sql', `CREATE STREAM TT1_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='tt1_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    sql(p.dir, 'V000002__two.sql', `CREATE STREAM TT2_${p.stream} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='tt2_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    const onTerminal = (command: string) => spawnSync('script', ['-qec', `stty cols 100; ${command}`, '/dev/null'], { cwd: p.dir, encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !['NO_COLOR', 'FORCE_COLOR', 'CI'].includes(k))), timeout: 60_000 });
    const quote = (x: string) => `'${x.replace(/'/g, "'\\''")}'`;
    const r = onTerminal(`${quote(process.execPath)} ${quote(CLI)} up 2>${quote(join(p.dir, 'err.log'))}`);
    expect(r.status).toBe(0);
    // the terminal (stdout) shows both versions applied; what went to stderr is nothing
    expect(r.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g'), '')).toMatch(/applied V000001 one[\s\S]*applied V000002 two/);
    expect(readFileSync(join(p.dir, 'err.log'), 'utf8')).toBe('');
  });

  it('a bad config value gives one line naming the file, line and key, and exit 2', () => {
    const p = project();
    writeFileSync(join(p.dir, 'ksql-migrate.yaml'), 'server:\n  url: not-a-url\n');
    const r = p.run('status');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: ${join(p.dir, 'ksql-migrate.yaml')}:2: server.url: expected an http:// or https:// URL\n`);
  });
});

import { describe, expect, it } from 'vitest';
import { planBaseline } from '../../src/migrations/baseline.js';
import { foldEvents, type HistoryRow } from '../../src/migrations/history.js';
import { fileNameFor, type MigrationFile } from '../../src/migrations/files.js';

const file = (version: number): MigrationFile => ({ version, name: `m ${version}`, fileName: fileNameFor(version, `m ${version}`), path: '', checksum: `sum${version}`, content: '' });
const row = (version: number, state: string): HistoryRow => ({ versionKey: String(version), version: String(version), name: `m${version}`, state, checksum: `sum${version}`, startedOn: '1', completedOn: '2', previous: '<none>', errorReason: 'N/A' });

describe('planBaseline', () => {
  it('records every file up to the version as MIGRATED, chained by previous, and CURRENT as the highest', () => {
    const p = planBaseline([file(1), file(2), file(5), file(7)], undefined, 5, 'EV', 1000);
    expect(p.ok && p.versions).toEqual([1, 2, 5]);
    const lines = p.ok ? p.sql.split('\n') : [];
    expect(lines).toEqual([
      "INSERT INTO EV (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES ('1', '1', 'm 1', 'MIGRATED', 'sum1', '1000', '1000', '<none>', 'N/A');",
      "INSERT INTO EV (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES ('2', '2', 'm 2', 'MIGRATED', 'sum2', '1000', '1000', '1', 'N/A');",
      "INSERT INTO EV (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES ('5', '5', 'm 5', 'MIGRATED', 'sum5', '1000', '1000', '2', 'N/A');",
      "INSERT INTO EV (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES ('CURRENT', '5', 'm 5', 'MIGRATED', 'sum5', '1000', '1000', '2', 'N/A');",
    ]);
  });

  it('starts only an empty history, and needs a file at or below the version', () => {
    expect(planBaseline([file(1)], foldEvents([row(1, 'MIGRATED')], 60_000), 1, 'EV', 1)).toEqual({ ok: false, reason: "the history already records version 1; a baseline only starts an empty one (to record a version 'up' did not apply, run it through 'up --version N'; 'repair --mark-migrated' settles one the history already has)" });
    expect(planBaseline([file(3)], undefined, 2, 'EV', 1)).toEqual({ ok: false, reason: 'no migration file has a version of 2 or lower' });
    // a history created but still empty takes one
    expect(planBaseline([file(1)], foldEvents([], 60_000), 1, 'EV', 1).ok).toBe(true);
  });

  it('needs a file of the very version: a baseline above the last file would leave a file added later below it to up', () => {
    expect(planBaseline([file(1), file(3)], undefined, 7, 'EV', 1)).toEqual({ ok: false, reason: 'no migration file has version 7 (the last one up to it is V000003__m_3.sql): name the version of a file, so the history covers exactly what it says' });
    expect(planBaseline([file(1), file(3)], undefined, 3, 'EV', 1).ok).toBe(true);
  });
});

describe('history rows under keys that are no version', () => {
  it('are read as nothing, and named (CURRENT and the lock are not)', () => {
    const keyed = (versionKey: string): HistoryRow => ({ ...row(1, 'MIGRATED'), versionKey });
    const h = foldEvents([keyed('1'), keyed('abc'), keyed('2.0'), keyed(' 3'), keyed('0'), keyed('CURRENT'), keyed('KSQL_MIGRATE_LOCK'), keyed('abc')], 60_000);
    expect([...h.versions.keys()]).toEqual([1]);
    expect(h.strayKeys).toEqual([' 3', '0', '2.0', 'abc']);
  });
});

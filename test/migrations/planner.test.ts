import { describe, expect, it } from 'vitest';
import { describeProblem, nothingToApply, plan, planUndo } from '../../src/migrations/planner.js';
import { foldEvents, latestMigrated, liveHolder, LOCK_KEY, type EventRow, type HistoryRow } from '../../src/migrations/history.js';
import { fileNameFor, parseFileName, type MigrationFile } from '../../src/migrations/files.js';

const file = (version: number, checksum = `sum${version}`): MigrationFile => ({ version, name: `m${version}`, fileName: fileNameFor(version, `m${version}`), path: '', checksum, content: '' });
const row = (version: number, state: string, extra: Partial<HistoryRow> = {}): HistoryRow => ({
  versionKey: String(version), version: String(version), name: `m${version}`, state, checksum: `sum${version}`, startedOn: '1', completedOn: '2',
  previous: version === 1 ? '<none>' : String(version - 1), errorReason: 'N/A', ...extra,
});
/** Rows as Confluent's tool writes them: each state change under the version and under CURRENT. */
const history = (...rows: HistoryRow[]) => foldEvents(rows.flatMap((r) => [r, { ...r, versionKey: 'CURRENT' }]), 60_000);

describe('filenames', () => {
  it.each([
    ['V000001__create_orders.sql', { version: 1, name: 'create orders' }],
    ['V123456__x.sql', { version: 123456, name: 'x' }],
  ])('parses %s', (name, expected) => { expect(parseFileName(name)).toEqual(expected); });
  it.each(['V1__x.sql', 'V000000__zero.sql', 'old_V000002__x.sql.bak', 'V000002__x.sql.bak', 'V0000001__seven_digits.sql', 'v000001__lower.sql'])('refuses %s', (name) => {
    expect(parseFileName(name)).toHaveProperty('error');
  });
  it('writes safe names as Confluent\'s create does: each replaced character is one _', () => {
    expect(fileNameFor(7, 'add orders: v2/now?')).toBe('V000007__add_orders__v2_now_.sql');
    expect(fileNameFor(1, 'a  b')).toBe('V000001__a__b.sql');
    expect(fileNameFor(2, ' lead')).toBe('V000002___lead.sql');
    // control characters too: an escape sequence in a file name would reach every terminal that lists it
    expect(fileNameFor(3, 'x\u001b[2Jcleared\u0007\u007f')).toBe('V000003__x_[2Jcleared__.sql');
  });
});

describe('plan', () => {
  it('applies everything pending in order, chaining previous', () => {
    const p = plan([file(2), file(1), file(3)], history(row(1, 'MIGRATED')));
    expect(p.problems).toEqual([]);
    expect(p.steps.map((s) => [s.file.version, s.previous])).toEqual([[2, '1'], [3, '2']]);
  });

  it('refuses a version whose state no tool writes, once, naming it (not as pending, nor out of order)', () => {
    const p = plan([file(1), file(2), file(3)], history(row(1, 'MIGRATED'), row(2, 'Done'), row(3, 'MIGRATED')));
    expect(p.problems).toEqual([{ kind: 'unknown-state', version: 2, state: 'Done' }]);
    expect(describeProblem(p.problems[0]!)).toMatch(/^V000002 has state "Done" in the history, none of MIGRATED, ERROR, RUNNING, PENDING/);
    // a version rolled back (PENDING) is pending as ever
    expect(plan([file(1), file(2)], history(row(1, 'MIGRATED'), row(2, 'PENDING'))).problems).toEqual([]);
  });

  it('says a failed version whose history gives no reason (N/A, or nothing) has none, rather than "failed: N/A"', () => {
    for (const reason of ['N/A', '']) {
      const p = plan([file(1)], history(row(1, 'ERROR', { errorReason: reason })));
      expect(describeProblem(p.problems[0]!)).toMatch(/^V000001 failed \(the history records no reason\)\. Fix what it left behind, then run 'ksql-migrate repair --mark-rolled-back --version 1'/);
    }
  });

  it('starts from <none> on an empty history', () => {
    expect(plan([file(1)], foldEvents([], 1)).steps[0]!.previous).toBe('<none>');
  });

  it('selects with --to, --next and --version', () => {
    const files = [file(1), file(2), file(3), file(4)];
    const h = history(row(1, 'MIGRATED'));
    expect(plan(files, h, { to: 3 }).steps.map((s) => s.file.version)).toEqual([2, 3]);
    expect(plan(files, h, { next: true }).steps.map((s) => s.file.version)).toEqual([2]);
    expect(plan(files, h, { version: 2 }).steps.map((s) => s.file.version)).toEqual([2]);
    expect(plan(files, h, { version: 1 }).problems).toEqual([{ kind: 'not-pending', version: 1, state: 'MIGRATED' }]);
    expect(plan(files, h, { version: 9 }).problems).toEqual([{ kind: 'unknown-version', version: 9 }]);
  });

  it('counts the pending versions a selection leaves for later, which up names when it applies nothing', () => {
    const files = [file(1), file(2), file(3), file(5), file(7)];
    const h = history(row(1, 'MIGRATED'), row(2, 'MIGRATED'), row(3, 'MIGRATED'));
    expect(plan(files, h, { to: 4 })).toMatchObject({ steps: [], leftPending: 2 });
    expect(plan(files, h, { to: 5 })).toMatchObject({ leftPending: 1 });
    expect(plan(files, h).leftPending).toBe(0);
    expect(nothingToApply(plan(files, h, { to: 4 }).leftPending, 4)).toBe('nothing to apply up to V000004: 2 pending versions left out by the selection (status lists them)');
    expect(nothingToApply(plan(files, h).leftPending)).toBe('nothing to apply: the history is up to date');
  });

  it('--version over lower pending versions is refused, as it would leave them out of order, unless allowed', () => {
    const files = [file(1), file(2), file(3), file(4)];
    const h = history(row(1, 'MIGRATED'));
    const p = plan(files, h, { version: 4 });
    expect(p.problems).toEqual([{ kind: 'skips', version: 4, skipped: [2, 3] }]);
    expect(describeProblem(p.problems[0]!)).toBe('--version 4 would leave V000002, V000003 behind it unapplied: apply those first (--to 4), or use --allow-out-of-order');
    expect(plan(files, h, { version: 4, allowOutOfOrder: true })).toMatchObject({ problems: [], steps: [{ file: { version: 4 }, previous: '1' }] });
    // a pending version below the latest applied one is out of order already: applying V4 leaves nothing new behind
    const gapped = history(row(1, 'MIGRATED'), { ...row(3, 'MIGRATED'), previous: '1' });
    expect(plan(files, gapped, { version: 4 })).toMatchObject({ problems: [], steps: [{ file: { version: 4 }, previous: '3' }] });
  });

  it('refuses checksum drift and applied files that went missing', () => {
    const p = plan([file(1, 'other')], history(row(1, 'MIGRATED'), row(2, 'MIGRATED')));
    expect(p.problems.map((x) => x.kind)).toEqual(['checksum-drift', 'missing-file']);
    expect(describeProblem(p.problems[1]!)).toBe('V000002 (m2) is applied but its file is missing from the migrations directory (restore it; if it was removed on purpose, as old migrations squashed into one, --ignore-missing passes over it)');
  });

  it('passes over applied files removed on purpose with ignoreMissing, and still applies what is pending', () => {
    const p = plan([file(3)], history(row(1, 'MIGRATED'), row(2, 'MIGRATED')), { ignoreMissing: true });
    expect(p).toMatchObject({ problems: [], steps: [{ file: { version: 3 }, previous: '2' }] });
  });

  it('refuses to go on past a failed or running version', () => {
    expect(plan([file(1), file(2)], history(row(1, 'ERROR', { errorReason: 'boom' }))).problems).toEqual([{ kind: 'failed', version: 1, reason: 'boom' }]);
    // a reason that ends a sentence of its own is not given a second full stop
    expect(describeProblem({ kind: 'failed', version: 1, reason: 'Column cannot be resolved.' })).toBe("V000001 failed: Column cannot be resolved. Fix what it left behind, then run 'ksql-migrate repair --mark-rolled-back --version 1' to apply it again (or --mark-migrated, if you finished it by hand)");
    expect(describeProblem({ kind: 'running', version: 2 })).toContain("use 'ksql-migrate repair --mark-rolled-back --version 2' (or --mark-migrated, if it ran whole)");
    expect(plan([file(1), file(2)], history(row(1, 'RUNNING'))).problems).toEqual([{ kind: 'running', version: 1 }]);
  });

  it('refuses out-of-order files unless allowed', () => {
    const h = history(row(1, 'MIGRATED'), { ...row(3, 'MIGRATED'), previous: '1' });
    expect(plan([file(1), file(2), file(3)], h).problems).toEqual([{ kind: 'out-of-order', version: 2, latest: 3 }]);
    expect(plan([file(1), file(2), file(3)], h, { allowOutOfOrder: true }).steps.map((s) => s.file.version)).toEqual([2]);
    // a version applied out of order does not lower the previous of the ones after it: Confluent's
    // tool reads the latest version from a failed CURRENT's previous
    expect(plan([file(1), file(2), file(3), file(4), file(5)], h, { allowOutOfOrder: true }).steps.map((s) => [s.file.version, s.previous])).toEqual([[2, '3'], [4, '3'], [5, '4']]);
  });

  it('treats a rolled-back version as pending again', () => {
    const h = history(row(1, 'MIGRATED'), row(2, 'ROLLED_BACK'));
    expect(latestMigrated(h)).toBe(1);
    expect(plan([file(1), file(2)], h).steps.map((s) => s.file.version)).toEqual([2]);
  });
});

describe('planUndo', () => {
  const undo = (version: number): MigrationFile => ({ ...file(version), fileName: `U${String(version).padStart(6, '0')}__m${version}.sql` });
  const applied = history(row(1, 'MIGRATED'), row(2, 'MIGRATED'), row(3, 'MIGRATED'));

  it('undoes the latest applied version; CURRENT goes back to the one below, the undone one is PENDING', () => {
    const p = planUndo([undo(1), undo(2), undo(3)], applied);
    expect(p.problems).toEqual([]);
    expect(p.steps.map((s) => [s.file.fileName, s.row.state, s.row.errorReason, s.current.versionKey, s.current.version, s.current.state])).toEqual([['U000003__m3.sql', 'PENDING', 'undone by U000003__m3.sql', 'CURRENT', '2', 'MIGRATED']]);
  });

  it('--to N undoes every applied version above N, newest first; --to 0 all, CURRENT then stays on the first, pending', () => {
    expect(planUndo([undo(1), undo(2), undo(3)], applied, { to: 1 }).steps.map((s) => [s.row.version, s.current.version])).toEqual([['3', '2'], ['2', '1']]);
    const all = planUndo([undo(1), undo(2), undo(3)], applied, { to: 0 });
    expect(all.steps.map((s) => [s.row.version, s.current.version, s.current.state])).toEqual([['3', '2', 'MIGRATED'], ['2', '1', 'MIGRATED'], ['1', '1', 'PENDING']]);
    expect(planUndo([undo(3)], applied, { to: 3 }).steps).toEqual([]);
  });

  it('refuses before anything runs: an undo file missing, a version failed or running; a --to none is above is nothing to undo', () => {
    expect(planUndo([undo(3)], applied, { to: 1 })).toEqual({ steps: [], applied: 3, problems: ['no undo file for V000002: down runs U<version>__<description>.sql (as U000002__undo.sql) to undo a version'] });
    expect(planUndo([undo(1), undo(2)], history(row(1, 'MIGRATED'), row(2, 'MIGRATED'), row(3, 'ERROR', { errorReason: 'boom' }))).problems).toEqual([expect.stringMatching(/^V000003 failed: boom/)]);
    expect(planUndo([undo(1), undo(2)], history(row(1, 'MIGRATED'), row(2, 'RUNNING'))).problems).toEqual([expect.stringMatching(/^V000002 is marked RUNNING/)]);
    for (const to of [3, 7]) expect(planUndo([undo(3)], applied, { to })).toEqual({ steps: [], problems: [], applied: 3 });
    // above a version that is not applied (1 and 3 applied, 2 pending): what is above it
    expect(planUndo([undo(3)], history(row(1, 'MIGRATED'), row(2, 'PENDING'), row(3, 'MIGRATED')), { to: 2 }).steps.map((x) => [x.row.version, x.current.version])).toEqual([['3', '1']]);
    expect(planUndo([], foldEvents([], 1))).toEqual({ steps: [], problems: [], applied: 0 });
  });
});

describe('history written by Confluent\'s tool', () => {
  it('reads CURRENT and the latest row per version', () => {
    const h = history(row(1, 'RUNNING', { completedOn: '' }), row(1, 'MIGRATED'), row(2, 'RUNNING', { completedOn: '' }), row(2, 'ERROR', { errorReason: 'Failed to execute sql: x' }));
    expect(h.versions.get(1)!.state).toBe('MIGRATED');
    expect(h.versions.get(2)!.errorReason).toBe('Failed to execute sql: x');
    expect(h.current!.version).toBe('2');
    expect(latestMigrated(h)).toBe(1);
  });
});

describe('history whose oldest events the stream\'s retention deleted', () => {
  it('takes each version\'s row from the table when the stream has none; the stream\'s rows are newer', () => {
    const table = [row(1, 'MIGRATED'), row(2, 'RUNNING'), { ...row(2, 'RUNNING'), versionKey: 'CURRENT' }];
    // only V2's latest events are left in the stream
    const h = foldEvents([row(2, 'MIGRATED'), { ...row(2, 'MIGRATED'), versionKey: 'CURRENT' }], 60_000, table);
    expect([...h.versions].map(([v, r]) => [v, r.state])).toEqual([[1, 'MIGRATED'], [2, 'MIGRATED']]);
    expect(h.current?.state).toBe('MIGRATED');
    expect(latestMigrated(h)).toBe(2);
    expect(plan([file(1), file(2), file(3)], h).steps.map((st) => st.file.version)).toEqual([3]);
    // lock claims come from the stream alone
    expect(foldEvents([], 60_000, [{ ...row(1, 'LOCKED'), versionKey: LOCK_KEY, version: 'someone' }]).lock.holder).toBeUndefined();
  });
});

describe('rows written by hand with columns left out (the fix Confluent documents for a stuck version)', () => {
  /** A row of the events stream with only the key and state given: the other columns read NULL. */
  const partial = (key: string, state: string): EventRow => ({ versionKey: key, version: null, name: null, state, checksum: null, startedOn: null, completedOn: null, previous: null, errorReason: null });
  it('keep the earlier value of each column left NULL, as the table\'s LATEST_BY_OFFSET does', () => {
    const running = row(3, 'RUNNING', { checksum: 'c3', startedOn: '100', completedOn: '' });
    const h = foldEvents([running, { ...running, versionKey: 'CURRENT' }, partial('3', 'MIGRATED'), partial('CURRENT', 'MIGRATED')], 60_000);
    expect(h.versions.get(3)).toEqual({ ...running, state: 'MIGRATED' });
    expect(h.current).toEqual({ ...running, versionKey: 'CURRENT', state: 'MIGRATED' });
    // the file's checksum is still checked: an edited file is drift
    const drift = foldEvents([row(1, 'MIGRATED'), row(2, 'MIGRATED'), running, partial('3', 'MIGRATED'), partial('CURRENT', 'MIGRATED')], 60_000);
    expect(plan([file(1), file(2), file(3, 'edited')], drift).problems.map(describeProblem)).toEqual([expect.stringMatching(/^V000003 \(V000003__m3\.sql\) changed after it was applied: checksum edited, history has c3 /)]);
  });
  it('a key whose earlier rows the stream no longer holds takes the left-out columns from the table', () => {
    const h = foldEvents([partial('2', 'MIGRATED')], 60_000, [row(2, 'RUNNING', { checksum: 'c2' })]);
    expect(h.versions.get(2)).toEqual(row(2, 'MIGRATED', { checksum: 'c2' }));
  });
  it('read alone (no pull queries on streams), the table\'s lock row is the lock', () => {
    const lockRow = (state: string): HistoryRow => ({ ...row(1, state), versionKey: LOCK_KEY, version: 'someone', startedOn: '5', completedOn: '' });
    expect(foldEvents([], 60_000, [lockRow('LOCKED')], true).lock).toEqual({ holder: 'someone', since: 5, claims: 1 });
    expect(foldEvents([], 60_000, [lockRow('UNLOCKED')], true).lock.holder).toBeUndefined();
  });
});

describe('lock claims', () => {
  const claim = (owner: string, at: number, state = 'LOCKED'): HistoryRow => ({ versionKey: LOCK_KEY, version: owner, name: '', state, checksum: '', startedOn: String(at), completedOn: '', previous: '', errorReason: '' });
  it('gives the lock to the first claim in offset order', () => {
    expect(foldEvents([claim('a', 1), claim('b', 2)], 60_000).lock.holder).toBe('a');
  });
  it('frees it on the holder\'s UNLOCKED only', () => {
    expect(foldEvents([claim('a', 1), claim('b', 2, 'UNLOCKED')], 60_000).lock.holder).toBe('a');
    expect(foldEvents([claim('a', 1), claim('a', 2, 'UNLOCKED'), claim('b', 3)], 60_000).lock.holder).toBe('b');
  });
  it('lets a claim take an expired lease', () => {
    expect(foldEvents([claim('a', 1), claim('b', 100)], 50).lock.holder).toBe('b');
  });
  it('holds a claim for the lease it carries (its completed_on), whatever lease the reader has', () => {
    const until = (owner: string, at: number, end: number): HistoryRow => ({ ...claim(owner, at), completedOn: String(end) });
    // a's claim at 1 runs until 11: a reader with a 300 s lease sees b take it at 20
    expect(foldEvents([until('a', 1, 11), until('b', 20, 320)], 300_000).lock).toMatchObject({ holder: 'b', since: 20, until: 320 });
    // a's claim runs until 600 000: a reader with a 10 ms lease still sees a hold it at 20
    const held = foldEvents([until('a', 1, 600_000), until('b', 20, 30)], 10);
    expect(held.lock.holder).toBe('a');
    expect([liveHolder(held.lock, 10, 500_000), liveHolder(held.lock, 10, 600_001)]).toEqual(['a', undefined]);
    // a claim written without its end (an older ksql-migrate) lasts the reader's lease
    expect(liveHolder(foldEvents([claim('a', 1)], 100).lock, 100, 102)).toBeUndefined();
  });
});

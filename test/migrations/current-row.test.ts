import { describe, expect, it } from 'vitest';
import { agreeingCurrentRow, currentRowLatest, currentRowMismatch, describeChainBreak, describeCurrentRow, foldEvents, NO_PREVIOUS, previousChain } from '../../src/migrations/history.js';
import { planUndo } from '../../src/migrations/planner.js';
import type { MigrationFile } from '../../src/migrations/files.js';

/** A history row under `key` for `version`, as the tools write them. */
const row = (key: string, version: number, state: string, previous: number | undefined) => ({
  versionKey: key, version: String(version), name: `v${version}`, state, checksum: 'c', startedOn: '1', completedOn: '2', previous: previous === undefined ? NO_PREVIOUS : String(previous), errorReason: 'N/A',
});
const history = (...rows: ReturnType<typeof row>[]) => foldEvents(rows, 60_000);

describe('the CURRENT row, read as Confluent\'s tool reads it', () => {
  it('names its own version when MIGRATED, else its previous one; none without it', () => {
    expect(currentRowLatest(history(row('1', 1, 'MIGRATED', undefined), row('CURRENT', 1, 'MIGRATED', undefined)))).toBe(1);
    for (const state of ['ERROR', 'RUNNING', 'PENDING']) expect(currentRowLatest(history(row('CURRENT', 3, state, 2)))).toBe(2);
    expect(currentRowLatest(history(row('CURRENT', 1, 'PENDING', undefined)))).toBeUndefined();
    expect(currentRowLatest(history(row('1', 1, 'MIGRATED', undefined)))).toBeUndefined();
  });

  it('disagrees with the history behind the latest applied version, ahead of it, or naming one when none is applied; agrees in order and mid-run', () => {
    // in order, and a version running or failed on top of the latest
    expect(currentRowMismatch(history(row('1', 1, 'MIGRATED', undefined), row('2', 2, 'ERROR', 1), row('CURRENT', 2, 'ERROR', 1)))).toBeUndefined();
    expect(currentRowMismatch(history(row('2', 2, 'MIGRATED', undefined), row('1', 1, 'RUNNING', 2), row('CURRENT', 1, 'RUNNING', 2)))).toBeUndefined();
    const behind = history(row('2', 2, 'MIGRATED', undefined), row('1', 1, 'MIGRATED', 2), row('CURRENT', 1, 'MIGRATED', 2));
    expect(currentRowMismatch(behind)).toEqual({ currentRow: 1, latest: 2 });
    expect(describeCurrentRow(currentRowMismatch(behind)!, 'S')).toBe("the history's CURRENT row (stream S) names version 1 as the latest applied, but it is 2: Confluent's ksql-migrations would apply the versions above 1 again");
    expect(agreeingCurrentRow(behind, currentRowMismatch(behind)!)).toMatchObject({ versionKey: 'CURRENT', version: '2', state: 'MIGRATED' });
    const ahead = history(row('1', 1, 'MIGRATED', undefined), row('3', 3, 'PENDING', 1), row('CURRENT', 3, 'MIGRATED', 1));
    expect(describeCurrentRow(currentRowMismatch(ahead)!, 'S')).toBe("the history's CURRENT row (stream S) names version 3 as the latest applied, but it is 1: Confluent's ksql-migrations would take the versions up to 3 as applied");
    const none = history(row('2', 2, 'PENDING', undefined), row('1', 1, 'PENDING', 2), row('CURRENT', 1, 'PENDING', 2));
    expect(currentRowMismatch(none)).toEqual({ currentRow: 2, latest: undefined });
    expect(describeCurrentRow(currentRowMismatch(none)!, 'S')).toContain('names version 2 as the latest applied, but none is');
    expect(agreeingCurrentRow(none, currentRowMismatch(none)!)).toMatchObject({ versionKey: 'CURRENT', version: '1', state: 'PENDING', previous: NO_PREVIOUS });
    expect(describeCurrentRow({ latest: 4 }, 'S')).toContain('names no version as applied, but version 4 is: Confluent\'s ksql-migrations would apply every version again');
  });

  it('down of a version another one applied out of order names as its previous gives that one the undone version\'s previous: the chain from CURRENT stays whole', () => {
    const undo = (v: number) => ({ version: v, fileName: `U00000${v}__u.sql` }) as MigrationFile;
    // 3 first, then 1 out of order (its previous is 3), then 2 and 4
    const h = history(row('3', 3, 'MIGRATED', undefined), row('1', 1, 'MIGRATED', 3), row('2', 2, 'MIGRATED', 3), row('4', 4, 'MIGRATED', 3), row('CURRENT', 4, 'MIGRATED', 3));
    const p = planUndo([undo(1), undo(2), undo(3), undo(4)], h, { to: 2 });
    expect(p.steps.map((s) => [s.row.version, s.relinked.map((r) => `${r.version}<-${r.previous}`).sort(), `${s.current.version}<-${s.current.previous}`])).toEqual([
      ['4', [], '3<-<none>'],
      ['3', ['1<-<none>', '2<-<none>'], '2<-<none>'],
    ]);
    // what is left: 2 and 1 applied, CURRENT on 2, and each previous names an applied version or none
    const after = history(row('3', 3, 'PENDING', undefined), row('4', 4, 'PENDING', 3), ...p.steps.flatMap((s) => s.relinked), p.steps.at(-1)!.current);
    expect(currentRowMismatch(after)).toBeUndefined();
    expect([...after.versions].filter(([, r]) => r.state === 'MIGRATED').map(([v, r]) => `${v}<-${r.previous}`).sort()).toEqual(['1<-<none>', '2<-<none>']);
  });

  it('down of the last applied version leaves CURRENT pending with no previous, so it agrees though that version was applied out of order', () => {
    const undo = (v: number) => ({ version: v, fileName: `U00000${v}__u.sql` }) as MigrationFile;
    const h = history(row('2', 2, 'PENDING', undefined), row('1', 1, 'MIGRATED', 2), row('CURRENT', 1, 'MIGRATED', 2));
    const p = planUndo([undo(1), undo(2)], h);
    expect(p.steps.map((s) => [s.row.version, s.current.state, s.current.previous])).toEqual([['1', 'PENDING', NO_PREVIOUS]]);
    const after = history(row('2', 2, 'PENDING', undefined), p.steps[0]!.row, p.steps[0]!.current);
    expect(currentRowMismatch(after)).toBeUndefined();
  });
});

describe('the previous chain, walked as Confluent\'s validate walks it', () => {
  it('is whole in order, and with versions applied out of order', () => {
    expect(previousChain(history(row('1', 1, 'MIGRATED', undefined), row('2', 2, 'MIGRATED', 1), row('3', 3, 'PENDING', 2)))).toEqual({ breaks: [], relinked: [] });
    // 1 and 3 applied, then 2 out of order (its previous is 3)
    expect(previousChain(history(row('1', 1, 'MIGRATED', undefined), row('3', 3, 'MIGRATED', 1), row('2', 2, 'MIGRATED', 3))).breaks).toEqual([]);
  });

  it('breaks where an applied version names one that is not applied, or none; the relinked row names the nearest applied one', () => {
    // 2 was applied after 3, and 3 undone by an older down that did not relink 2
    const undone = history(row('1', 1, 'MIGRATED', undefined), row('3', 3, 'PENDING', 1), row('2', 2, 'MIGRATED', 3));
    const c = previousChain(undone);
    expect(c.breaks).toEqual([{ version: 2, previous: '3', state: 'PENDING' }]);
    expect(c.relinked).toEqual([expect.objectContaining({ versionKey: '2', version: '2', state: 'MIGRATED', previous: '1' })]);
    expect(describeChainBreak(c.breaks[0]!)).toBe("version 2's previous in the history is 3, which is PENDING: Confluent's ksql-migrations validate walks that chain from the latest applied version and would fail");
    // a previous with no row, and one whose old chain ends without an applied version: the highest applied below
    const noRow = previousChain(history(row('1', 1, 'MIGRATED', undefined), row('4', 4, 'MIGRATED', 9)));
    expect([noRow.breaks, noRow.relinked.map((r) => [r.version, r.previous])]).toEqual([[{ version: 4, previous: '9', state: 'no row' }], [['4', '1']]]);
    const deadEnd = previousChain(history(row('1', 1, 'MIGRATED', undefined), row('3', 3, 'ERROR', undefined), row('5', 5, 'MIGRATED', 3)));
    expect(deadEnd.relinked.map((r) => [r.version, r.previous])).toEqual([['5', '1']]);
    // a loop (rows written by hand) is broken where it closes; the lowest applied version then names none
    const loop = previousChain(history(row('1', 1, 'MIGRATED', 2), row('2', 2, 'MIGRATED', 1)));
    expect([loop.breaks, loop.relinked.map((r) => [r.version, r.previous])]).toEqual([[{ version: 1, previous: '2', state: 'named twice' }], [['1', NO_PREVIOUS]]]);
    // after the relinked rows, the chain is whole
    const mended = history(row('1', 1, 'MIGRATED', undefined), row('3', 3, 'PENDING', 1), row('2', 2, 'MIGRATED', 3), ...c.relinked.map((r) => ({ ...r, previous: r.previous })));
    expect(previousChain(mended).breaks).toEqual([]);
  });
});

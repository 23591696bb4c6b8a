import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverMigrations } from '../../src/migrations/files.js';

describe('discoverMigrations', () => {
  it('sorts by version, checksums the bytes, and reports bad names, duplicates and gaps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-files-'));
    const files: Record<string, string> = {
      'V000003__third.sql': 'SHOW;\n', 'V000001__first_one.sql': 'A;\n', 'V000001__again.sql': 'B;\n',
      'old_V000002__x.sql': 'C;\n', 'notes.txt': 'ignored', 'V000006__sixth.sql': 'D;\n',
    };
    for (const [n, c] of Object.entries(files)) writeFileSync(join(dir, n), c);
    // a directory named like a migration is reported, not read
    mkdirSync(join(dir, 'V000008__dir.sql'));
    const d = await discoverMigrations(dir);
    expect(d.files.map((f) => [f.version, f.name])).toEqual([[1, 'again'], [1, 'first one'], [3, 'third'], [6, 'sixth']]);
    expect(d.files[0]!.checksum).toBe(createHash('md5').update('B;\n').digest('hex'));
    expect(d.problems).toEqual([
      { fileName: 'V000008__dir.sql', reason: 'is a directory, not a migration file' },
      { fileName: 'old_V000002__x.sql', reason: 'does not match V<6 digits>__<description>.sql' },
      { fileName: 'V000001__first_one.sql', reason: 'duplicate version 1 (also V000001__again.sql)' },
    ]);
    expect(d.gaps).toEqual([{ from: 2, to: 2 }, { from: 4, to: 5 }]);
  });

  it('names what it does not read but looks meant to be: a V name without .sql, a subdirectory of .sql files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-files-'));
    for (const n of ['V000001__a.sql', 'V000010__typo.sq', 'V000011__old.sql.bak', 'README.md']) writeFileSync(join(dir, n), 'A;\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'V000012__nested.sql'), 'A;\n');
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'notes.md'), 'x');
    const d = await discoverMigrations(dir);
    expect(d.files.map((f) => f.version)).toEqual([1]);
    expect(d.problems).toEqual([]);
    expect(d.ignored).toEqual([
      { fileName: 'V000010__typo.sq', reason: 'not read: a migration file name ends in .sql' },
      { fileName: 'V000011__old.sql.bak', reason: 'not read: a migration file name ends in .sql' },
      { fileName: 'sub', reason: `not read: a directory of 1 .sql file; migrations are read from ${dir.split('/').pop()}/ itself, not its subdirectories` },
    ]);
  });

  it('reports a long gap whole, as one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-files-'));
    for (const n of ['V000001__a.sql', 'V000500__b.sql', 'V999999__c.sql']) writeFileSync(join(dir, n), 'A;\n');
    expect((await discoverMigrations(dir)).gaps).toEqual([{ from: 2, to: 499 }, { from: 501, to: 999998 }]);
  });

  it('refuses a missing directory, unless asked to read it as empty (create makes it)', async () => {
    await expect(discoverMigrations('/nonexistent/ksqlm')).rejects.toThrow(/^migrations directory \/nonexistent\/ksqlm does not exist/);
    expect(await discoverMigrations('/nonexistent/ksqlm', { missingOk: true })).toEqual({ files: [], problems: [], gaps: [], ignored: [] });
  });
});

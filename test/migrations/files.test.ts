import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverMigrations, notUtf8Problems } from '../../src/migrations/files.js';

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

  it('a named pipe or a device named like a migration is reported, not read (reading either would never end)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-files-'));
    writeFileSync(join(dir, 'V000001__ok.sql'), 'SHOW STREAMS;\n');
    execFileSync('mkfifo', [join(dir, 'V000002__fifo.sql')]);
    symlinkSync('/dev/zero', join(dir, 'V000003__zero.sql'));
    const d = await discoverMigrations(dir);
    expect(d.files.map((f) => f.version)).toEqual([1]);
    expect(d.problems).toEqual([
      { fileName: 'V000002__fifo.sql', reason: 'is a named pipe, not a migration file' },
      { fileName: 'V000003__zero.sql', reason: 'is a device, not a migration file' },
    ]);
  });

  it('marks a file that is not UTF-8 text, naming the line: Latin-1 bytes, UTF-16 with its byte order mark; UTF-8 (with or without a BOM) is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-files-'));
    writeFileSync(join(dir, 'V000001__latin.sql'), Buffer.concat([Buffer.from("CREATE STREAM S (v STRING) WITH (kafka_topic='s', value_format='JSON');\nINSERT INTO S (v) VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]));
    writeFileSync(join(dir, 'V000002__utf16.sql'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('SHOW STREAMS;\n', 'utf16le')]));
    writeFileSync(join(dir, 'V000003__utf8.sql'), "INSERT INTO S (v) VALUES ('café');\n");
    writeFileSync(join(dir, 'V000004__bom.sql'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("INSERT INTO S (v) VALUES ('ü');\n")]));
    const d = await discoverMigrations(dir);
    // (found, with their checksums: an applied one is compared as any other; one to run is refused)
    expect(d.files.map((f) => [f.version, f.notUtf8, f.checksum.length])).toEqual([
      [1, 'is not UTF-8 text (line 2 has bytes UTF-8 does not allow, as Latin-1 or Windows-1252 write é): save it as UTF-8', 32],
      [2, 'is UTF-16 text (as Windows PowerShell writes files): save it as UTF-8', 32],
      [3, undefined, 32], [4, undefined, 32],
    ]);
    expect(d.files.slice(0, 2).map((f) => f.content)).toEqual(['', '']);
    expect(d.files[2]!.content).toContain('café');
    expect(d.problems).toEqual([]);
    expect(notUtf8Problems(d.files)).toEqual([
      'V000001__latin.sql: is not UTF-8 text (line 2 has bytes UTF-8 does not allow, as Latin-1 or Windows-1252 write é): save it as UTF-8',
      'V000002__utf16.sql: is UTF-16 text (as Windows PowerShell writes files): save it as UTF-8',
    ]);
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

  it('refuses a missing directory (init makes it)', async () => {
    await expect(discoverMigrations('/nonexistent/ksqlm')).rejects.toThrow(/^migrations directory \/nonexistent\/ksqlm does not exist/);
  });
});

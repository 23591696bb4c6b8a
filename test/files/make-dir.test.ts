import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '../../src/files/make-dir.js';

describe('makeDirectory', () => {
  it('makes a directory and its missing parents, giving the first it made; one that is there gives undefined', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ksqlm-mkdir-'));
    expect(await makeDirectory(join(root, 'a', 'b', 'c'), 0o700)).toBe(join(root, 'a'));
    expect(statSync(join(root, 'a', 'b', 'c')).mode & 0o777).toBe(0o700);
    expect(await makeDirectory(join(root, 'a', 'b'))).toBeUndefined();
    expect(await makeDirectory(join(root, 'a', 'b', 'd'))).toBe(join(root, 'a', 'b', 'd'));
  });

  it('refuses a file in the way, and a parent that takes no directory, at once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ksqlm-mkdir-'));
    writeFileSync(join(root, 'f'), 'x');
    await expect(makeDirectory(join(root, 'f'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeDirectory(join(root, 'f', 'g'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDirectory('/proc/ksqlm-nope/x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

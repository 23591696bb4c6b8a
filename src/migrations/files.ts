import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isUtf8 } from 'node:buffer';

/** The one filename grammar, anchored: V + 6 digits + __ + description + .sql. */
export const MIGRATION_FILE = /^V(\d{6})__([^/\\]+)\.sql$/;

/** An undo file's name: U + the version it undoes + __ + description + .sql (Flyway's undo migrations). */
export const UNDO_FILE = /^U(\d{6})__([^/\\]+)\.sql$/;

/** A version as file names and messages write it: six digits, zero-padded. */
export const padVersion = (v: number) => String(v).padStart(6, '0');
/** A version as messages name it: V000001. */
export const versionName = (v: number) => `V${padVersion(v)}`;

export interface MigrationFile {
  version: number;
  /** The description as it reads: underscores become spaces (as Confluent's tool stores it). */
  name: string;
  fileName: string;
  path: string;
  /** MD5 of the file's bytes, lowercase hex. */
  checksum: string;
  content: string;
  /**
   * Why the file's bytes are not UTF-8 text, when they are not (its content is then empty): such a
   * file is refused only if it is to run; applied already, its checksum is compared as any other's.
   */
  notUtf8?: string;
}

export interface Discovery {
  files: MigrationFile[];
  /** Undo files (U000003__...sql undoes V000003), by version; `down` runs them. */
  undo: MigrationFile[];
  /** Files that look like migrations but do not match the grammar, with why. */
  problems: { fileName: string; reason: string }[];
  /** Runs of versions missing between the first and the last file, inclusive (reported, not an error). */
  gaps: { from: number; to: number }[];
  /**
   * Entries that are not read but look meant to be (a V<digits>__ name not ending in .sql, a
   * subdirectory holding .sql files): reported, so nothing is skipped without a word.
   */
  ignored: { fileName: string; reason: string }[];
}

/** Orders versions: the one comparator used everywhere. */
export const byVersion = (a: { version: number }, b: { version: number }) => a.version - b.version;

/** A migration file's (or, with UNDO_FILE, an undo file's) version and description from its name. */
export function parseFileName(fileName: string, grammar: RegExp = MIGRATION_FILE): { version: number; name: string } | { error: string } {
  const m = grammar.exec(fileName);
  if (!m) return { error: 'does not match V<6 digits>__<description>.sql' };
  const version = Number(m[1]);
  if (version === 0) return { error: 'version 0 is not a valid migration version' };
  return { version, name: m[2]!.replace(/_/g, ' ') };
}

export function fileNameFor(version: number, description: string): string {
  // each character Confluent's tool replaces becomes one '_', as its `create` names files, and so
  // does a control character (an escape sequence in a name would reach every terminal that lists it)
  // eslint-disable-next-line no-control-regex
  const safe = description.replace(/[\s/\\:*?"<>|\x00-\x1f\x7f]/g, '_');
  return `${versionName(version)}__${safe}.sql`;
}

export function checksumOf(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The migrations directory does not exist: a configuration mistake, not an empty project. */
export class MissingMigrationsDir extends Error {
  /** `notADirectory`: something else (a file) stands at that path. */
  constructor(readonly dir: string, notADirectory = false) { super(`migrations directory ${dir} ${notADirectory ? 'is not a directory' : 'does not exist'} (set --migrations-dir, KSQL_MIGRATE_MIGRATIONS_DIR or migrations.dir, or run 'ksql-migrate init')`); }
}

const isFile = async (path: string): Promise<boolean> => { try { return (await stat(path)).isFile(); } catch { return false; } };

/** What a path that is no regular file is (after symlinks), or undefined for a regular file. */
function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * Reads the migrations directory: valid files sorted by version; duplicates and bad names reported.
 * A directory that does not exist throws MissingMigrationsDir.
 */
export async function discoverMigrations(dir: string): Promise<Discovery> {
  let names: string[];
  try { names = await readdir(dir); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MissingMigrationsDir(dir);
    // (a file where the directory should be; or a file on the way to it)
    if (code === 'ENOTDIR') throw new MissingMigrationsDir(dir, await isFile(dir));
    throw e;
  }
  const files: MigrationFile[] = [];
  const undo: MigrationFile[] = [];
  const problems: Discovery['problems'] = [];
  const ignored: Discovery['ignored'] = [];
  for (const fileName of names.sort()) {
    if (!fileName.toLowerCase().endsWith('.sql')) {
      const note = await notReadBecause(join(dir, fileName), fileName);
      if (note) ignored.push({ fileName, reason: note });
      continue;
    }
    const undoes = UNDO_FILE.test(fileName);
    const parsed = parseFileName(fileName, undoes ? UNDO_FILE : MIGRATION_FILE);
    if ('error' in parsed) { problems.push({ fileName, reason: !undoes && fileName.startsWith('U') ? 'does not match V<6 digits>__<description>.sql, nor U<6 digits>__<description>.sql for an undo file' : parsed.error }); continue; }
    const path = join(dir, fileName);
    let bytes: Buffer;
    try {
      // only a regular file is read: a named pipe or a device (/dev/zero) would never end
      const kind = notRegular(await stat(path));
      if (kind) { problems.push({ fileName, reason: `is ${kind}, not a migration file` }); continue; }
      bytes = await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push({ fileName, reason: code === 'EISDIR' ? 'is a directory, not a migration file' : `cannot be read (${code ?? (e as Error).message})` });
      continue;
    }
    const encoding = encodingProblem(bytes);
    (undoes ? undo : files).push({ ...parsed, fileName, path, checksum: checksumOf(bytes), ...(encoding ? { content: '', notUtf8: encoding } : { content: bytes.toString('utf8') }) });
  }
  files.sort(byVersion);
  undo.sort(byVersion);
  for (const list of [files, undo]) {
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.version === list[i - 1]!.version) problems.push({ fileName: list[i]!.fileName, reason: `duplicate version ${list[i]!.version} (also ${list[i - 1]!.fileName})` });
    }
  }
  const versions = new Set(files.map((f) => f.version));
  for (const u of undo) if (!versions.has(u.version)) problems.push({ fileName: u.fileName, reason: `undoes no migration: there is no ${versionName(u.version)}__ file` });
  const gaps: Discovery['gaps'] = [];
  for (let i = 1; i < files.length; i++) if (files[i]!.version > files[i - 1]!.version + 1) gaps.push({ from: files[i - 1]!.version + 1, to: files[i]!.version - 1 });
  return { files, undo, problems, gaps, ignored };
}

/** What stops files that are to run: each one that is not UTF-8 text, named with why. */
export const notUtf8Problems = (files: readonly MigrationFile[]): string[] => files.flatMap((f) => (f.notUtf8 ? [`${f.fileName}: ${f.notUtf8}`] : []));

/**
 * Why a file's bytes are not UTF-8 text (what ksqlDB reads statements as), or undefined: decoded
 * anyway, a Latin-1 'café' would be stored as 'caf\uFFFD', and UTF-16 would not parse at all.
 */
export function encodingProblem(bytes: Buffer): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'is UTF-16 text (as Windows PowerShell writes files): save it as UTF-8';
  if (isUtf8(bytes)) return undefined;
  let line = 1;
  for (let from = 0; from < bytes.length; line++) {
    const nl = bytes.indexOf(0x0a, from);
    const end = nl < 0 ? bytes.length : nl;
    if (!isUtf8(bytes.subarray(from, end))) break;
    from = end + 1;
  }
  return `is not UTF-8 text (line ${line} has bytes UTF-8 does not allow, as Latin-1 or Windows-1252 write é): save it as UTF-8`;
}

/** Why an entry without the .sql ending that looks meant as a migration is not read; undefined otherwise. */
async function notReadBecause(path: string, fileName: string): Promise<string | undefined> {
  if (/^V\d+__/i.test(fileName)) return 'not read: a migration file name ends in .sql';
  let entries: string[];
  try { entries = await readdir(path); } catch { return undefined; }
  const sql = entries.filter((e) => e.toLowerCase().endsWith('.sql'));
  return sql.length ? `not read: a directory of ${sql.length} .sql file${sql.length > 1 ? 's' : ''}; migrations are read from ${basename(dirname(path))}/ itself, not its subdirectories` : undefined;
}

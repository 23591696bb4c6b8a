import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverMigrations, fileNameFor, MissingMigrationsDir } from '../../migrations/files.js';
import { CliError, EXIT, versionFlag } from '../errors.js';
import type { GlobalOptions } from '../context.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { report } from '../render.js';

export async function runCreate(description: string, opts: GlobalOptions & { version?: string }): Promise<void> {
  // create only writes a file: settings that name secrets set only where migrations run (CI) do not
  // stop it, as they do not stop init
  let config;
  try { config = loadConfig(opts, process.env, process.cwd(), { onlyMigrations: true }); } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
  if (!description.trim()) throw new CliError('create: the description must not be empty', EXIT.USAGE);
  // a directory that does not exist is refused, as by every command: a mistyped --migrations-dir
  // would otherwise make a directory wherever it points (init makes the project's)
  let d;
  try { d = await discoverMigrations(config.migrationsDir); } catch (e) {
    if (e instanceof MissingMigrationsDir) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
  let version: number;
  if (opts.version !== undefined) {
    version = versionFlag('--version', opts.version)!;
    const clash = d.files.find((f) => f.version === version);
    if (clash) throw new CliError(`--version: version ${version} already exists (${clash.fileName})`, EXIT.USAGE);
  } else {
    version = (d.files.at(-1)?.version ?? 0) + 1;
    if (version > 999999) throw new CliError('create: no version left after 999999', EXIT.USAGE);
  }
  const name = fileNameFor(version, description);
  // (a description of nothing but characters a file name cannot keep is as empty as a blank one)
  if (/^V\d{6}__+\.sql$/.test(name)) throw new CliError(`create: the description ${JSON.stringify(description)} has no character a file name keeps (whitespace, control characters and / \\ : * ? " < > | become _)`, EXIT.USAGE);
  if (Buffer.byteLength(name) > 255) throw new CliError(`create: the description makes a file name of ${Buffer.byteLength(name)} bytes; file systems take 255`, EXIT.USAGE);
  const path = join(config.migrationsDir, name);
  if (existsSync(path)) throw new CliError(`create: ${path} already exists`, EXIT.USAGE);
  // the description is a comment, on one line: a line break in it must not become SQL
  await writeFile(path, `-- ${description.trim().replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
  report(opts, [path], { path, version });
}

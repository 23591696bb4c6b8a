import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KsqlClient, AuthError, ServerError, UnreachableError, type ClientOptions } from '../client/client.js';
import { SchemaRegistryClient } from '../client/schema-registry.js';
import { ConfigError, loadConfig, readTlsFiles, type Config } from '../config/config.js';
import { configLoaded, inConfigTerms, loadedConfig } from './config-terms.js';
import { CliError, EXIT, pathProblem } from './errors.js';
import { MetadataMismatch, metadataNamesFor, type MetadataNames } from '../migrations/history.js';
import type { MigrationSettings } from '../migrations/apply.js';
import { MissingMigrationsDir } from '../migrations/files.js';
import { prepareMigration, substitutionEnabled } from '../migrations/prepare.js';
import { substitute, VARIABLE_NAME, type Variables } from '../sql/variables.js';

export interface GlobalOptions {
  config?: string; server?: string; migrationsDir?: string; username?: string; password?: string;
  /** --embedded [DIR]: true for the default directory, a string for another one. */
  embedded?: boolean | string;
  define?: string[]; verbose?: boolean; quiet?: boolean; json?: boolean;
}

export function loadConfigOrExit(opts: GlobalOptions, only: { onlyMigrations?: boolean } = {}): Config {
  try {
    const config = loadConfig(opts, process.env, process.cwd(), only);
    configLoaded(config);
    if (config.unreadProperties) warner(opts)(`${config.unreadProperties} is not read: ${config.configPath} configures this project (remove one of the two, or give --config)`);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}

/**
 * Names of settings, properties and variables whose values are secrets: a word of the name (split
 * at . _ - and camelCase) says so, or the name holds one of the longer secret words anywhere
 * (dbpassword, KAFKAPASSWORD, basic.auth.user.info, snowflake.private.key).
 */
const SECRET_WORDS = /^(pass|passwd|password|passphrase|secret|token|credential|credentials|apikey|jaas|pwd|pw|auth|hmac)$/i;
const SECRET_PARTS = /password|passwd|passphrase|passcode|secret|token|credential|apikey|jaas|userinfo|privatekey|accesskey|signingkey|encryptionkey|hmackey|sshkey|clientkey|licensekey|bearer|dsn|(?:pass|pwd)$/i;
const SECRET_NAME = { test: (name: string) => name.split(/[._\-\s]+|(?<=[a-z])(?=[A-Z])/).some((w) => SECRET_WORDS.test(w)) || SECRET_PARTS.test(name.replace(/[._\-\s]/g, '')) };

/** Space between a property's name and its value: in a JSON request body a line break is the two characters \n. */
const GAP = String.raw`(?:\s|\\[nrt])*`;

/**
 * What --verbose may print of a request body: the values of secret-named properties (JSON
 * `"...password...": "..."` and SQL `'...password...' = '...'`, as in connector configs) and every
 * value of a secret-named variable are replaced by ***.
 */
export function redactor(secrets: string[] | (() => Iterable<string>)): (text: string) => string {
  const all = () => (typeof secrets === 'function' ? [...secrets()] : secrets);
  return (text) => {
    // each secret whole, and its longer pieces that are no plain word (a server's message may quote
    // only the first word of an unquoted value, or upper-case it): matched in any case
    const piece = (w: string) => w.length >= 6 && (/\d/.test(w) || (/[a-z]/.test(w) && /[A-Z]/.test(w)));
    const known = [...new Set(all().filter((s) => s.length >= 3).flatMap((s) => [s, ...s.split(/[^A-Za-z0-9]+/).filter((w) => w !== s && piece(w))]))].sort((a, b) => b.length - a.length);
    // a short secret is masked where it stands alone, not inside a longer word: a value such as
    // 'user' must not turn a file named V1__users.sql or a column USER_ID into stars. (Only an edge
    // that is a word character needs a non-word neighbour.) One of 6 characters or more is masked
    // wherever it is, next to other text too ('b_hunter2' showed a 7-character one whole)
    const alone = (secret: string) => {
      const body = secret.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      if (secret.length >= 6) return new RegExp(body, 'gi');
      const word = /[A-Za-z0-9_]/;
      // (in a JSON body an escape such as \n or \u0027 before it is a boundary too)
      const before = '(?<=^|[^A-Za-z0-9_]|\\\\[bfnrt]|\\\\u[0-9a-fA-F]{4})';
      return new RegExp(`${word.test(secret[0]!) ? before : ''}${body}${word.test(secret.at(-1)!) ? '(?![A-Za-z0-9_])' : ''}`, 'gi');
    };
    // a property's value: quoted (in SQL, '' inside), or a bare number
    const value = String.raw`(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?(?![\w.]))`;
    let out = text
      .replace(/("([^"\\]*)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false)/g, (m, head: string, key: string) => (SECRET_NAME.test(key) ? `${head}"***"` : m))
      // SQL's 'name' = value, over lines too, and without the = a syntax error quotes
      .replace(new RegExp(`('((?:[^']|'')*)'${GAP}=?${GAP})${value}`, 'g'), (m, head: string, key: string) => (SECRET_NAME.test(key) ? `${head}'***'` : m))
      // a property named in double quotes (escaped inside a JSON body) or backticks, as SQL allows
      .replace(new RegExp(`((?:\\\\?"((?:[^"\\\\]|\\\\[^"])*)\\\\?"|\`([^\`]*)\`)${GAP}=${GAP})${value}`, 'g'), (m, head: string, dq: string | undefined, bq: string | undefined) => (SECRET_NAME.test(dq ?? bq ?? '') ? `${head}'***'` : m))
      // credentials inside a URL value (scheme://user:password@host, ?password=...)
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:)[^\s@'"/]+@/gi, '$1***@')
      .replace(/([?&;](?:password|passwd|pwd|secret|token|api[_-]?key)=)[^&;\s'"\\]+/gi, '$1***');
    for (const s of known) out = out.replace(alone(s), '***');
    for (const s of known) { const j = JSON.stringify(s).slice(1, -1); if (j !== s) out = out.replace(alone(j), '***'); }
    return out;
  };
}

/**
 * --embedded: starts the local server in this process (data in DIR, from the current directory as
 * every path typed on the command line is; default .ksql-migrate/ beside the config) and points the
 * config at it. The CLI still speaks HTTP to it, as to any ksqlDB.
 */
export async function startEmbedded(config: Config, opts: GlobalOptions): Promise<() => Promise<void>> {
  if (opts.embedded === undefined || opts.embedded === false) return async () => undefined;
  // the embedded server is the target: a server named too is a contradiction, not something to drop silently
  if (opts.server !== undefined) throw new CliError('--embedded and --server name two targets: give one of them', EXIT.USAGE);
  const { startLocalServer } = await import('../engine/rest/server.js');
  const { dirname, resolve } = await import('node:path');
  const dataDir = typeof opts.embedded === 'string' ? resolve(opts.embedded) : resolve(config.configPath ? dirname(config.configPath) : process.cwd(), '.ksql-migrate');
  const { DataDirInUse, droppedLineWarning, JournalDamaged } = await import('../engine/storage/journal.js');
  let server;
  try { server = await startLocalServer({ port: 0, dataDir, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }); } catch (e) {
    if (e instanceof DataDirInUse || e instanceof JournalDamaged) throw new CliError(`--embedded: ${e.message}`, EXIT.USAGE, { cause: e });
    // a path that is a file, or that cannot be made, is the flag's problem
    const err = e as NodeJS.ErrnoException, code = err.code;
    // a file of the data dir that is not what it needs (a directory where its journal goes) is named
    if (err.path && err.path !== dataDir && code === 'EISDIR') throw new CliError(`--embedded: ${err.path}: ${pathProblem(err)} (${code})`, EXIT.USAGE, { cause: e });
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EROFS') throw new CliError(`--embedded: ${dataDir} cannot be the server's data directory (${code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : 'not writable'})`, EXIT.USAGE, { cause: e });
    throw e;
  }
  if (server.droppedJournalBytes > 0) warner(opts)(`--embedded: ${droppedLineWarning(server.droppedJournalBytes)}`);
  config.server.url = server.url;
  config.server.username = undefined;
  config.server.password = undefined;
  return () => server.close();
}

export function makeClient(config: Config, opts: GlobalOptions, more: Partial<ClientOptions> = {}): KsqlClient {
  const redact = verboseRedactor(config, opts);
  let files;
  try { files = readTlsFiles(config.server, config.settingAt); } catch (e) { throw new CliError((e as Error).message, EXIT.USAGE); }
  if (config.server.insecure && !opts.quiet) process.stderr.write('warning: TLS certificate verification is off (server.insecure)\n');
  return new KsqlClient({
    ...files,
    url: config.server.url, username: config.server.username, password: config.server.password,
    headers: config.server.headers, timeoutMs: config.server.timeoutMs, insecure: config.server.insecure, verifyHost: config.server.verifyHost, properties: config.properties,
    onRequest: opts.verbose ? (m, p, b) => process.stderr.write(`> ${m} ${config.server.url}${p} ${redact(b).slice(0, 2000)}\n`) : undefined,
    ...more,
  });
}

/** A reader of the target's Schema Registry (schemaRegistry.url), if one is configured. */
export function makeRegistryClient(config: Config, opts: GlobalOptions): SchemaRegistryClient | undefined {
  const sr = config.schemaRegistry;
  if (!sr.url) return undefined;
  return new SchemaRegistryClient({
    url: sr.url, username: sr.username, password: sr.password, timeoutMs: config.server.timeoutMs,
    onRequest: opts.verbose ? (m, p) => process.stderr.write(`> ${m} ${sr.url!.replace(/\/+$/, '')}${p}\n`) : undefined,
  });
}

/**
 * The .sql files of a migrations directory (its own, not subdirectories'), read: regular files only
 * (a named pipe would block the process, a device never end; discovery reports them), and one that
 * cannot be read is left to discovery to report.
 */
function sqlFiles(dir: string): { fileName: string; content: string }[] {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).flatMap((fileName) => {
    const path = join(dir, fileName);
    try { return statSync(path).isFile() ? [{ fileName, content: readFileSync(path, 'utf8') }] : []; } catch { return []; }
  });
}

/** Values the migration files DEFINE under secret names, found as their files are read (noteDefinedSecrets). */
const definedSecrets = new Set<string>();
/** The migrations directories whose files have been read for them. */
const notedDirs = new Set<string>();

/**
 * Notes the values migration files DEFINE under secret names, for the redactor: as the files will
 * run, after substitution (a DEFINE may take its value from another variable). A file that does not
 * prepare is read for its literal DEFINEs.
 */
function noteDefinedSecrets(files: { fileName: string; content: string }[], defines: ReadonlyMap<string, string>, substitution: boolean): void {
  for (const file of files) {
    try { prepareMigration(file, defines, (name, value) => { if (SECRET_NAME.test(name)) definedSecrets.add(value); }, substitution); } catch {
      for (const m of file.content.matchAll(/\bDEFINE\s+([A-Za-z_][\w]*)\s*=\s*'((?:[^']|'')*)'/gi)) if (SECRET_NAME.test(m[1]!)) definedSecrets.add(m[2]!.replace(/''/g, "'"));
    }
    // the literal values of secret-named properties ('connection.password'='...'): a server's message
    // may quote them without their name (a syntax error near them)
    // (a value that names variables is noted as they make it)
    // (or written without quotes, which the server refuses, quoting it: 'connection.password'=Hunter2)
    for (const literal of secretPropertyValues(file.content)) {
      if (!literal.includes('${')) { definedSecrets.add(literal); continue; }
      try { definedSecrets.add(substitute(literal, defines, 1)); } catch { /* a variable it lacks: nothing to mask */ }
    }
  }
}

/**
 * The literal values SQL text gives secret-named properties: after the name ('connection.password',
 * or unquoted, which the server refuses) an optional = : or =>, then the value: quoted in any of
 * SQL's three ways (the server refuses "..." and `...`, quoting them), a number, or after a
 * separator a bare run (which the server refuses, quoting it). Strings and comments are read whole,
 * so a name is never found inside one.
 */
export function secretPropertyValues(text: string): string[] {
  const values: string[] = [];
  const token = /'((?:[^']|'')*)'|([A-Za-z_][\w.]*)|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|\/\*[\s\S]*?\*\/|[\s\S]/g;
  const after = /^\s*(=>|[=:])?\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|`([^`]*)`|(-?\d+(?:\.\d+)?)(?![^\s,);])|([^\s,);'"`]+))/;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const name = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2];
    if (name === undefined || !SECRET_NAME.test(name)) continue;
    const v = after.exec(text.slice(token.lastIndex));
    if (!v) continue;
    const quoted = v[2] !== undefined ? v[2].replace(/''/g, "'") : v[3] !== undefined ? v[3].replace(/""/g, '"') : v[4];
    // an unquoted name counts with a quoted value only; a bare value only after a separator
    if (m[2] !== undefined && quoted === undefined) continue;
    if (v[6] !== undefined && v[1] === undefined) continue;
    values.push(quoted ?? v[5] ?? v[6]!);
  }
  return values;
}

/**
 * What must never be shown, in --verbose requests or printed statements: the passwords, variables
 * (config, --define, or DEFINE in a migration file) named like secrets, and secret-named properties.
 */
export function secretRedactor(config: Config, opts: GlobalOptions): (text: string) => string {
  // every command that shows statements (up, down, queries, describe, --verbose) learns what the
  // migration and undo files DEFINE under secret names, and the secret properties they write
  // (once a run: a command may make several redactors)
  if (!notedDirs.has(config.migrationsDir)) {
    notedDirs.add(config.migrationsDir);
    try { noteDefinedSecrets(sqlFiles(config.migrationsDir), parseDefines(config, opts.define), substitutionEnabled(config.properties)); } catch { /* no directory, or a --define the command refuses itself */ }
  }
  const vars = [...Object.entries(config.variables), ...(opts.define ?? []).map((d) => [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)] as [string, string])];
  const fixed = [...[config.server.password, config.schemaRegistry.password].filter((x): x is string => !!x), ...vars.filter(([k]) => SECRET_NAME.test(k)).map(([, v]) => v),
    ...Object.entries(config.properties).filter(([k]) => SECRET_NAME.test(k)).map(([, v]) => String(v))];
  return redactor(() => [...fixed, ...definedSecrets]);
}
const verboseRedactor = secretRedactor;

export function parseDefines(config: Config, defines: string[] = []): Map<string, string> & Variables {
  const vars = Object.assign(new Map(Object.entries(config.variables)), { unset: new Map(Object.entries(config.unsetVariables ?? {})) });
  for (const d of defines) {
    const i = d.indexOf('=');
    // (what was given is not echoed: it may be a secret without its name)
    if (i < 0) throw new CliError("--define: expected NAME=VALUE, got no '='", EXIT.USAGE);
    if (i === 0) throw new CliError('--define: expected NAME=VALUE, got a value without a name', EXIT.USAGE);
    // names compare ignoring case: a flag replaces the config's variable of the same name
    const name = d.slice(0, i);
    if (!VARIABLE_NAME.test(name)) throw new CliError(`--define: '${name}' is not a variable name (letters, digits and _, not starting with a digit)`, EXIT.USAGE);
    for (const k of [...vars.keys()]) if (k.toUpperCase() === name.toUpperCase()) vars.delete(k);
    vars.set(name, d.slice(i + 1));
  }
  return vars;
}

/** Metadata names; asks the server for its service id only when a topic name must be derived. */
export async function metadataNames(config: Config, client: KsqlClient): Promise<MetadataNames> {
  const m = config.metadata;
  const serviceId = !m.streamTopic || !m.tableTopic ? (await client.info()).ksqlServiceId : '';
  return metadataNamesFor(m, serviceId);
}

export async function settings(config: Config, client: KsqlClient, opts: GlobalOptions): Promise<MigrationSettings> {
  return {
    dir: config.migrationsDir, metadata: await metadataNames(config, client), defines: parseDefines(config, opts.define), substitution: substitutionEnabled(config.properties),
    leaseMs: config.lock.leaseSeconds * 1000, waitMs: config.lock.waitSeconds * 1000, redact: secretRedactor(config, opts),
    exclusive: opts.embedded !== undefined && opts.embedded !== false,
  };
}

/**
 * The configured property (`properties:`, sent with every statement) that the server refused, by the
 * name its message gives: Failed to set '<name>' (an unknown one), or Kafka's `Invalid value ... for
 * configuration <name>` (that name without its ksql.streams. prefix).
 */
function refusedProperty(message: string): string | undefined {
  // (the value must be the configured one too: a statement's own setting, as PARTITIONS, is not the configuration's)
  const unknown = /^Failed to set '([^']+)' to '([^']*)'/.exec(message), invalid = /^Invalid value (.*) for configuration ([^\s:]+)/.exec(message);
  const [name, value] = unknown ? [unknown[1], unknown[2]] : invalid ? [invalid[2], invalid[1]] : [];
  const loaded = loadedConfig();
  if (name === undefined || !loaded) return undefined;
  return Object.entries(loaded.properties).find(([k, v]) => (k === name || k.endsWith(`.${name}`)) && String(v) === value)?.[0];
}

/** Maps client errors to one line and the documented exit code. */
export function asCliError(e: unknown): unknown {
  if (e instanceof MissingMigrationsDir) return new CliError(e.message, EXIT.USAGE, { cause: e });
  // a history name taken by another source is the configuration's mistake: named with the line that sets it
  if (e instanceof MetadataMismatch) {
    const which = /^metadata\.(stream|table):/.exec(e.message)?.[1];
    return new CliError(`${which ? loadedConfig()?.settingAt?.(['metadata', which]) ?? '' : ''}${e.message}`, EXIT.USAGE, { cause: e });
  }
  // a property of the configuration the server refuses is the configuration's mistake, named where it is set
  const property = e instanceof ServerError && e.status === 400 ? refusedProperty(e.message) : undefined;
  if (property !== undefined) {
    // (a secret-named property's value is not repeated from the server's message)
    const value = String(loadedConfig()?.properties[property] ?? '');
    const brief = SECRET_NAME.test(property) ? redactor([value])((e as ServerError).brief) : (e as ServerError).brief;
    return new CliError(`${loadedConfig()?.settingAt?.(['properties', property]) ?? ''}properties.${property}: ksqlDB refused it: ${brief}`, EXIT.USAGE, { cause: e });
  }
  if (e instanceof UnreachableError || e instanceof AuthError) return new CliError(e.message, EXIT.UNREACHABLE, { cause: e });
  // a server still starting (or overloaded) answers 503 to any request: that is reaching it, not a refusal
  if (e instanceof ServerError && e.status === 503) return new CliError(`ksqlDB is not ready: ${e.brief}`, EXIT.UNREACHABLE, { cause: e });
  if (e instanceof ServerError) return new CliError(`ksqlDB refused the request: ${e.brief}`, EXIT.FAILED, { cause: e });
  return e;
}

/** Prints a warning on stderr, unless --quiet (which prints only errors). */
export const warner = (opts: { quiet?: boolean }) => (message: string): void => {
  if (!opts.quiet) process.stderr.write(`warning: ${inConfigTerms(message)}\n`);
};

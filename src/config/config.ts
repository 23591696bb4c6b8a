import { createSecureContext } from 'node:tls';
/* eslint-disable @typescript-eslint/no-explicit-any -- settings from files, the environment and flags are merged as loose objects before the zod schema types them */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { z } from 'zod';
import { isMap, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument } from 'yaml';
import { parse as parseProperties } from 'dot-properties';
import { inPropertiesTerms } from './property-terms.js';
import { isTopicName, TOPIC_NAME_RULE } from '../kafka/topic-name.js';
import { VARIABLE_NAME } from '../sql/variables.js';

/** A number or a boolean may come as text (a `${env:NAME}` reference always does). */
const numeric = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), schema);
const boolean = () => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** An http:// or https:// URL (other schemes, or a misspelt one, are refused as settings). */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
/** A URL without one of ksqlDB's endpoints or a query after it (one that does not parse is the URL check's to report). */
const baseUrl = (u: string) => {
  // (only an endpoint right at the root: a proxy may mount the server under a path of its own, /api/ksql/ too)
  try { const url = new URL(u); return !/^\/(ksql|query|query-stream|info|healthcheck|inserts-stream)\/?$/i.test(url.pathname) && url.search === ''; } catch { return true; }
};

/** A password is sent with its username (HTTP Basic): one without is a setting missing, not one to ignore. */
function passwordNeedsUser(c: { username?: string; password?: string }, ctx: z.RefinementCtx): void {
  if (c.password !== undefined && c.username === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'is set without a username (HTTP Basic authentication sends both)' });
}

/** The one schema of ksql-migrate's settings; defaults < ksql-migrate.yaml < KSQL_MIGRATE_* env < flags. */
export const ConfigSchema = z.strictObject({
  server: z.strictObject({
    // the server's base URL: requests add /ksql, /query-stream, ... to it (a proxy's path prefix stays)
    url: httpUrl().refine(baseUrl, { error: "expected the server's base URL, without an endpoint such as /ksql or a query" }).default('http://localhost:8088'),
    username: z.string().optional(),
    password: z.string().optional(),
    timeoutMs: numeric(z.number().int().positive()).default(30_000),
    insecure: boolean().default(false),
    /** Whether the server's certificate must name its host (Confluent's ssl.verify.host). */
    verifyHost: boolean().default(true),
    /** PEM files: a CA to trust, and a client certificate and key for mutual TLS. */
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    // names and values as HTTP takes them: a bad one is a setting to fix, not a server to blame
    headers: z.record(z.string(), z.string()).superRefine((h, ctx) => {
      for (const [k, v] of Object.entries(h)) {
        try { validateHeaderName(k); } catch { ctx.addIssue({ code: 'custom', path: [k], message: 'not a valid HTTP header name' }); continue; }
        try { validateHeaderValue(k, v); } catch { ctx.addIssue({ code: 'custom', path: [k], message: 'not a valid HTTP header value' }); }
      }
    }).default({}),
  }).superRefine(passwordNeedsUser).prefault({}),
  migrations: z.strictObject({ dir: z.string().optional() }).prefault({}),
  metadata: z.strictObject({
    stream: z.string().regex(/^[A-Za-z0-9_]+$/).default('MIGRATION_EVENTS'),
    table: z.string().regex(/^[A-Za-z0-9_]+$/).default('MIGRATION_SCHEMA_VERSIONS'),
    // Kafka's rule for topic names, checked here so the setting is named rather than the server's refusal shown
    streamTopic: z.string().refine(isTopicName, `not a Kafka topic name (${TOPIC_NAME_RULE})`).optional(),
    tableTopic: z.string().refine(isTopicName, `not a Kafka topic name (${TOPIC_NAME_RULE})`).optional(),
    replicas: numeric(z.number().int().positive()).optional(),
  }).superRefine((m, ctx) => {
    // (unquoted names, as the tool writes them: the server upper-cases both)
    if (m.stream.toUpperCase() === m.table.toUpperCase()) ctx.addIssue({ code: 'custom', path: ['table'], message: `must differ from metadata.stream (both are ${m.stream.toUpperCase()}): the history needs a stream and a table` });
    if (m.streamTopic !== undefined && m.streamTopic === m.tableTopic) ctx.addIssue({ code: 'custom', path: ['tableTopic'], message: `must differ from metadata.streamTopic (both are ${m.streamTopic})` });
  }).prefault({}),
  lock: z.strictObject({
    leaseSeconds: numeric(z.number().positive()).default(300),
    waitSeconds: numeric(z.number().nonnegative()).default(120),
  }).prefault({}),
  /** The target's Schema Registry, read by `up --dry-run` for sources whose columns come from it. */
  schemaRegistry: z.strictObject({
    url: httpUrl().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
  }).superRefine(passwordNeedsUser).prefault({}),
  /** streamsProperties sent with every statement, e.g. ksql.streams.auto.offset.reset: earliest. */
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Values for ${name} in migrations; names as DEFINE takes them, compared ignoring case as --define compares them. */
  variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}).superRefine((vars, ctx) => {
    const seen = new Map<string, string>();
    for (const name of Object.keys(vars)) {
      if (!VARIABLE_NAME.test(name)) { ctx.addIssue({ code: 'custom', path: [name], message: 'not a variable name (letters, digits and _, not starting with a digit)' }); continue; }
      const other = seen.get(name.toUpperCase());
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: `the same variable as ${other} (names ignore case)` });
      seen.set(name.toUpperCase(), name);
    }
  }),
});

/** The keys a section of the settings takes, for the message about one it does not. */
function knownKeys(path: PropertyKey[]): string {
  let shape: z.ZodType = ConfigSchema;
  for (const k of path) shape = (unwrap(shape) as z.ZodObject).shape[String(k)]!;
  return Object.keys((unwrap(shape) as z.ZodObject).shape).join(', ');
}
/** The object inside defaults and prefaults. */
const unwrap = (t: z.ZodType): z.ZodType => {
  const inner = (t.def as unknown as { innerType?: z.ZodType }).innerType;
  return inner ? unwrap(inner) : t;
};

type Parsed = z.infer<typeof ConfigSchema>;
export type Config = Omit<Parsed, 'metadata'> & {
  /** The history's settings; replicas 1 by default, 3 on Confluent Cloud (see configReplicas). */
  metadata: Parsed['metadata'] & { replicas: number };
  migrationsDir: string; configPath?: string;
  /** A ksql-migrations.properties beside the ksql-migrate.yaml read instead of it (its settings are not read). */
  unreadProperties?: string;
  /** Where the file sets a setting (its key path), as `<file>:<line>: ` for an error about it; '' where no file line sets it. */
  settingAt?: (setting: readonly (string | number)[]) => string;
  /**
   * Variables of the file whose value names an environment variable that is unset or empty, each with
   * why: they are left out, so only a migration that uses one fails (a status or validate run in CI
   * without the secret does not).
   */
  unsetVariables?: Record<string, string>;
};

export class ConfigError extends Error {
  /** The setting the error is about, as its keys in the file (`properties`, `ksql.streams.x`), for its line. */
  constructor(message: string, readonly setting?: readonly (string | number)[]) { super(message); }
}

/** The line (1-based) of a setting's key in a YAML file: the deepest of its keys the file has. */
function yamlLine(text: string, path: readonly (string | number)[]): number | undefined {
  const lines = new LineCounter();
  let node: unknown = parseDocument(text, { lineCounter: lines, logLevel: 'error' }).contents;
  let offset: number | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
      node = node.items[key];
      offset = (node as { range?: [number, number, number] }).range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The line (1-based) where a properties file sets `key` (its last such line, which Java's Properties.load keeps). */
function propertiesLine(text: string, key: string): number | undefined {
  const at = text.split(/\r\n|\r|\n/).map((line, i) => [line, i + 1] as const).filter(([line]) => {
    const t = line.replace(/^[ \t\f]*/, '');
    return t.startsWith(key) && /^(?:[ \t\f]|[=:]|$)/.test(t.slice(key.length));
  });
  return at.at(-1)?.[1];
}

export interface ConfigFlags {
  config?: string; server?: string; migrationsDir?: string; username?: string; password?: string;
  /** --embedded: the server settings are replaced by the in-process server's, so they are not read. */
  embedded?: boolean | string;
  /** --define name=value: the file's variable of that name (in any case) is replaced, so it is not read. */
  define?: string[];
}

/**
 * Replaces ${env:NAME} with the environment variable, so secrets stay out of the file. A variable
 * whose reference cannot be read is left out and its reason kept in `unset`, for the migration that
 * uses it; any other setting's is an error.
 */
function resolveEnvRefs(v: unknown, env: NodeJS.ProcessEnv, path: string, unset: Record<string, string>, keys: readonly (string | number)[] = [], literal = false): unknown {
  if (typeof v === 'string') {
    // (a migration variable's value is SQL text, where ${name} is ksqlDB's own substitution; a
    // properties file's values are text as Java reads them, where a ${ that is no ${env:NAME} is itself)
    if (!path.startsWith('variables') && !literal) {
      const unread = /\$\{(?!env:[A-Za-z_][A-Za-z0-9_]*\})[^}]*\}?/.exec(v);
      // (a password's text is not echoed: it may be the password that holds a ${)
      const shown = /password|secret|token/i.test(path) ? 'its value' : `'${unread?.[0]}'`;
      if (unread) throw new ConfigError(`${path}: ${shown} is no reference ksql-migrate reads: an environment variable is written \${env:NAME} (NAME of letters, digits and _)`, keys);
    }
    return v.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const value = env[name];
      if (value === undefined) throw new ConfigError(`${path}: environment variable ${name} is not set`, keys);
      // an empty one is what CI gives for a secret that was never set up
      if (value === '') throw new ConfigError(`${path}: environment variable ${name} is empty`, keys);
      return value;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => resolveEnvRefs(x, env, `${path}[${i}]`, unset, [...keys, i], literal));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => {
      try { return [[k, resolveEnvRefs(x, env, path ? `${path}.${k}` : k, unset, [...keys, k], literal)]]; } catch (e) {
        if (path !== 'variables' || !(e instanceof ConfigError)) throw e;
        unset[k] = e.message;
        return [];
      }
    }));
  }
  return v;
}

/**
 * A YAML parser's message without the file's text: its first line is `<what> at line L, column C:`
 * (the excerpt follows), and `<what>` may end with the offending text after a colon (an alias or
 * block header that was a password's first characters), which is left out.
 */
function yamlProblem(message: string): string {
  const first = message.split('\n')[0]!.replace(/:\s*$/, '');
  const at = / at line \d+, column \d+$/.exec(first);
  const what = at ? first.slice(0, at.index) : first;
  const colon = what.indexOf(': ');
  return `${colon < 0 ? what : what.slice(0, colon)}${at ? at[0] : ''}`;
}

/** Moves `user:pass@` out of `server.url` into username and password (unless set beside it). */
function moveUrlCredentials(server: Record<string, unknown> | undefined, source: string): void {
  // (whitespace around it, as a secret pasted with a line break before it has: taken off first, or
  // the credentials would stay in a URL that is printed)
  if (server && typeof server.url === 'string') server.url = server.url.trim();
  const url = server?.url;
  if (!server || typeof url !== 'string') return;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return;
  const rest = url.slice(scheme.length);
  // the credentials end at the last @ (a password may hold one), as URL parsing reads them
  const at = rest.lastIndexOf('@');
  if (at < 0) return;
  // an @ after a / ? or #: either a secret that holds one of them unencoded (Confluent Cloud's hold /)
  // or an @ in the path, query or fragment. Guessed either way, the host could be a secret's end, to
  // be printed in every message and looked up in DNS: refused, without showing the URL
  if (/[/?#]/.test(rest.slice(0, at))) {
    throw new ConfigError(`${source}: an @ follows a / ? or # in the URL: a secret before the @ that ends the credentials takes its / ? # percent-encoded (%2F %3F %23), and an @ after the host is %40`);
  }
  const [user, ...pass] = rest.slice(0, at).split(':');
  const decode = (x: string) => { try { return decodeURIComponent(x); } catch { return x; } };
  server.username ??= decode(user!);
  if (pass.length) server.password ??= decode(pass.join(':'));
  server.url = scheme + rest.slice(at + 1);
}

/** Keys of Confluent's ksql-migrations.properties, and where each goes in ours. */
const PROPERTY_KEYS: Record<string, [section: string, key: string]> = {
  'ksql.server.url': ['server', 'url'],
  'ksql.auth.basic.username': ['server', 'username'],
  'ksql.auth.basic.password': ['server', 'password'],
  'ksql.migrations.stream.name': ['metadata', 'stream'],
  'ksql.migrations.table.name': ['metadata', 'table'],
  'ksql.migrations.stream.topic.name': ['metadata', 'streamTopic'],
  'ksql.migrations.table.topic.name': ['metadata', 'tableTopic'],
  'ksql.migrations.topic.replicas': ['metadata', 'replicas'],
  'ksql.migrations.dir.override': ['migrations', 'dir'],
};

/**
 * Confluent's ksql-migrations.properties, mapped onto our keys. Its TLS keys name Java key stores
 * and its OAuth keys a token endpoint, which this tool does not read: rather than connect without
 * them, such a file is refused, as is a key the Java tool does not have (a misspelling).
 */
/**
 * The line of the first `\u` escape without four hex digits after it, which Java's Properties.load
 * refuses ("Malformed \uxxxx encoding"); escapes in comment lines are not read. Undefined if none.
 */
export function malformedUnicodeEscape(text: string): number | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  let continued = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    // a comment starts a logical line; a continued value's next line is never one
    if (!continued && /^[ \t\f]*[#!]/.test(line)) continue;
    let escaped = false, trailing = false;
    for (let i = 0; i < line.length; i++) {
      if (!escaped) { if (line[i] === '\\') { escaped = true; trailing = i === line.length - 1; } continue; }
      escaped = false;
      if (line[i] === 'u' && !/^[0-9A-Fa-f]{4}$/.test(line.slice(i + 1, i + 5))) return n + 1;
    }
    continued = trailing;
  }
  return undefined;
}

function fromProperties(text: string, path: string): Record<string, unknown> {
  // Java's Properties.load rules: `=`, `:` or whitespace between key and value, `\:`-style escapes
  // (as Properties.store writes URLs), `\` line continuations, `#` and `!` comments
  // (a UTF-8 byte order mark, as some Windows editors write, is no part of the first key)
  const bad = malformedUnicodeEscape(text);
  if (bad !== undefined) throw new ConfigError(`${path}:${bad}: a \\u escape without four hex digits after it (Java's Properties.load refuses the file: "Malformed \\uxxxx encoding")`);
  const p = new Map(Object.entries(parseProperties(text.replace(/^\uFEFF/, ''))).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const out: Record<string, any> = { server: {}, metadata: {}, migrations: {} };
  /** The file and the line that sets `key`, where an error about it starts. */
  const at = (key: string) => { const line = propertiesLine(text, key); return line === undefined ? path : `${path}:${line}`; };
  for (const [key, value] of p) {
    const to = Object.hasOwn(PROPERTY_KEYS, key) ? PROPERTY_KEYS[key] : undefined;
    // the Java tool reads an empty value of a key it has as its default, as if the key were not there
    // (an empty key store or OAuth setting asks for nothing, so it is no reason to refuse the file)
    if (value.trim() === '' && (to || key.startsWith('ssl.') || key.startsWith('bearer.auth.'))) continue;
    // (Kafka's ConfigDef, which reads the Java tool's file, trims every string and password value)
    if (to) { out[to[0]][to[1]] = value.trim(); continue; }
    // HTTP/2 by ALPN is a transport choice: the answers are the same either way
    if (key === 'ssl.alpn') continue;
    if (key === 'ssl.verify.host') {
      if (!/^(true|false)$/i.test(value.trim())) throw new ConfigError(`${at(key)}: ssl.verify.host must be true or false`);
      out.server.verifyHost = value.trim().toLowerCase() === 'true';
      continue;
    }
    if (key.startsWith('ssl.')) {
      throw new ConfigError(`${at(key)}: ${key} is not supported (Java key stores); for TLS use server.caFile, server.certFile and server.keyFile (PEM) or server.insecure in ksql-migrate.yaml`);
    }
    if (key.startsWith('bearer.auth.')) {
      throw new ConfigError(`${at(key)}: ${key} is not supported (OAuth client credentials); ksql-migrate signs in with Basic auth: ksql.auth.basic.username and ksql.auth.basic.password (a Confluent Cloud API key and secret)`);
    }
    // every key the Java tool reads has a dot: a line without one is no key, and may be the rest of
    // a value (a password) that ran on to the next line, so it is not echoed
    if (!key.includes('.')) throw new ConfigError(`${at(key)}: unknown key (every key of the file has a dot, as ksql.server.url; not shown, as the line may be the rest of a value, such as a password, continued without a trailing \\)`);
    throw new ConfigError(`${at(key)}: unknown key ${key} (known: ${[...Object.keys(PROPERTY_KEYS), 'ssl.alpn', 'ssl.verify.host'].join(', ')})`);
  }
  return out;
}

function merge(a: any, b: any): any {
  if (b === undefined) return a;
  const isMap = (x: unknown) => !!x && typeof x === 'object' && !Array.isArray(x);
  // a file's section that is no mapping (`server: http://...`) stays, for validation to refuse,
  // instead of giving way to the environment's layer of that section
  if (isMap(b) && !isMap(a) && a !== undefined && a !== null) return a;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
    return out;
  }
  return b;
}

/**
 * Loads the configuration once: defaults, then the file, then the environment, then flags. An
 * unset `${env:NAME}` is refused. `onlyMigrations` reads the file's migrations settings alone
 * (init, which needs only the directory, reads past settings that name secrets set only where
 * migrations run, or that it would refuse for other reasons).
 */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), opts: { onlyMigrations?: boolean } = {}): Config {
  const explicit = flags.config ?? (env.KSQL_MIGRATE_CONFIG || undefined);
  let path = resolve(cwd, explicit ?? 'ksql-migrate.yaml');
  let fileData: unknown = {};
  /** The file's text, for the line of a setting an error names. */
  let fileText = '';
  /** The file is Confluent's ksql-migrations.properties (by its name, or, named neither .yaml nor .yml, by its keys). */
  let isProperties = false;
  // an error names where the path came from: the flag, or the environment variable
  const from = flags.config !== undefined ? '--config: ' : explicit !== undefined ? 'KSQL_MIGRATE_CONFIG: ' : '';
  if (existsSync(path) && statSync(path).isDirectory()) throw new ConfigError(`${from}${path} is a directory, not a configuration file`);
  if (existsSync(path)) {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (e) {
      throw new ConfigError(`${from}${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      // (warnings, such as an unknown tag, are not printed: Node would print the line, a password in it)
      isProperties = path.endsWith('.properties') || (!/\.ya?ml$/i.test(path) && looksLikeProperties(text));
      fileData = isProperties ? fromProperties(text, path) : parseYaml(text, { logLevel: 'error' });
      fileText = text;
    } catch (e) { throw new ConfigError(`${path}: ${yamlProblem((e as Error).message)}`); }
    // an empty file (one a script wrote from a variable that was not set) is refused, not read as the
    // defaults: those would aim the commands at localhost
    if (fileData === null || fileData === undefined) throw new ConfigError(`${from}${path}: holds no settings (an empty file); write them, or remove the file to take the defaults`);
    // a file whose whole content is a word or a list holds no settings: it is refused, not ignored
    if (typeof fileData !== 'object' || fileData === null || Array.isArray(fileData)) {
      throw new ConfigError(`${path}: expected a mapping of settings (server:, migrations:, ...), got ${Array.isArray(fileData) ? 'a list' : `a ${typeof fileData === 'object' ? 'null' : typeof fileData}`}`);
    }
  } else if (explicit) {
    throw new ConfigError(`${from}${path} does not exist`);
  } else if (existsSync(resolve(cwd, 'ksql-migrations.properties'))) {
    path = resolve(cwd, 'ksql-migrations.properties');
    isProperties = true;
    fileText = readFileSync(path, 'utf8');
    fileData = fromProperties(fileText, path);
  }
  const fromEnv: Record<string, any> = { server: {}, migrations: {}, schemaRegistry: {} };
  if (env.KSQL_MIGRATE_SERVER) fromEnv.server.url = env.KSQL_MIGRATE_SERVER;
  if (env.KSQL_MIGRATE_USERNAME) fromEnv.server.username = env.KSQL_MIGRATE_USERNAME;
  if (env.KSQL_MIGRATE_PASSWORD) fromEnv.server.password = env.KSQL_MIGRATE_PASSWORD;
  if (env.KSQL_MIGRATE_MIGRATIONS_DIR) fromEnv.migrations.dir = env.KSQL_MIGRATE_MIGRATIONS_DIR;
  if (env.KSQL_MIGRATE_SCHEMA_REGISTRY_URL) fromEnv.schemaRegistry.url = env.KSQL_MIGRATE_SCHEMA_REGISTRY_URL;
  if (env.KSQL_MIGRATE_SCHEMA_REGISTRY_USERNAME) fromEnv.schemaRegistry.username = env.KSQL_MIGRATE_SCHEMA_REGISTRY_USERNAME;
  if (env.KSQL_MIGRATE_SCHEMA_REGISTRY_PASSWORD) fromEnv.schemaRegistry.password = env.KSQL_MIGRATE_SCHEMA_REGISTRY_PASSWORD;
  // a flag given empty (`--server "$URL"` with URL unset) is a mistake, not the flag left out
  for (const [flag, value] of [['--server', flags.server], ['--username', flags.username], ['--password', flags.password], ['--migrations-dir', flags.migrationsDir]] as const) {
    if (value !== undefined && value.trim() === '') throw new ConfigError(`${flag}: expected a value, got an empty one`);
  }
  const fromFlags: Record<string, any> = { server: {}, migrations: {} };
  if (flags.server) fromFlags.server.url = flags.server;
  if (flags.username) fromFlags.server.username = flags.username;
  if (flags.password) fromFlags.server.password = flags.password;
  if (flags.migrationsDir) fromFlags.migrations.dir = flags.migrationsDir;
  // credentials in a URL belong with that URL: the URL in use brings its own, which beat the file's
  // username and password as the URL beats the file's; a URL a higher layer replaces takes its
  // credentials with it
  if (fromFlags.server.url !== undefined) delete fromEnv.server.url;
  moveUrlCredentials(fromEnv.server, 'KSQL_MIGRATE_SERVER');
  moveUrlCredentials(fromFlags.server, '--server');
  moveUrlCredentials(fromEnv.schemaRegistry, 'KSQL_MIGRATE_SCHEMA_REGISTRY_URL');
  const embedded = flags.embedded !== undefined && flags.embedded !== false;
  // the file's values that a higher layer (or --embedded) replaces are dropped before its ${env:NAME}
  // references are resolved: only what is used needs its variables; flags and the environment are
  // taken as they are
  const file = structuredClone(fileData) as Record<string, any>;
  const fileServer = file && typeof file === 'object' && file.server && typeof file.server === 'object' ? file.server as Record<string, unknown> : undefined;
  for (const k of ['url', 'username', 'password'] as const) {
    if (fileServer && (embedded || fromEnv.server[k] !== undefined || fromFlags.server[k] !== undefined)) delete fileServer[k];
  }
  const fileRegistry = file && typeof file === 'object' && file.schemaRegistry && typeof file.schemaRegistry === 'object' ? file.schemaRegistry as Record<string, unknown> : undefined;
  // per key, as for the server: the environment's URL replaces the file's, whose username and password stay unless the environment gives its own
  if (fileRegistry) for (const k of ['url', 'username', 'password'] as const) if (fromEnv.schemaRegistry[k] !== undefined) delete fileRegistry[k];
  if (embedded) { for (const l of [fromEnv, fromFlags]) { delete l.server.url; delete l.server.username; delete l.server.password; } }
  if (file?.migrations && typeof file.migrations === 'object' && (fromEnv.migrations.dir !== undefined || fromFlags.migrations.dir !== undefined)) delete file.migrations.dir;
  // a variable --define gives beats the file's, whose ${env:NAME} then need not be set
  if (file?.variables && typeof file.variables === 'object') {
    const defined = new Set((flags.define ?? []).map((d) => d.slice(0, Math.max(0, d.indexOf('='))).toUpperCase()));
    for (const k of Object.keys(file.variables as object)) if (defined.has(k.toUpperCase())) delete (file.variables as Record<string, unknown>)[k];
  }
  // Confluent's tool requires the server's URL in its properties file: the default (localhost:8088)
  // is not taken in its place, where a local ksqlDB could take migrations meant for another
  if (isProperties && !opts.onlyMigrations && !embedded && (fileData as { server?: { url?: unknown } }).server?.url === undefined && fromEnv.server.url === undefined && fromFlags.server.url === undefined) {
    throw new ConfigError(`${path}: ksql.server.url is required (as for Confluent's ksql-migrations); or give --server URL or KSQL_MIGRATE_SERVER`);
  }
  /** `<file>:<line>: ` for a setting of the YAML file, where an error about it starts; '' if the file has no such line. */
  const lineOf = (setting: readonly (string | number)[]): string => {
    const propertyKey = Object.entries(PROPERTY_KEYS).find(([, to]) => to[0] === setting[0] && to[1] === setting[1])?.[0];
    const line = !isProperties ? yamlLine(fileText, setting) : propertyKey ? propertiesLine(fileText, propertyKey) : undefined;
    return line === undefined ? '' : `${path}:${line}: `;
  };
  const unsetVariables: Record<string, string> = {};
  const kept = opts.onlyMigrations ? { migrations: file?.migrations } : file;
  let resolved: unknown;
  try { resolved = resolveEnvRefs(kept, env, '', unsetVariables, [], isProperties); } catch (e) {
    if (e instanceof ConfigError && e.setting !== undefined) throw new ConfigError(`${lineOf(e.setting)}${isProperties ? inPropertiesTerms(e.message) : e.message}`);
    throw e;
  }
  // the file's URLs give up their credentials as the environment's and the flags' did (before the
  // URL is checked: a secret in it is never part of a message)
  const section = (name: string) => { const x = (resolved as Record<string, unknown> | undefined)?.[name]; return x && typeof x === 'object' && !Array.isArray(x) ? x as Record<string, unknown> : undefined; };
  const named = (key: string) => (isProperties ? `${path}: ksql.server.url` : `${lineOf([key, 'url'])}${key}.url`);
  moveUrlCredentials(section('server'), named('server'));
  moveUrlCredentials(section('schemaRegistry'), named('schemaRegistry'));
  const raw = opts.onlyMigrations
    ? merge(merge(resolved, { migrations: fromEnv.migrations }), { migrations: fromFlags.migrations })
    : merge(merge(resolved, fromEnv), fromFlags);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const setting = [...issue.path, issue.keys[0]!] as (string | number)[];
      throw new ConfigError(`${lineOf(setting)}${setting.join('.')}: unknown key (${issue.path.length ? issue.path.join('.') : 'the top level'} takes ${knownKeys(issue.path)})`);
    }
    const key = issue.path.join('.');
    // a value from Confluent's properties file is named as that file names it
    const [sec, k] = issue.path.map(String);
    const fromFile = isProperties && sec !== undefined && k !== undefined
      && (fileData as Record<string, Record<string, unknown> | undefined>)[sec]?.[k] !== undefined && fromEnv[sec]?.[k] === undefined && fromFlags[sec]?.[k] === undefined;
    const propertyKey = fromFile ? Object.entries(PROPERTY_KEYS).find(([, to]) => to[0] === sec && to[1] === k)?.[0] : undefined;
    if (propertyKey) {
      const line = propertiesLine(fileText, propertyKey);
      throw new ConfigError(`${path}${line === undefined ? '' : `:${line}`}: ${propertyKey}: ${issue.message}`);
    }
    // a bad value is named where it came from: the flag, the environment variable, or the file's key
    const origins: Record<string, [flag: string | undefined, envName: string]> = {
      'server.url': [flags.server !== undefined ? '--server' : undefined, 'KSQL_MIGRATE_SERVER'],
      'server.password': [flags.password !== undefined ? '--password' : undefined, 'KSQL_MIGRATE_PASSWORD'],
      'schemaRegistry.url': [undefined, 'KSQL_MIGRATE_SCHEMA_REGISTRY_URL'],
      'schemaRegistry.password': [undefined, 'KSQL_MIGRATE_SCHEMA_REGISTRY_PASSWORD'],
    };
    const origin = origins[key];
    const source = origin?.[0] ?? (origin && env[origin[1]] ? origin[1] : key);
    // (a value the file gives and no higher layer replaced, the sections they all have aside: named with its line)
    const at = (layer: unknown) => issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), layer);
    const replaced = [fromEnv, fromFlags].map(at).some((v) => v !== undefined && (typeof v !== 'object' || v === null));
    const inFile = source === key && at(file) !== undefined && !replaced ? lineOf(issue.path as (string | number)[]) : '';
    throw new ConfigError(`${inFile}${source}: ${issue.message}`);
  }
  // credentials in the URL (http://user:pass@host) are sent as Basic auth, and the URL is kept without
  // them, so no message or log line ever shows them; explicit username and password win

  const base = existsSync(path) ? dirname(path) : cwd;
  // paths in the file are read beside it; a flag's or the environment's, from where the command runs
  const fromCwd = flags.migrationsDir ?? env.KSQL_MIGRATE_MIGRATIONS_DIR;
  // (Confluent's ksql.migrations.dir.override is a path as the Java tool takes it: from where the command runs)
  const dir = fromCwd ? resolve(cwd, fromCwd) : resolve(isProperties && parsed.data.migrations.dir !== undefined ? cwd : base, parsed.data.migrations.dir ?? 'migrations');
  const server = parsed.data.server;
  for (const k of ['caFile', 'certFile', 'keyFile'] as const) if (server[k] !== undefined) server[k] = resolve(base, server[k]!);
  // a project with both files (moving from Confluent's tool) is configured by the YAML alone: said, so a history named only in the properties is not missed
  const beside = !explicit && !isProperties && existsSync(path) ? resolve(cwd, 'ksql-migrations.properties') : undefined;
  const unreadProperties = beside && existsSync(beside) ? beside : undefined;
  // (a setting a flag or the environment replaced is set by no line of the file)
  const settingAt = (setting: readonly (string | number)[]) => {
    const layer = (l: unknown) => setting.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), l);
    return [fromEnv, fromFlags].some((l) => layer(l) !== undefined) ? '' : lineOf(setting);
  };
  // the history's replicas: 1 by default, 3 on Confluent Cloud, as Confluent's tool takes them
  const metadata = { ...parsed.data.metadata, replicas: parsed.data.metadata.replicas ?? (isConfluentCloud(parsed.data.server.url) ? 3 : 1) };
  return { ...parsed.data, metadata, migrationsDir: dir, configPath: existsSync(path) ? path : undefined, settingAt, ...(unreadProperties ? { unreadProperties } : {}), ...(Object.keys(unsetVariables).length ? { unsetVariables } : {}) };
}

/** The PEM files server.caFile, certFile and keyFile name, read; an unreadable one names its key. */
export function readTlsFiles(server: Config['server'], settingAt: Config['settingAt'] = () => ''): { ca?: string; cert?: string; key?: string } {
  // each error starts where the file sets the key it names
  const fail = (key: string, message: string) => new ConfigError(`${settingAt(['server', key])}server.${key}: ${message}`);
  const read = (key: string, file?: string) => {
    if (!file) return undefined;
    try { return readFileSync(file, 'utf8'); } catch { throw fail(key, `cannot read ${file}`); }
  };
  if (!!server.certFile !== !!server.keyFile) throw fail(server.certFile ? 'certFile' : 'keyFile', `a client certificate needs both server.certFile and server.keyFile (server.${server.certFile ? 'keyFile' : 'certFile'} is not set)`);
  const files = { ca: read('caFile', server.caFile), cert: read('certFile', server.certFile), key: read('keyFile', server.keyFile) };
  // files that hold no PEM of their kind (a key given as the certificate, a YAML file as the CA) are
  // this configuration's mistake, not an unreachable server's
  if (files.ca !== undefined && !files.ca.includes('-----BEGIN CERTIFICATE-----')) throw fail('caFile', `no PEM certificate in ${server.caFile}`);
  if (files.cert !== undefined && !files.cert.includes('-----BEGIN CERTIFICATE-----')) throw fail('certFile', `no PEM certificate in ${server.certFile}`);
  if (files.key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(files.key)) throw fail('keyFile', `no PEM private key in ${server.keyFile}`);
  if (files.cert !== undefined && files.key !== undefined) {
    try { createSecureContext({ cert: files.cert, key: files.key }); } catch (e) {
      throw fail('keyFile', `the key is not server.certFile's (${(e as Error).message.replace(/^error:[0-9A-F]+:/, '')})`);
    }
  }
  return files;
}

/** Whether the first lines that set something set ksql.* keys, as Confluent's ksql-migrations.properties does (a file named neither .yaml nor .yml). */
function looksLikeProperties(text: string): boolean {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).find((l) => l.trim() !== '' && !/^\s*[#!]/.test(l));
  return first !== undefined && /^\s*ksql\.[\w.-]+\s*[=:\s]/.test(first) && !/^\s*ksql\.[\w.-]+:\s*$/.test(first);
}

/** Whether a ksqlDB URL is Confluent Cloud's (its hosts end in confluent.cloud). */
function isConfluentCloud(url: string): boolean {
  try { return /(^|\.)confluent\.cloud$/i.test(new URL(url).hostname); } catch { return false; }
}

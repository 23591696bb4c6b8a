import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { runInit } from '../src/cli/commands/init.js';

function project(yaml?: string, file = 'ksql-migrate.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ksqlm-cfg-'));
  if (yaml !== undefined) writeFileSync(join(dir, file), yaml);
  return dir;
}

describe('config precedence: defaults < file < env < flags', () => {
  it('uses defaults without a file', () => {
    const dir = project();
    const c = loadConfig({}, {}, dir);
    expect(c.server.url).toBe('http://localhost:8088');
    expect(c.migrationsDir).toBe(join(dir, 'migrations'));
    expect(c.metadata.stream).toBe('MIGRATION_EVENTS');
  });

  it('lets each layer override the one below', () => {
    const dir = project('server:\n  url: http://file:1\nmigrations:\n  dir: db\n');
    expect(loadConfig({}, {}, dir).server.url).toBe('http://file:1');
    expect(loadConfig({}, {}, dir).migrationsDir).toBe(join(dir, 'db'));
    expect(loadConfig({}, { KSQL_MIGRATE_SERVER: 'http://env:2' }, dir).server.url).toBe('http://env:2');
    expect(loadConfig({ server: 'http://flag:3' }, { KSQL_MIGRATE_SERVER: 'http://env:2' }, dir).server.url).toBe('http://flag:3');
  });

  it('refuses a section given as a plain value, which would otherwise give way to the defaults', () => {
    for (const [yaml, section] of [['server: http://file:1\n', 'server'], ['migrations: db\n', 'migrations'], ['schemaRegistry: http://sr:8081\n', 'schemaRegistry']]) {
      expect(() => loadConfig({}, {}, project(yaml!))).toThrow(/ksql-migrate\.yaml:1: \w+: Invalid input: expected object, received string$/);
      expect(() => loadConfig({}, {}, project(yaml!))).toThrow(`${section}: Invalid input: expected object, received string`);
      // with the environment or a flag setting that section too
      expect(() => loadConfig({ server: 'http://flag:3' }, { KSQL_MIGRATE_SERVER: 'http://env:2', KSQL_MIGRATE_SCHEMA_REGISTRY_URL: 'http://env:3' }, project(yaml!))).toThrow(`${section}: Invalid input`);
    }
    // an empty section is no section
    expect(loadConfig({}, {}, project('server:\nmigrations:\n  dir: db\n')).server.url).toBe('http://localhost:8088');
  });

  it('a file that is no YAML is one line naming the file, the problem and where, without the excerpt the parser adds', () => {
    const dir = project('server:\n  url: [http://x\n');
    expect(() => loadConfig({}, {}, dir)).toThrow(new RegExp(`^${join(dir, 'ksql-migrate.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .+ at line \\d+, column \\d+$`));
  });

  it('refuses an unknown key, naming it and what its section takes', () => {
    // where the file has it: the file and the line, before the key
    const dir = project('server:\n  url: http://a:1\n  pasword: x\n');
    expect(() => loadConfig({}, {}, dir)).toThrow(new RegExp(`^${join(dir, 'ksql-migrate.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: server\\.pasword: unknown key \\(server takes url, username, password, `));
    expect(() => loadConfig({}, {}, project('# settings\n\nmigration:\n  dir: x\n'))).toThrow(/ksql-migrate\.yaml:3: migration: unknown key \(the top level takes server, migrations, /);
    expect(() => loadConfig({}, {}, project('variables: { A: 1 }\nlock: { waitSeconds: 1, leaseSecond: 5 }\n'))).toThrow(/ksql-migrate\.yaml:2: lock\.leaseSecond: unknown key/);
    expect(() => loadConfig({}, {}, project('lock:\n  leaseSecond: 5\n'))).toThrow('lock.leaseSecond: unknown key (lock takes leaseSeconds, waitSeconds)');
  });

  it('takes credentials out of the server URL and uses them unless given on their own', () => {
    const c = loadConfig({ server: 'https://key%40org:p%3Ass@host:8088/' }, {}, project());
    expect(c.server).toMatchObject({ url: 'https://host:8088/', username: 'key@org', password: 'p:ss' });
    expect(loadConfig({ server: 'http://u:p@host:1', username: 'other', password: 'x' }, {}, project()).server).toMatchObject({ url: 'http://host:1', username: 'other', password: 'x' });
    // an @ left in a password: the credentials end at the last one before the host, as URL parsing reads them
    expect(loadConfig({ server: 'http://user:p@ss@host:1/' }, {}, project()).server).toMatchObject({ url: 'http://host:1/', username: 'user', password: 'p@ss' });
    // encoded, a secret's / ? # are the secret's (Confluent Cloud's secrets hold / and +)
    expect(loadConfig({}, { KSQL_MIGRATE_SERVER: 'http://ABCKEY123:%2FxYz+Secret%2F9q%23@127.0.0.1:18288' }, project()).server).toMatchObject({ url: 'http://127.0.0.1:18288', username: 'ABCKEY123', password: '/xYz+Secret/9q#' });
    // an @ after a / ? or #: a secret left unencoded, or an @ in the path; either guess could make a
    // secret's end the host (printed, looked up), or send the host as credentials: refused, the URL not shown
    const refusal = 'an @ follows a / ? or # in the URL: a secret before the @ that ends the credentials takes its / ? # percent-encoded (%2F %3F %23), and an @ after the host is %40';
    for (const url of ['http://ABCKEY123:/xYz+Secret/9q@127.0.0.1:18288', 'http://alice:1234#Secret9x@h:1', 'http://localhost:8088/path@v1', 'http://localhost:8088/?email=a@b.com', 'http://[::1]:8088/a@b']) {
      expect(() => loadConfig({ server: url }, {}, project()), url).toThrow(`--server: ${refusal}`);
      expect(() => loadConfig({}, { KSQL_MIGRATE_SERVER: url }, project()), url).toThrow(`KSQL_MIGRATE_SERVER: ${refusal}`);
    }
    expect(() => loadConfig({}, {}, project('# the target\nserver:\n  url: http://k:s/x@h:1\n'))).toThrow(new RegExp(`ksql-migrate\\.yaml:3: server\\.url: an @ follows`));
    expect(() => loadConfig({}, { KSQL_MIGRATE_SCHEMA_REGISTRY_URL: 'http://k:s#x@sr:1' }, project())).toThrow('KSQL_MIGRATE_SCHEMA_REGISTRY_URL: an @ follows');
  });

  it('resolves ${env:NAME} only where no higher layer replaces the value, numbers and booleans included', () => {
    const dir = project('server:\n  url: https://cloud.example:443\n  username: ${env:KEY}\n  password: ${env:SECRET}\n  timeoutMs: ${env:TMO}\n  insecure: ${env:INS}\nlock:\n  leaseSeconds: ${env:LEASE}\n');
    const env = { TMO: '5000', INS: 'true', LEASE: '60' };
    // flags replace the credentials, --embedded the whole address: their references are never read
    expect(loadConfig({ server: 'http://127.0.0.1:1', username: 'u', password: 'p' }, env, dir).server).toMatchObject({ username: 'u', password: 'p', timeoutMs: 5000, insecure: true });
    expect(loadConfig({ embedded: true }, env, dir).lock.leaseSeconds).toBe(60);
    expect(() => loadConfig({}, env, dir)).toThrow('server.username: environment variable KEY is not set');
  });

  it('a password without a username is a configuration error naming where it was set, not ignored until a 401 says none is configured', () => {
    const dir = project('server:\n  url: http://h:1\n  password: secret-value\nschemaRegistry:\n  url: http://sr:1\n');
    const file = join(dir, 'ksql-migrate.yaml');
    expect(() => loadConfig({}, {}, dir)).toThrow(`${file}:3: server.password: is set without a username (HTTP Basic authentication sends both)`);
    expect(() => loadConfig({ username: 'u' }, {}, dir)).not.toThrow();
    // given by a flag or the environment, it is named so
    expect(() => loadConfig({ password: 'x' }, {}, project('server:\n  url: http://h:1\n'))).toThrow(/^--password: is set without a username/);
    expect(() => loadConfig({}, { KSQL_MIGRATE_PASSWORD: 'x' }, project('server:\n  url: http://h:1\n'))).toThrow(/^KSQL_MIGRATE_PASSWORD: is set without a username/);
    expect(() => loadConfig({}, { KSQL_MIGRATE_SCHEMA_REGISTRY_PASSWORD: 'x' }, project('server:\n  url: http://h:1\n'))).toThrow(/^KSQL_MIGRATE_SCHEMA_REGISTRY_PASSWORD: is set without a username/);
    const props = project('ksql.server.url=http://h:1\nksql.auth.basic.password=secret-value\n', 'ksql-migrations.properties');
    expect(() => loadConfig({}, {}, props)).toThrow(`${join(props, 'ksql-migrations.properties')}:2: ksql.auth.basic.password: is set without a username`);
    // (the value itself is never part of the message)
    try { loadConfig({}, {}, dir); } catch (e) { expect((e as Error).message).not.toContain('secret-value'); }
  });

  it('credentials in a URL belong with it: a flag\'s URL beats the file\'s username and password', () => {
    const dir = project('server:\n  url: http://h:1\n  username: bob\n  password: wrong\n');
    expect(loadConfig({ server: 'http://alice:s1@h:2' }, {}, dir).server).toMatchObject({ url: 'http://h:2', username: 'alice', password: 's1' });
    expect(loadConfig({}, { KSQL_MIGRATE_SERVER: 'http://carol:s2@h:3' }, dir).server).toMatchObject({ url: 'http://h:3', username: 'carol', password: 's2' });
    expect(loadConfig({}, {}, dir).server).toMatchObject({ username: 'bob', password: 'wrong' });
    // a URL replaced by a higher layer takes its credentials with it
    const other = loadConfig({ server: 'http://127.0.0.1:1' }, { KSQL_MIGRATE_SERVER: 'https://ENVKEY:ENVSECRET@prod.example' }, project());
    expect([other.server.url, other.server.username, other.server.password]).toEqual(['http://127.0.0.1:1', undefined, undefined]);
    // flags and the environment are taken as they are: no ${env:} in them
    expect(loadConfig({ username: 'u', password: 'ab${env:HOME}' }, { HOME: '/root' }, project()).server.password).toBe('ab${env:HOME}');
  });

  it('reads the target\'s Schema Registry (for --dry-run) from the file or the environment, credentials kept out of its URL', () => {
    expect(loadConfig({}, {}, project()).schemaRegistry).toEqual({});
    const dir = project('schemaRegistry:\n  url: https://psrc.example\n  username: ${env:SR_KEY}\n  password: ${env:SR_SECRET}\n');
    expect(loadConfig({}, { SR_KEY: 'k', SR_SECRET: 's' }, dir).schemaRegistry).toEqual({ url: 'https://psrc.example', username: 'k', password: 's' });
    // the environment's URL brings its own credentials: the file's references are not read
    expect(loadConfig({}, { KSQL_MIGRATE_SCHEMA_REGISTRY_URL: 'http://ek:es@sr:8081' }, dir).schemaRegistry).toEqual({ url: 'http://sr:8081', username: 'ek', password: 'es' });
    expect(loadConfig({}, { KSQL_MIGRATE_SCHEMA_REGISTRY_URL: 'http://sr:1', KSQL_MIGRATE_SCHEMA_REGISTRY_USERNAME: 'u', KSQL_MIGRATE_SCHEMA_REGISTRY_PASSWORD: 'p' }, project()).schemaRegistry).toEqual({ url: 'http://sr:1', username: 'u', password: 'p' });
    expect(() => loadConfig({}, {}, project('schemaRegistry:\n  url: not a url\n'))).toThrow(/ksql-migrate\.yaml:2: schemaRegistry\.url: /);
    expect(() => loadConfig({}, {}, project('schemaRegistry:\n  uri: http://x\n'))).toThrow('schemaRegistry.uri: unknown key (schemaRegistry takes url, username, password)');
  });

  it('reads the file\'s paths beside it, and a flag\'s or the environment\'s from the working directory', () => {
    const dir = project();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'ksql-migrate.yaml'), 'server:\n  caFile: ca.pem\nmigrations:\n  dir: db\n');
    const c = loadConfig({ config: 'sub/ksql-migrate.yaml' }, {}, dir);
    expect([c.server.caFile, c.migrationsDir]).toEqual([join(dir, 'sub', 'ca.pem'), join(dir, 'sub', 'db')]);
    expect(loadConfig({ config: 'sub/ksql-migrate.yaml' }, { KSQL_MIGRATE_MIGRATIONS_DIR: 'mine' }, dir).migrationsDir).toBe(join(dir, 'mine'));
    expect(() => loadConfig({ config: 'sub' }, {}, dir)).toThrow(/^--config: .*sub is a directory/);
    // the environment variable is named when it gave the path; an empty one is unset
    expect(() => loadConfig({}, { KSQL_MIGRATE_CONFIG: 'missing.yaml' }, dir)).toThrow(/^KSQL_MIGRATE_CONFIG: .*missing\.yaml does not exist$/);
    expect(() => loadConfig({}, { KSQL_MIGRATE_CONFIG: 'sub' }, dir)).toThrow(/^KSQL_MIGRATE_CONFIG: .*sub is a directory/);
    expect(loadConfig({}, { KSQL_MIGRATE_CONFIG: '' }, dir).migrationsDir).toBe(join(dir, 'migrations'));
  });

  it('takes the server\'s base URL (a proxy\'s path prefix too) but not an endpoint or a query; reads a properties file that starts with a byte order mark', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-cfg-url-'));
    expect(loadConfig({ server: 'https://proxy.example/ksqldb/' }, {}, dir).server.url).toBe('https://proxy.example/ksqldb/');
    expect(loadConfig({ server: 'https://gw.example/api/ksql/' }, {}, dir).server.url).toBe('https://gw.example/api/ksql/');
    // init reads only the migrations settings: a server setting it does not use does not stop it
    expect(loadConfig({}, { KSQL_MIGRATE_SERVER: 'http://h:8088/ksql' }, dir, { onlyMigrations: true }).migrationsDir).toBe(join(dir, 'migrations'));
    for (const url of ['http://h:8088/ksql', 'http://h:8088/query-stream', 'http://h:8088/?a=1']) {
      expect(() => loadConfig({ server: url }, {}, dir), url).toThrow("--server: expected the server's base URL, without an endpoint such as /ksql or a query");
    }
    writeFileSync(join(dir, 'ksql-migrations.properties'), '\uFEFFksql.server.url=http://bom.example:8088\n');
    expect(loadConfig({}, {}, dir).server.url).toBe('http://bom.example:8088');
  });

  it('refuses a history whose stream and table have one name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-cfg-same-'));
    writeFileSync(join(dir, 'ksql-migrate.yaml'), 'metadata:\n  stream: SAMEX\n  table: samex\n');
    expect(() => loadConfig({}, {}, dir)).toThrow('metadata.table: must differ from metadata.stream (both are SAMEX): the history needs a stream and a table');
  });

  it('refuses a variable that --define would refuse: a name that is no identifier, or two names that differ only in case', () => {
    expect(() => loadConfig({}, {}, project('variables:\n  bad-name: x\n'))).toThrow('variables.bad-name: not a variable name (letters, digits and _, not starting with a digit)');
    expect(() => loadConfig({}, {}, project('variables:\n  1st: x\n'))).toThrow(/ksql-migrate\.yaml:2: variables\.1st: not a variable name/);
    expect(() => loadConfig({}, {}, project('variables:\n  Part: x\n  PART: 2\n'))).toThrow('variables.PART: the same variable as Part (names ignore case)');
    expect(loadConfig({}, {}, project('variables:\n  _part_1: 6\n')).variables).toEqual({ _part_1: '6' });
  });

  it('names the key of a bad value', () => {
    const dir = project('server:\n  url: not a url\n');
    expect(() => loadConfig({}, {}, dir)).toThrow(/ksql-migrate\.yaml:2: server\.url: /);
    expect(() => loadConfig({}, {}, project('lock:\n  waitSeconds: 1\nserver:\n  timeoutMs: soon\n'))).toThrow(/ksql-migrate\.yaml:4: server\.timeoutMs: /);
    // a value the flag or the environment gives is named by them, with no line of the file
    expect(() => loadConfig({ server: 'nope' }, {}, project())).toThrow(/^--server: /);
    expect(() => loadConfig({}, { KSQL_MIGRATE_SERVER: 'nope' }, dir)).toThrow(/^KSQL_MIGRATE_SERVER: /);
  });

  it('takes secrets from environment references and fails on a missing one', () => {
    const dir = project('server:\n  username: ${env:KEY}\n  password: ${env:SECRET}\n');
    expect(loadConfig({}, { KEY: 'k', SECRET: 's' }, dir).server).toMatchObject({ username: 'k', password: 's' });
    expect(() => loadConfig({}, { KEY: 'k' }, dir)).toThrow(/ksql-migrate\.yaml:3: server\.password: environment variable SECRET is not set$/);
    // a key with dots of its own (a property's name) is found by its own line, not its section's
    expect(() => loadConfig({}, {}, project('server:\n  url: http://a:1\nproperties:\n  a.b: 1\n  ksql.streams.num.threads: ${env:NOPE}\n'))).toThrow(/ksql-migrate\.yaml:5: properties\.ksql\.streams\.num\.threads: environment variable NOPE is not set$/);
    // an empty one is what CI gives for a secret never set up: refused, not sent
    expect(() => loadConfig({}, { KEY: 'k', SECRET: '' }, dir)).toThrow('server.password: environment variable SECRET is empty');
    // a reference written another way is refused, not sent as the value
    for (const ref of ['${SECRET}', '${ENV:SECRET}', '${env:SECRET-X}', '${env:SECRET']) {
      expect(() => loadConfig({}, { SECRET: 's' }, project(`server:\n  username: '${ref}'\n`)), ref).toThrow(`server.username: '${ref}' is no reference ksql-migrate reads: an environment variable is written \${env:NAME} (NAME of letters, digits and _)`);
      // a password's text is not echoed: it may be a password that holds a ${
      expect(() => loadConfig({}, { SECRET: 's' }, project(`server:\n  password: '${ref}'\n`)), ref).toThrow('server.password: its value is no reference ksql-migrate reads: an environment variable is written ${env:NAME} (NAME of letters, digits and _)');
    }
    // a variable --define gives replaces the file's, whose reference then need not be set
    const vars = project('variables:\n  Partitions: ${env:NOPE}\n  other: x\n');
    // a variable whose reference is unset or empty is left out, with why: only a migration that uses it fails
    expect(loadConfig({}, {}, vars)).toMatchObject({ variables: { other: 'x' }, unsetVariables: { Partitions: 'variables.Partitions: environment variable NOPE is not set' } });
    expect(loadConfig({}, { NOPE: '' }, vars).unsetVariables).toEqual({ Partitions: 'variables.Partitions: environment variable NOPE is empty' });
    expect(loadConfig({}, { NOPE: '4' }, vars)).toMatchObject({ variables: { Partitions: '4', other: 'x' } });
    expect(loadConfig({ define: ['partitions=2'] }, {}, vars).variables).toEqual({ other: 'x' });
    expect(loadConfig({ define: ['partitions=2'] }, {}, vars).unsetVariables).toBeUndefined();
    // (a migration variable's value is SQL, where ${name} is ksqlDB's own)
    expect(loadConfig({}, {}, project("variables:\n  v: '${x}'\n")).variables).toEqual({ v: '${x}' });
  });

  it('a YAML error names its place but never quotes the file (a password may start like YAML syntax); warnings are not printed', () => {
    const secret = 'S3cr3tPa55-XYZ';
    for (const [value, what] of [[`*${secret}`, 'Unresolved alias (the anchor must be set before the alias)'], [`|${secret}`, 'Block scalar header includes extra characters at line 2, column 14']]) {
      const dir = project(`server:\n  password: ${value}\n`);
      let message = '';
      try { loadConfig({}, {}, dir); } catch (e) { message = (e as Error).message; }
      expect(message).toBe(`${join(dir, 'ksql-migrate.yaml')}: ${what}`);
      expect(message).not.toContain(secret);
    }
    const warnings: string[] = [];
    const listener = (w: Error) => { warnings.push(w.message); };
    process.on('warning', listener);
    try { expect(loadConfig({}, {}, project(`server:\n  username: u\n  password: !${secret}\n`)).server.password).toBe(''); } finally { process.off('warning', listener); }
    expect(warnings).toEqual([]);
  });

  it('names where a bad value came from, refuses a flag given empty, and keeps the file\'s registry credentials beside the environment\'s URL', () => {
    const dir = project('server:\n  url: http://file:1\nschemaRegistry:\n  url: http://sr-file:1\n  username: u\n  password: p\n');
    expect(() => loadConfig({}, { KSQL_MIGRATE_SERVER: 'localhost:8088' }, dir)).toThrow(/^KSQL_MIGRATE_SERVER: /);
    expect(() => loadConfig({}, { KSQL_MIGRATE_SCHEMA_REGISTRY_URL: 'sr:8081' }, dir)).toThrow(/^KSQL_MIGRATE_SCHEMA_REGISTRY_URL: /);
    for (const [flags, name] of [[{ server: '' }, '--server'], [{ migrationsDir: ' ' }, '--migrations-dir'], [{ password: '' }, '--password']] as const) {
      expect(() => loadConfig(flags, {}, dir)).toThrow(`${name}: expected a value, got an empty one`);
    }
    expect(loadConfig({}, { KSQL_MIGRATE_SCHEMA_REGISTRY_URL: 'http://sr-env:2' }, dir).schemaRegistry).toEqual({ url: 'http://sr-env:2', username: 'u', password: 'p' });
  });

  it('reads Confluent\'s ksql-migrations.properties', () => {
    const dir = project('ksql.server.url=http://props:9\nksql.migrations.stream.name=EVENTS2\nksql.migrations.topic.replicas=3\n', 'ksql-migrations.properties');
    const c = loadConfig({}, {}, dir);
    expect(c.server.url).toBe('http://props:9');
    expect(c.metadata).toMatchObject({ stream: 'EVENTS2', replicas: 3 });
  });

  it('reads a properties file\'s values as Java does: a ${ in one is text (a password may hold it); ${env:NAME} is still read', () => {
    const dir = project('ksql.server.url=http://props:9\nksql.auth.basic.username=u\nksql.auth.basic.password=a${b}c${\nksql.migrations.stream.name=${env:STREAM_NAME}\n', 'ksql-migrations.properties');
    const c = loadConfig({}, { STREAM_NAME: 'EVENTS3' }, dir);
    expect([c.server.password, c.metadata.stream]).toEqual(['a${b}c${', 'EVENTS3']);
    // (in ksql-migrate.yaml such a value is still refused: it is a reference written another way)
    expect(() => loadConfig({}, {}, project('server:\n  url: http://a:1\n  username: u\n  password: a${b}c\n'))).toThrow(/server\.password: its value is no reference ksql-migrate reads/);
  });

  it('keeps the history on 3 replicas on Confluent Cloud unless told otherwise, as Confluent\'s tool does; 1 elsewhere', async () => {
    const cloud = 'https://pksqlc-abc12.us-east-1.aws.confluent.cloud:443';
    expect(loadConfig({}, {}, project(`ksql.server.url=${cloud}\n`, 'ksql-migrations.properties')).metadata.replicas).toBe(3);
    expect(loadConfig({}, {}, project(`ksql.server.url=${cloud}\nksql.migrations.topic.replicas=2\n`, 'ksql-migrations.properties')).metadata.replicas).toBe(2);
    expect(loadConfig({ server: cloud }, {}, project()).metadata.replicas).toBe(3);
    expect(loadConfig({}, {}, project('ksql.server.url=http://props:9\n', 'ksql-migrations.properties')).metadata.replicas).toBe(1);
    expect(loadConfig({ server: 'https://confluent.cloud.example.com' }, {}, project()).metadata.replicas).toBe(1);
    // the file init writes leaves them to that default
    const dir = project();
    const cwd = process.cwd();
    process.chdir(dir);
    try { await runInit(); } finally { process.chdir(cwd); }
    expect([loadConfig({}, {}, dir).metadata.replicas, loadConfig({ server: cloud }, {}, dir).metadata.replicas]).toEqual([1, 3]);
  });

  it('takes ksql.migrations.dir.override from where the command runs, as the Java tool does; the default migrations/ stays beside the file', () => {
    const cwd = project();
    mkdirSync(join(cwd, 'conf'));
    writeFileSync(join(cwd, 'conf', 'ksql-migrations.properties'), 'ksql.server.url=http://props:9\nksql.migrations.dir.override=db/migrations\n');
    expect(loadConfig({ config: 'conf/ksql-migrations.properties' }, {}, cwd).migrationsDir).toBe(join(cwd, 'db/migrations'));
    writeFileSync(join(cwd, 'conf', 'other.properties'), 'ksql.server.url=http://props:9\n');
    expect(loadConfig({ config: 'conf/other.properties' }, {}, cwd).migrationsDir).toBe(join(cwd, 'conf', 'migrations'));
  });

  it('reads a file named neither .yaml nor .yml whose settings are ksql.* keys as Confluent\'s properties file (ksql-migrations --config-file prod.conf)', () => {
    const cwd = project();
    writeFileSync(join(cwd, 'prod.conf'), '# production\nksql.server.url=http://prod:8088\nksql.migrations.stream.name=EVENTS4\n');
    expect(loadConfig({ config: 'prod.conf' }, {}, cwd)).toMatchObject({ server: { url: 'http://prod:8088' }, metadata: { stream: 'EVENTS4' } });
    writeFileSync(join(cwd, 'prod.conf'), 'server:\n  url: http://yaml:8088\n');
    expect(loadConfig({ config: 'prod.conf' }, {}, cwd).server.url).toBe('http://yaml:8088');
  });

  it('needs ksql.server.url in the properties file, as Confluent\'s tool does, unless --server or KSQL_MIGRATE_SERVER gives it (or nothing needs a server)', () => {
    const dir = project('ksql.migrations.dir.override=sub/mig\n', 'ksql-migrations.properties');
    expect(() => loadConfig({}, {}, dir)).toThrow(new RegExp(`^${join(dir, 'ksql-migrations.properties').replace(/[.]/g, '\\.')}: ksql\\.server\\.url is required \\(as for Confluent's ksql-migrations\\); or give --server URL or KSQL_MIGRATE_SERVER$`));
    expect(loadConfig({ server: 'http://flag:1' }, {}, dir).server.url).toBe('http://flag:1');
    expect(loadConfig({}, { KSQL_MIGRATE_SERVER: 'http://env:2' }, dir).server.url).toBe('http://env:2');
    expect(loadConfig({ embedded: true }, {}, dir).migrationsDir).toBe(join(dir, 'sub/mig'));
    expect(loadConfig({}, {}, dir, { onlyMigrations: true }).migrationsDir).toBe(join(dir, 'sub/mig'));
  });

  it('refuses a \\u escape without four hex digits, naming its line, as Java\'s Properties.load refuses the file; escapes that are well formed, escaped backslashes and comments pass', () => {
    const load = (text: string) => () => loadConfig({}, {}, project(`ksql.server.url=http://props:9\n${text}`, 'ksql-migrations.properties'));
    expect(load('# a comment\nksql.migrations.table.name=MIGRATION_SCHEMA_VERSIONS\\u00zz\n')).toThrow(/ksql-migrations\.properties:3: a \\u escape without four hex digits after it \(Java's Properties\.load refuses the file: "Malformed \\uxxxx encoding"\)$/);
    expect(load('ksql.migrations.table.name=X\\u12\n')).toThrow(/ksql-migrations\.properties:2: a \\u escape/);
    expect(load('ksql.migrations.table.name=VERSIONS_\\u0041\n')().metadata.table).toBe('VERSIONS_A');
    // an escaped backslash before a u, and a \u in a comment, are no escapes
    expect(load('# see C:\\users\nksql.migrations.dir.override=C:\\\\users\n')().migrationsDir).toMatch(/C:\\users$/);
  });

  it('refuses Java key stores, OAuth and misspelt keys in the properties file rather than connect without them', () => {
    const load = (text: string) => () => loadConfig({}, {}, project(`ksql.server.url=http://props:9\n${text}`, 'ksql-migrations.properties'));
    expect(load('ssl.truststore.location=/etc/ts.jks\n')).toThrow(/ksql-migrations\.properties:2: ssl\.truststore\.location is not supported \(Java key stores\); for TLS use server\.caFile/);
    expect(load('bearer.auth.client.id=abc\n')).toThrow(/bearer\.auth\.client\.id is not supported \(OAuth client credentials\); ksql-migrate signs in with Basic auth: ksql\.auth\.basic\.username and ksql\.auth\.basic\.password/);
    expect(load('# replicas\nksql.migrations.topic.replicas=many\n')).toThrow(/ksql-migrations\.properties:3: ksql\.migrations\.topic\.replicas: /);
    expect(load('ksql.migrations.stream.nmae=X\n')).toThrow(/ksql-migrations\.properties:2: unknown key ksql\.migrations\.stream\.nmae \(known: ksql\.server\.url, /);
    // a line without a dot is no key: it may be a password's end that ran on to the next line, and is not echoed
    expect(load('ksql.auth.basic.password=first-half\nPwRest-8080\n')).toThrow(/ksql-migrations\.properties:3: unknown key \(every key of the file has a dot, as ksql\.server\.url; not shown, as the line may be the rest of a value, such as a password, continued without a trailing \\\)$/);
    expect(load('ssl.alpn=true\n')().server.url).toBe('http://props:9');
    // empty, they ask for nothing (the Java tool reads an empty value as its default), as a generated file leaves them
    expect(load('ssl.truststore.location=\nssl.truststore.password=\nssl.keystore.location=  \nbearer.auth.client.id=\n')().server.url).toBe('http://props:9');
    // ssl.verify.host: true is the default; false lets a certificate that does not name the host pass
    expect(load('ssl.verify.host=true\n')().server.verifyHost).toBe(true);
    expect(load('ssl.verify.host=false\n')().server.verifyHost).toBe(false);
    expect(load('# TLS\nssl.verify.host=maybe\n')).toThrow(/ksql-migrations\.properties:3: ssl\.verify\.host must be true or false$/);
    // a misspelt key is refused even with no value
    expect(load('ksql.migrations.stream.nmae=\n')).toThrow(/unknown key ksql\.migrations\.stream\.nmae/);
    // a key named like a member of every JavaScript object is a key like any other
    expect(load('constructor=1\n')).toThrow(/unknown key \(every key of the file has a dot/);
    expect(load('toString=\n')).toThrow(/unknown key \(every key of the file has a dot/);
  });

  it('an empty value in the properties file is the default, as the Java tool reads it', () => {
    const dir = project('ksql.server.url=http://props:9\nksql.migrations.dir.override=\nksql.migrations.stream.topic.name=\nksql.migrations.table.topic.name=  \n', 'ksql-migrations.properties');
    const c = loadConfig({}, {}, dir);
    expect(c.migrationsDir).toBe(join(dir, 'migrations'));
    expect([c.metadata.streamTopic, c.metadata.tableTopic]).toEqual([undefined, undefined]);
  });

  it('a configuration file that is not a mapping is refused, not ignored', () => {
    expect(() => loadConfig({}, {}, project('hello\n'))).toThrow(/ksql-migrate\.yaml: expected a mapping of settings \(server:, migrations:, \.\.\.\), got a string$/);
    expect(() => loadConfig({}, {}, project('- a\n- b\n'))).toThrow(/got a list$/);
    // an empty file, or one of comments only, holds no settings: refused rather than read as the defaults (localhost)
    expect(() => loadConfig({}, {}, project(''))).toThrow(/ksql-migrate\.yaml: holds no settings \(an empty file\); write them, or remove the file to take the defaults$/);
    expect(() => loadConfig({}, {}, project('# nothing yet\n'))).toThrow(/holds no settings/);
    expect(() => loadConfig({ config: 'ksql-migrate.yaml' }, {}, project(''))).toThrow(/^--config: .*ksql-migrate\.yaml: holds no settings/);
  });

  it('reads the properties file as Java does: escapes, whitespace separators, continuations, ! comments', () => {
    // as Properties.store writes a URL, with the password after a space and a name continued on the next line
    const dir = project('! written by Properties.store\nksql.server.url=http\\://props\\:9\nksql.auth.basic.username : alice\nksql.auth.basic.password   s3cret\nksql.migrations.stream.name=EVENTS_\\\n    TWO\n', 'ksql-migrations.properties');
    const c = loadConfig({}, {}, dir);
    expect(c.server).toMatchObject({ url: 'http://props:9', username: 'alice', password: 's3cret' });
    expect(c.metadata.stream).toBe('EVENTS_TWO');
  });
});

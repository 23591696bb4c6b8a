import { createServer } from 'node:net';
import { isAbsolute, relative, resolve } from 'node:path';
import { startLocalServer, TlsFilesError } from '../../engine/rest/server.js';
import { DataDirInUse, droppedLineWarning, JournalDamaged } from '../../engine/storage/journal.js';
import { CliError, decimalInt, EXIT, pathProblem } from '../errors.js';
import { parentAtStart } from '../parent.js';

interface ServerOptions { port: string; host: string; dataDir?: string; basicAuth?: string; tlsCert?: string; tlsKey?: string; autoOffsetReset: string; logRetentionBytes?: string; journalCompactBytes?: string; connectionsMaxIdleMs?: string; kafkaPort?: string; kafka: boolean; kafkaSaslPlain?: string; kafkaTls?: boolean; schemaRegistryPort?: string; schemaRegistry: boolean; stopWithParent: boolean }

export async function runServer(opts: ServerOptions): Promise<void> {
  const port = portFlag('--port', opts.port);
  // the credentials may come from the environment, where other users' `ps` does not show them
  const fromEnv = (flag: string, given: string | undefined, name: string): string | undefined => {
    const value = given ?? process.env[name];
    if (value !== undefined && !/^[^:]+:.+$/.test(value)) throw new CliError(`${given !== undefined ? flag : name}: expected USER:PASSWORD`, EXIT.USAGE);
    return value;
  };
  const saslGiven = opts.kafkaSaslPlain;
  opts.basicAuth = fromEnv('--basic-auth', opts.basicAuth, 'KSQL_MIGRATE_SERVER_BASIC_AUTH');
  opts.kafkaSaslPlain = fromEnv('--kafka-sasl-plain', opts.kafkaSaslPlain, 'KSQL_MIGRATE_SERVER_KAFKA_SASL_PLAIN');
  // (given empty, as `--data-dir "$DIR"` with DIR unset, it is a mistake: not a server in memory)
  if (opts.dataDir !== undefined && opts.dataDir.trim() === '') throw new CliError('--data-dir: expected a directory, got an empty value', EXIT.USAGE);
  if (!!opts.tlsCert !== !!opts.tlsKey) throw new CliError('--tls-cert and --tls-key must be given together', EXIT.USAGE);
  if (opts.kafkaTls && !opts.tlsCert) throw new CliError('--kafka-tls: give the certificate with --tls-cert and --tls-key', EXIT.USAGE);
  if (opts.kafkaTls && !opts.kafka) throw new CliError('--kafka-tls: the Kafka listener is off (--no-kafka)', EXIT.USAGE);
  const retention = opts.logRetentionBytes === undefined ? -1 : decimalInt(opts.logRetentionBytes);
  if (!Number.isInteger(retention) || (retention < 0 && retention !== -1)) throw new CliError(`--log-retention-bytes: expected a number of bytes or -1, got '${opts.logRetentionBytes}'`, EXIT.USAGE);
  const compact = opts.journalCompactBytes === undefined ? undefined : decimalInt(opts.journalCompactBytes);
  if (compact !== undefined && (!Number.isInteger(compact) || (compact < 0 && compact !== -1))) throw new CliError(`--journal-compact-bytes: expected a number of bytes or -1, got '${opts.journalCompactBytes}'`, EXIT.USAGE);
  // (a timer in Node holds at most 2^31 - 1 ms, about 24 days)
  const idleMs = opts.connectionsMaxIdleMs === undefined ? undefined : decimalInt(opts.connectionsMaxIdleMs);
  if (idleMs !== undefined && (!Number.isInteger(idleMs) || idleMs < 1 || idleMs > 2 ** 31 - 1)) throw new CliError(`--connections-max-idle-ms: expected milliseconds from 1 to 2147483647, got '${opts.connectionsMaxIdleMs}'`, EXIT.USAGE);
  // a flag for a listener that is off, or for a data dir there is none of, would be ignored: refused
  // (the credentials too, given as a flag: not from the environment, which may be set for other runs)
  const off = (flag: string, given: unknown, why: string) => { if (given !== undefined) throw new CliError(`${flag}: ${why}`, EXIT.USAGE); };
  if (!opts.kafka) for (const [flag, given] of [['--kafka-port', opts.kafkaPort], ['--kafka-sasl-plain', saslGiven], ['--connections-max-idle-ms', opts.connectionsMaxIdleMs]] as const) off(flag, given, 'the Kafka listener is off (--no-kafka)');
  if (!opts.schemaRegistry) off('--schema-registry-port', opts.schemaRegistryPort, 'the Schema Registry is off (--no-schema-registry)');
  if (opts.dataDir === undefined) off('--journal-compact-bytes', opts.journalCompactBytes, 'there is no journal without --data-dir (the server keeps its data in memory)');
  // Kafka's and Schema Registry's usual ports unless told otherwise; when something else has one,
  // the server runs without that listener and says so
  const kafkaPort = opts.kafka ? portFlag('--kafka-port', opts.kafkaPort ?? '9092') : NaN;
  const srPort = opts.schemaRegistry ? portFlag('--schema-registry-port', opts.schemaRegistryPort ?? '8081') : NaN;
  if (opts.kafka && opts.kafkaPort === undefined && !(await portFree(opts.host, kafkaPort))) {
    process.stderr.write(`warning: ${opts.host}:${kafkaPort} is taken, so the Kafka listener is off (choose one with --kafka-port)\n`);
    opts.kafka = false;
  }
  if (opts.schemaRegistry && opts.schemaRegistryPort === undefined && !(await portFree(opts.host, srPort))) {
    process.stderr.write(`warning: ${opts.host}:${srPort} is taken, so the Schema Registry is off (choose one with --schema-registry-port)\n`);
    opts.schemaRegistry = false;
  }
  // a port given that something else holds is said before the data dir is made or opened (the
  // listeners bind once the journal is read; a port taken in between is still said after it)
  for (const [flag, p, on] of [['--port', port, true], ['--kafka-port', kafkaPort, opts.kafka && opts.kafkaPort !== undefined], ['--schema-registry-port', srPort, opts.schemaRegistry && opts.schemaRegistryPort !== undefined]] as const) {
    if (on && p !== 0 && (await portInUse(opts.host, p))) throw new CliError(`${flag}: ${opts.host}:${p} is already in use`, EXIT.USAGE);
  }
  let server;
  try {
    server = await startLocalServer({
      port, host: opts.host, dataDir: opts.dataDir, basicAuth: opts.basicAuth, tlsCert: opts.tlsCert, tlsKey: opts.tlsKey,
      properties: { 'ksql.streams.auto.offset.reset': opts.autoOffsetReset }, logRetentionBytes: retention, journalCompactBytes: compact,
      kafkaPort: opts.kafka ? kafkaPort : undefined, kafkaIdleMs: idleMs, kafkaSaslPlain: opts.kafkaSaslPlain, kafkaTls: opts.kafkaTls, schemaRegistryPort: opts.schemaRegistry ? srPort : undefined,
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { listener?: string };
    const flag = err.listener === 'schema-registry' ? `--schema-registry-port: ${opts.host}:${srPort}` : err.listener === 'kafka' ? `--kafka-port: ${opts.host}:${kafkaPort}` : `--port: ${opts.host}:${port}`;
    if (err.code === 'EADDRINUSE') throw new CliError(`${flag} is already in use`, EXIT.USAGE);
    if (err.code === 'EACCES' && err.syscall === 'listen') throw new CliError(`${flag}: not allowed to listen there (ports below 1024 need privileges)`, EXIT.USAGE);
    // a host name that does not resolve, or an address this machine does not have
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EADDRNOTAVAIL') throw new CliError(`--host: cannot listen on ${opts.host} (${err.code})`, EXIT.USAGE);
    if (e instanceof TlsFilesError) throw new CliError(`--tls-cert/--tls-key: ${e.message}`, EXIT.USAGE);
    if (e instanceof DataDirInUse || e instanceof JournalDamaged) throw new CliError(`--data-dir: ${e.message}`, EXIT.USAGE);
    // (a path of the data dir, or one on its way: the directory or its parents; ENOENT there is a
    // parent that takes no directory, as /proc)
    const within = (inner: string, outer: string) => { const r = relative(resolve(outer), resolve(inner)); return !r.startsWith('..') && !isAbsolute(r); };
    const dataDirPath = opts.dataDir && err.path && (within(err.path, opts.dataDir) || within(opts.dataDir, err.path));
    const problem = err.code === 'ENOENT' ? 'cannot be created there' : pathProblem(err);
    if (dataDirPath && problem) throw new CliError(`--data-dir: ${err.path}: ${problem} (${err.code})`, EXIT.USAGE);
    throw e;
  }
  // one write, so whoever reads the first line also has the second
  if (server.droppedJournalBytes > 0) process.stderr.write(`warning: --data-dir: ${droppedLineWarning(server.droppedJournalBytes)}\n`);
  // a server on every interface is reached here by the loopback address its URL names: say it listens wider
  const everywhere = opts.host === '0.0.0.0' || opts.host === '::' ? ` (every interface: --host ${opts.host})` : '';
  process.stdout.write(`ksql-migrate local server listening on ${server.url}${everywhere}${server.kafkaBootstrap ? `, Kafka on ${server.kafkaBootstrap}` : ''}${opts.dataDir ? ` (data in ${opts.dataDir})` : ' (in memory)'}\n`
    + (server.schemaRegistryUrl ? `Schema Registry listening on ${server.schemaRegistryUrl}\n` : ''));
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => { if (stopping) return; stopping = true; clearInterval(orphanCheck); void server.close().then(resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // a server started by a script stops with it: when the parent exits we are re-parented
    // (the parent as the CLI started: one that went while the server started is gone too), unless
    // asked to keep running (a session of its own is no such request: test harnesses start servers
    // detached, in a session of their own, to stop them as a group)
    const parent = parentAtStart;
    const followParent = opts.stopWithParent && parent !== 1;
    const orphanCheck = setInterval(() => {
      if (!followParent || process.ppid === parent) return;
      process.stderr.write('ksql-migrate server: the process that started it has exited: stopping (--no-stop-with-parent keeps it running)\n');
      stop();
    }, 100);
    orphanCheck.unref();
  });
}

/** Whether `port` can be listened on at `host` (false for any failure: in use, not allowed, no such host). */
function portFree(host: string, port: number): Promise<boolean> {
  return listenProblem(host, port).then((code) => code === undefined);
}

/** Whether something else listens on `port` at `host` (other failures are said by the start itself). */
function portInUse(host: string, port: number): Promise<boolean> {
  return listenProblem(host, port).then((code) => code === 'EADDRINUSE');
}

/** Why listening on `port` at `host` fails (its error code), or undefined when it does not. */
function listenProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'unknown'));
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
}

/** A port flag's value (0 picks a free port), or a usage error naming the flag. */
function portFlag(flag: string, v: string): number {
  const port = decimalInt(v);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`${flag}: expected a port number, got '${v}'`, EXIT.USAGE);
  return port;
}

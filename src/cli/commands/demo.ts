import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalServer } from '../../engine/rest/server.js';
import { migrate } from '../../index.js';
import { KsqlClient } from '../../client/client.js';
import { kafkaClient } from '../../kafka/client.js';
import { generate, seededRandom } from '../../datagen/generators.js';
import { EventSourceRunner } from '../../lambda/runner.js';
import { startSecretsEmulator, useSecretsEmulator } from '../../lambda/secrets.js';
import { Environments, loadHandler } from '../../lambda/invoke.js';
import { BuildInterrupted, buildHandlerProject, DemoDirTaken } from '../../demo/handler-project.js';
import { DISPOSITION_TABLES, formatMinuteCounts, readMinuteCounts, settledTotal } from '../../demo/counts.js';
import { CliError, decimalInt, durationFlag, EXIT, exitWhenDone } from '../errors.js';
import { loadConfigOrExit } from '../context.js';
import { parseSeed } from './datagen.js';
import { existsSync } from 'node:fs';

interface DemoOptions { trades: string; rate: string; duration?: string; seed?: string; dir: string; migrationsDir?: string; tradesGiven?: boolean }

/**
 * `demo`: the whole application on one laptop. A local server with Kafka and Schema Registry,
 * migrations/ applied, users and trades from datagen, the scaffolded settlement Lambda through the
 * local event source mapping, and the per-minute counts per symbol and disposition: redrawn live
 * on a TTY, one final table when piped. Ctrl-C stops it cleanly.
 */
/** Records per producer send: a few hundred KB of trades. */
const SEND_RECORDS = 2000;

/** How often a batch may fail before the demo gives up on the settlement Lambda. */
const DEMO_ATTEMPTS = 3;

export async function runDemo(opts: DemoOptions): Promise<number> {
  const rate = Number(String(opts.rate).replace(/\/s$/, ''));
  if (!(rate > 0)) throw new CliError(`--rate: expected trades per second like 200 or 200/s, got '${opts.rate}'`, EXIT.USAGE);
  let trades = decimalInt(opts.trades);
  if (opts.duration !== undefined && opts.tradesGiven) throw new CliError('demo: --trades or --duration, not both', EXIT.USAGE);
  if (opts.duration !== undefined) {
    // --duration: trades at --rate for that long
    const ms = durationFlag('--duration', opts.duration, 's');
    if (ms <= 0) throw new CliError(`--duration: expected a time above zero, got '${opts.duration}'`, EXIT.USAGE);
    trades = Math.max(1, Math.round((rate * ms) / 1000));
  }
  if (!Number.isInteger(trades) || trades < 1) throw new CliError(`--trades: expected a positive integer, got '${opts.trades}'`, EXIT.USAGE);
  const seed = parseSeed(opts.seed);
  // the migrations are checked before anything is built or started
  let migrationsDir = resolve(opts.migrationsDir ?? loadConfigOrExit({}, { onlyMigrations: true }).migrationsDir);
  if (!existsSync(migrationsDir)) {
    if (opts.migrationsDir !== undefined) throw new CliError(`--migrations-dir: ${migrationsDir} does not exist`, EXIT.USAGE);
    // outside a project (no migrations/ here): the pipeline the package ships
    migrationsDir = fileURLToPath(new URL('../../../migrations/', import.meta.url));
    process.stderr.write(`no ${relative(process.cwd(), resolve('migrations')) || 'migrations'}/ here: running the pipeline ksql-migrate ships (${migrationsDir})\n`);
  }
  exitWhenDone.requested = true;
  const tty = process.stdout.isTTY === true;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Ctrl-C and SIGTERM (a terminal closed, docker stop) both stop it cleanly: the counts so far, then 130 or 143
  let stopping = false, stoppedBy = 'SIGINT' as 'SIGINT' | 'SIGTERM';
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { stopping = true; stoppedBy = signal; });

  const dir = resolve(opts.dir);
  let bundle: string;
  try { bundle = await buildHandlerProject(join(dir, 'settlement-handler'), say); } catch (e) {
    if (e instanceof DemoDirTaken) throw new CliError(`--dir: ${e.message}; give the demo a directory of its own`, EXIT.USAGE, { cause: e });
    if (e instanceof BuildInterrupted || stopping) {
      say('stopped while building the settlement handler (the next run builds it again)');
      return (e instanceof BuildInterrupted ? e.signal : stoppedBy) === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
    }
    throw new CliError(`demo: cannot build the settlement handler: ${(e as Error).message}`, EXIT.FAILED, { cause: e });
  }
  // a signal that came as the build ended: nothing more is started
  if (stopping) return stoppedBy === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
  const server = await startLocalServer({ port: 0, kafkaPort: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
  const bootstrap = server.kafkaBootstrap!;
  say(`local server ${server.url}, Kafka ${bootstrap}, Schema Registry ${server.schemaRegistryUrl}`);
  const client = new KsqlClient({ url: server.url, timeoutMs: 30_000 });
  let runner: EventSourceRunner | undefined;
  try {
    const applied = await migrate({ server: server.url, migrationsDir, defines: { partitions: '3' } });
    const failed = applied.outcomes.find((o) => o.status !== 'success');
    if (failed) throw new CliError(`demo: migration ${failed.file.version} failed: ${failed.reason}`, EXIT.FAILED);
    say(`applied ${applied.outcomes.length} migrations`);
    // the demo writes and reads the pipeline's own streams and tables: migrations that made others are named, not failed on
    const [topics, tables] = await client.ksql('SHOW TOPICS; SHOW TABLES;');
    const has = { topic: new Set(((topics?.topics ?? []) as { name: string }[]).map((t) => t.name)), table: new Set(((tables?.tables ?? []) as { name: string }[]).map((t) => t.name)) };
    const missing = [...['users', 'stocktrade', 'user_trades', 'trade-settlements'].filter((t) => !has.topic.has(t)).map((t) => `topic ${t}`),
      ...DISPOSITION_TABLES.map(([, table]) => table).filter((t) => !has.table.has(t)).map((t) => `table ${t}`)];
    if (missing.length) throw new CliError(`demo: the migrations in ${migrationsDir} do not make the pipeline the demo runs (no ${missing.join(', ')}): use those of migrations/`, EXIT.FAILED);

    // the handler reads its settings from (a local) Secrets Manager, as it does in AWS
    const secrets = await startSecretsEmulator(new Map([['demo-settlement', JSON.stringify({ bootstrapServers: bootstrap, ssl: false, schemaRegistryUrl: server.schemaRegistryUrl, outputTopic: 'trade-settlements' })]]));
    useSecretsEmulator(secrets.url);
    process.env.SETTLEMENT_CONFIG_SECRET = 'demo-settlement';
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN'; // the table is the demo's output; the handler's info logs would drown it
    // the handler's 30% inspection draws from the same seed as the trades (read when it is loaded)
    process.env.INSPECTION_SEED = String(seed);
    const { handler, name } = await loadHandler(bundle);
    const environments = new Environments(bundle, handler, name);
    const kafka = kafkaClient({ bootstrapServers: bootstrap, clientId: 'ksql-migrate-demo' });
    // a function that keeps failing (Lambda retries a batch for good) or a consumer that gives up ends
    // the demo with the reason, rather than leaving the counts waiting for settlements that never come
    let broken: string | undefined;
    runner = new EventSourceRunner({
      kafka, bootstrapServers: bootstrap, topic: 'user_trades', groupId: 'demo-settlement', batchSize: 100, batchingWindowMs: 200,
      startingPosition: 'trim-horizon', maxConcurrency: 3, eventSource: 'self-managed', invoke: (event) => environments.invoke(event),
      onEvent: (e) => {
        if (e.type === 'failed' && e.attempt >= DEMO_ATTEMPTS) broken ??= `the settlement Lambda failed ${e.attempt} times on a batch of ${e.records} records from partition ${e.partition}: ${e.error}`;
        if (e.type === 'crashed') broken ??= `the event source mapping stopped: ${e.error}`;
      },
    });
    await runner.start();

    const producer = kafka.producer();
    await producer.connect();
    const random = seededRandom(seed);
    // in sends of at most SEND_RECORDS, so a high --rate never makes a batch larger than a broker takes (1 MB)
    const send = async (kind: 'users' | 'stocktrade', from: number, n: number) => {
      for (let at = 0; at < n; at += SEND_RECORDS) {
        await producer.send({
          topic: kind, acks: -1, messages: Array.from({ length: Math.min(SEND_RECORDS, n - at) }, (_, j) => { const r = generate(kind, from + at + j, random); return { key: r.key, value: JSON.stringify(r.value) }; }),
        });
      }
    };
    await send('users', 0, 9);
    const started = Date.now();
    let sent = 0, shown = '';
    const draw = async (final: boolean) => {
      const rows = await readMinuteCounts(client);
      const text = `${formatMinuteCounts(rows)}\n${sent}/${trades} trades sent, ${settledTotal(rows)} settled${final ? '' : ' (Ctrl-C stops)'}`;
      if (tty && !final) { if (text !== shown) process.stdout.write(`\x1b[H\x1b[2J${text}\n`); shown = text; }
      return rows;
    };
    while (!stopping) {
      if (broken) throw new CliError(`demo: ${broken}`, EXIT.FAILED);
      if (sent < trades) {
        const n = Math.min(trades - sent, Math.max(1, Math.round(rate / 5)));
        await send('stocktrade', sent, n);
        sent += n;
      }
      const rows = await draw(false);
      if (sent >= trades && settledTotal(rows) >= trades) break;
      const due = started + (sent / rate) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(200, due - Date.now())));
    }
    await producer.disconnect();
    const rows = await readMinuteCounts(client);
    process.stdout.write(`${formatMinuteCounts(rows)}\n${sent} trades sent, ${settledTotal(rows)} settled${stopping ? ' (stopped)' : ''} (seed ${seed})\n`);
    await secrets.close();
    return stopping ? (stoppedBy === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED) : EXIT.OK;
  } finally {
    await runner?.stop().catch(() => undefined);
    await client.close();
    await server.close();
  }
}

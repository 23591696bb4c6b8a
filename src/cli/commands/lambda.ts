import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { kafkaClient } from '../../kafka/client.js';
import { buildKafkaEvent, sourceRecord, type EventSource, type SourceRecord } from '../../lambda/event.js';
import { Environments, HandlerLoadError, invokeHandler, loadHandler } from '../../lambda/invoke.js';
import { EventSourceRunner } from '../../lambda/runner.js';
import { startSecretsEmulator, useSecretsEmulator } from '../../lambda/secrets.js';
import { connectionFromOptions, type KafkaFlags } from '../kafka-options.js';
import { CliError, decimalInt, durationFlag, EXIT, exitWhenDone, topicFlag } from '../errors.js';

interface RunOptions extends KafkaFlags {
  handler: string; topic: string; batchSize: string; batchingWindow: string; startingPosition: string;
  maxConcurrency: string; group?: string; eventSource: string; secret: string[]; quiet?: boolean; timeout?: string; brokerTimeout?: string;
}

const positiveInt = (flag: string, v: string) => {
  const n = decimalInt(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag}: expected a positive integer, got '${v}'`, EXIT.USAGE);
  return n;
};

/** `500ms`, `2s`, `1m`, or a number of seconds, as Lambda's Timeout and MaximumBatchingWindowInSeconds count. */
const duration = (flag: string, v: string): number => durationFlag(flag, v, 's');

function eventSourceOf(v: string): EventSource {
  if (v !== 'self-managed' && v !== 'msk') throw new CliError(`--event-source: expected self-managed or msk, got '${v}'`, EXIT.USAGE);
  return v;
}

/** `--secret NAME=FILE`: the secrets a handler reads from (a local) Secrets Manager. */
async function serveSecrets(specs: string[]): Promise<(() => Promise<void>) | undefined> {
  if (specs.length === 0) return undefined;
  const secrets = new Map<string, string>();
  for (const s of specs) {
    const i = s.indexOf('=');
    // (what was given is not echoed: it may be the secret itself, given in place of its file)
    if (i <= 0) throw new CliError(`--secret: expected NAME=FILE (the secret's name, and the file that holds it), got ${i === 0 ? 'no name' : "no '='"}`, EXIT.USAGE);
    try { secrets.set(s.slice(0, i), readFileSync(s.slice(i + 1), 'utf8').trim()); } catch (e) {
      // (nor is the file's name: a secret given in its place would be shown)
      throw new CliError(`--secret ${s.slice(0, i)}: the file given cannot be read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}); NAME=FILE names the file that holds the secret, not the secret`, EXIT.USAGE);
    }
  }
  const emulator = await startSecretsEmulator(secrets);
  useSecretsEmulator(emulator.url);
  return emulator.close;
}

async function handlerOf(spec: string) {
  try { return await loadHandler(spec); } catch (e) {
    if (e instanceof HandlerLoadError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}

export async function runLambdaRun(opts: RunOptions): Promise<number> {
  const batchSize = positiveInt('--batch-size', opts.batchSize);
  if (batchSize > 10_000) throw new CliError(`--batch-size: at most 10000 records per batch, got ${batchSize}`, EXIT.USAGE);
  const maxConcurrency = positiveInt('--max-concurrency', opts.maxConcurrency);
  const windowMs = duration('--batching-window', opts.batchingWindow);
  if (windowMs > 300_000) throw new CliError(`--batching-window: Lambda allows at most 300 s, got '${opts.batchingWindow}'`, EXIT.USAGE);
  // a function behind a Kafka event source mapping may run at most 14 minutes
  const timeoutMs = duration('--timeout', opts.timeout ?? '840s');
  if (timeoutMs < 1 || timeoutMs > 840_000) throw new CliError(`--timeout: a Kafka event source mapping allows 1 ms to 840 s (14 minutes), got '${opts.timeout}'`, EXIT.USAGE);
  if (opts.startingPosition !== 'trim-horizon' && opts.startingPosition !== 'latest') throw new CliError(`--starting-position: expected trim-horizon or latest, got '${opts.startingPosition}'`, EXIT.USAGE);
  const brokerTimeoutMs = duration('--broker-timeout', opts.brokerTimeout ?? '60s');
  if (brokerTimeoutMs < 1) throw new CliError(`--broker-timeout: expected a positive duration, got '${opts.brokerTimeout}'`, EXIT.USAGE);
  const source = eventSourceOf(opts.eventSource);
  topicFlag('--topic', opts.topic);
  if (opts.group !== undefined && opts.group.trim() === '') throw new CliError('--group: expected a consumer group id', EXIT.USAGE);
  const conn = connectionFromOptions(opts);
  exitWhenDone.requested = true;
  const closeSecrets = await serveSecrets(opts.secret);
  const { handler, name, id } = await handlerOf(opts.handler);
  // concurrent invocations run in environments of their own, as in Lambda
  const environments = new Environments(opts.handler, handler, name, timeoutMs);
  const log = (line: string) => { if (!opts.quiet) process.stderr.write(`${line}\n`); };
  // a crash may come while the consumer is still joining its group, before the wait below begins
  let crashError: string | undefined;
  let crashed: ((error: string) => void) | undefined = (error) => { crashError = error; };
  const group = opts.group ?? `ksql-migrate-lambda-${name}-${id}`;
  const runner = new EventSourceRunner({
    kafka: kafkaClient({ ...conn, clientId: 'ksql-migrate-lambda' }), bootstrapServers: conn.bootstrapServers, topic: opts.topic,
    groupId: group, batchSize, batchingWindowMs: windowMs,
    startingPosition: opts.startingPosition, maxConcurrency, eventSource: source, brokerTimeoutMs,
    invoke: (event) => environments.invoke(event),
    onEvent: (e) => {
      if (e.type === 'invoked') log(`partition ${e.partition}: ${e.records} record${e.records === 1 ? '' : 's'} in ${e.ms} ms`);
      else if (e.type === 'failed') log(`partition ${e.partition}: invocation failed (attempt ${e.attempt}), batch of ${e.records} retried: ${e.error}`);
      else if (e.type === 'crashed') crashed?.(e.error);
      else if (e.type === 'retrying') log(`the consumer lost Kafka and is reconnecting: ${e.error}`);
      else log(`lag ${e.lag}: ${e.concurrency} concurrent invocation${e.concurrency === 1 ? '' : 's'}`);
    },
  });
  try { await runner.start(); } catch (e) {
    await closeSecrets?.();
    throw consumeError(opts.topic, conn.bootstrapServers, e);
  }
  log(`running ${opts.handler} on ${opts.topic} (group ${group}); Ctrl-C stops`);
  let stoppedBy: NodeJS.Signals | undefined;
  const failure = crashError ?? await new Promise<string | undefined>((resolve) => {
    const stop = (signal: NodeJS.Signals) => { stoppedBy = signal; resolve(undefined); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    crashed = (error) => resolve(error);
  });
  await runner.stop().catch(() => undefined);
  await closeSecrets?.();
  log(`stopped: ${runner.stats.invocations} invocations, ${runner.stats.records} records, ${runner.stats.failures} failed attempts`);
  // uncommitted records stay for the next run of the same group
  if (failure !== undefined) throw new CliError(`the Kafka consumer stopped: ${failure}`, EXIT.FAILED);
  // stopped by a signal, as datagen and demo: 130 (Ctrl-C) or 143 (SIGTERM)
  return stoppedBy === 'SIGTERM' ? EXIT.TERMINATED : stoppedBy === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.OK;
}

interface EventOptions extends KafkaFlags { topic: string; count: string; eventSource: string }

/** `lambda event`: a real event from the first records of a topic, for `sam local invoke -e`. */
export async function runLambdaEvent(opts: EventOptions): Promise<number> {
  const count = positiveInt('--count', opts.count);
  topicFlag('--topic', opts.topic);
  const source = eventSourceOf(opts.eventSource);
  const conn = connectionFromOptions(opts);
  const kafka = kafkaClient({ ...conn, clientId: 'ksql-migrate-lambda-event' });
  const admin = kafka.admin();
  let total: number;
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(opts.topic);
    total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } catch (e) {
    throw consumeError(opts.topic, conn.bootstrapServers, e);
  } finally { await admin.disconnect().catch(() => undefined); }
  // Lambda never invokes a function with no records: an event without any is no event to test with
  if (total === 0) throw new CliError(`--topic: ${opts.topic} has no records to build an event from`, EXIT.FAILED);
  const want = Math.min(count, total);
  const records: SourceRecord[] = [];
  if (want > 0) {
    // a throwaway group that commits nothing
    const consumer = kafka.consumer({ groupId: `ksql-migrate-event-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    let done: () => void = () => undefined, failed: (e: Error) => void = () => undefined;
    const enough = new Promise<void>((r, j) => { done = r; failed = j; });
    // a consumer that gives up (a record it cannot take, a lost broker) ends the wait with its error
    consumer.on(consumer.events.CRASH, ({ payload }) => { if (!payload.restart) failed(payload.error); });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        if (records.length >= want) return;
        records.push(sourceRecord(opts.topic, partition, m));
        if (records.length >= want) done();
      },
    });
    try { await enough; } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw new CliError(`cannot read ${opts.topic}: ${(e as Error).message.split('\n')[0]}`, EXIT.FAILED, { cause: e });
    }
    await consumer.disconnect();
  }
  records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  process.stdout.write(`${JSON.stringify(buildKafkaEvent(records, source, conn.bootstrapServers), null, 2)}\n`);
  return EXIT.OK;
}

/** A topic the cluster does not have is the user's mistake (exit 1); anything else is reaching Kafka (exit 3). */
function consumeError(topic: string, bootstrap: string, e: unknown): CliError {
  const message = (e as Error).message;
  if (/does not host this topic-partition|unknown topic/i.test(message)) return new CliError(`--topic: ${topic} does not exist on ${bootstrap}`, EXIT.FAILED, { cause: e });
  return new CliError(`cannot consume ${topic} from ${bootstrap}: ${message}`, EXIT.UNREACHABLE, { cause: e });
}

/** `lambda invoke`: one event from a file through a handler; the result is printed as JSON. */
export async function runLambdaInvoke(opts: { handler: string; event: string; secret: string[]; timeout?: string }): Promise<number> {
  let event: unknown;
  try { event = JSON.parse(readFileSync(opts.event, 'utf8')); } catch (e) {
    // (a parse error quotes the file's text, which may span lines: only its first line is kept)
    throw new CliError(`--event: cannot read ${opts.event} as JSON: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`, EXIT.USAGE);
  }
  const timeoutMs = duration('--timeout', opts.timeout ?? '900s');
  if (timeoutMs < 1 || timeoutMs > 900_000) throw new CliError(`--timeout: Lambda allows 1 ms to 900 s, got '${opts.timeout}'`, EXIT.USAGE);
  exitWhenDone.requested = true;
  const closeSecrets = await serveSecrets(opts.secret);
  // what the handler logs goes to stderr, as `sam local invoke` keeps it: stdout is the result alone,
  // so `> result.json` is JSON
  const stdoutWrite = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  let result: unknown;
  try {
    const { handler, name } = await handlerOf(opts.handler);
    result = await invokeHandler(handler, event, name, timeoutMs);
  } catch (e) {
    if (e instanceof CliError) throw e;
    // one line: the first of the message, or the thrown value as JSON when it is no Error
    const text = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
    throw new CliError(`the handler failed: ${text.split('\n')[0]}`, EXIT.FAILED, { cause: e });
  } finally {
    process.stdout.write = stdoutWrite;
    await closeSecrets?.();
  }
  process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
  return EXIT.OK;
}

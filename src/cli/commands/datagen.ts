import { kafkaClient } from '../../kafka/client.js';
import { generate, seededRandom, type DatagenKind } from '../../datagen/generators.js';
import { connectionFromOptions, type KafkaFlags } from '../kafka-options.js';
import { CliError, decimalInt, EXIT, topicFlag } from '../errors.js';

interface DatagenOptions extends KafkaFlags { count: string; rate?: string; topic?: string; seed?: string; partitions?: string; json?: boolean; quiet?: boolean }

/** Records in one produce request at most: 500 records of about 100 bytes stay far below a broker's 1 MB message limit. */
const MAX_BATCH = 500;

/** Whether a kafkajs error (or one it wraps) is the broker going out of reach, not a refusal. */
const outOfReach = (e: unknown): boolean => {
  for (let x = e as { name?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined; x; x = (x.originalError ?? x.cause) as typeof x) {
    if (/Connection|RequestTimeout/.test(x.name ?? '') || /ECONNREFUSED|ECONNRESET|EPIPE|Connection (closed|timeout)/i.test(x.message ?? '')) return true;
  }
  return false;
};

/** `datagen stocktrade|users`: Datagen-quickstart records to a Kafka topic, at a rate if asked. */
export async function runDatagen(kind: string, opts: DatagenOptions): Promise<number> {
  if (kind !== 'stocktrade' && kind !== 'users') throw new CliError(`datagen: unknown kind '${kind}' (stocktrade or users)`, EXIT.USAGE);
  const count = decimalInt(opts.count);
  if (!Number.isInteger(count) || count < 1) throw new CliError(`--count: expected a positive integer, got '${opts.count}'`, EXIT.USAGE);
  // (a decimal number, as records a second: Infinity and 0x10 are numbers to JavaScript, not rates)
  const rateText = opts.rate === undefined ? undefined : String(opts.rate).trim().replace(/\/s$/, '');
  const rate = rateText === undefined ? undefined : /^\d+(\.\d+)?$/.test(rateText) ? Number(rateText) : NaN;
  if (rate !== undefined && !(rate > 0)) throw new CliError(`--rate: expected records per second like 100 or 100/s, got '${opts.rate}'`, EXIT.USAGE);
  const seed = parseSeed(opts.seed);
  const partitions = opts.partitions === undefined ? undefined : Number(opts.partitions);
  if (partitions !== undefined && !(/^\s*\d+\s*$/.test(opts.partitions!) && partitions >= 1)) throw new CliError(`--partitions: expected a positive integer, got '${opts.partitions}'`, EXIT.USAGE);
  const topic = topicFlag('--topic', opts.topic ?? kind);
  const conn = connectionFromOptions(opts);
  const kafka = kafkaClient({ ...conn, clientId: 'ksql-migrate-datagen' });
  // a topic is never made by writing to it (a broker's auto-creation would give it its default
  // partitions, and the migrations that make it later would then fail on the count)
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  const random = seededRandom(seed);
  const tty = process.stderr.isTTY && !opts.quiet && !opts.json;
  const started = Date.now();
  let sent = 0;
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  // until the first batch goes out (connecting, making the topic) a stop has nothing to wait for
  let sending = false;
  // a pause between batches (--rate) that a stop ends at once: no batch is in flight then
  let wake: (() => void) | undefined;
  const stop = (s: 'SIGINT' | 'SIGTERM') => {
    signal ??= s;
    if (!sending) { summary(); process.exit(s === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED); }
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const summary = () => {
    const secs = (Date.now() - started) / 1000;
    // a run a signal stopped says so: it sent fewer than --count
    if (opts.json) process.stdout.write(`${JSON.stringify({ kind, topic, sent, seed, seconds: secs, ...(signal ? { stoppedBy: signal } : {}) })}\n`);
    else if (!opts.quiet) process.stdout.write(`sent ${sent} ${kind} record${sent === 1 ? '' : 's'} to ${topic} in ${secs.toFixed(1)} s (seed ${seed})${signal ? ` (stopped by ${signal})` : ''}\n`);
  };
  try {
    try { await producer.connect(); } catch (e) {
      // a listener that requires SASL or TLS closes a client that comes without it
      const hint = /closed connection/i.test((e as Error).message) && !conn.sasl ? ' (if the listener requires SASL or TLS, give --sasl-username/--sasl-password or --ssl)' : '';
      throw new CliError(`cannot reach Kafka at ${conn.bootstrapServers}: ${(e as Error).message}${hint}`, EXIT.UNREACHABLE, { cause: e });
    }
    await ensureTopic(kafka, topic, partitions, conn.bootstrapServers);
    // batches of up to 500, or what the rate allows per 100 ms
    const per = rate === undefined ? MAX_BATCH : Math.min(MAX_BATCH, Math.max(1, Math.round(rate / 10)));
    sending = true;
    while (sent < count && !signal) {
      const n = Math.min(per, count - sent);
      const messages = Array.from({ length: n }, (_, j) => {
        const r = generate(kind as DatagenKind, sent + j, random);
        return { key: r.key, value: JSON.stringify(r.value) };
      });
      try { await producer.send({ topic, acks: -1, messages }); } catch (e) {
        // what went out is told with the error, so a rerun knows where this one stopped (in --json,
        // in the one document the failure prints)
        if (tty) process.stderr.write('\n');
        if (!opts.json) summary();
        throw new CliError(`${outOfReach(e) ? `Kafka at ${conn.bootstrapServers} went out of reach` : 'Kafka refused a batch'} after ${sent} of ${count} records: ${(e as Error).message}`,
          outOfReach(e) ? EXIT.UNREACHABLE : EXIT.FAILED, { cause: e, document: { kind, topic, sent, seed } });
      }
      sent += n;
      if (tty) process.stderr.write(`\r${progress(sent, count)} ${sent}/${count} to ${topic}`);
      if (rate !== undefined && sent < count) {
        const due = started + (sent / rate) * 1000;
        // (in steps a timer takes: one longer than 2^31 - 1 ms would fire at once)
        while (!signal && due > Date.now()) {
          await new Promise<void>((r) => { const t = setTimeout(r, Math.min(due - Date.now(), 2 ** 31 - 1)); wake = () => { clearTimeout(t); r(); }; });
          wake = undefined;
        }
      }
    }
    if (tty) process.stderr.write('\n');
    summary();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await producer.disconnect().catch(() => undefined);
  }
  return signal === 'SIGINT' ? EXIT.INTERRUPTED : signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.OK;
}

/** The topic to write must exist; with --partitions a missing one is made with that many partitions. */
async function ensureTopic(kafka: ReturnType<typeof kafkaClient>, topic: string, partitions: number | undefined, bootstrap: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    if (partitions === undefined) {
      throw new CliError(`--topic: ${topic} does not exist on ${bootstrap}: apply the migrations first ('ksql-migrate up' makes the pipeline's topics with the partitions they ask for), or give --partitions N to make it`, EXIT.FAILED);
    }
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally { await admin.disconnect().catch(() => undefined); }
}

function progress(done: number, total: number): string {
  const width = 24, filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** --seed: a whole number; unset, the clock. */
export function parseSeed(v: string | undefined): number {
  if (v === undefined) return Date.now();
  const seed = decimalInt(v);
  if (!Number.isInteger(seed)) throw new CliError(`--seed: expected an integer, got '${v}'`, EXIT.USAGE);
  // beyond 2^53 two seeds would read as one number, and so repeat each other's run
  if (!Number.isSafeInteger(seed)) throw new CliError(`--seed: ${v} is beyond the integers this can repeat exactly (at most ${Number.MAX_SAFE_INTEGER} either side of 0)`, EXIT.USAGE);
  return seed;
}

// The seed's Lambda scaling experiment, scaled down: a topic of 100 partitions, batch size 1, and
// a handler that sleeps 50 ms, run through `lambda run`'s event source mapping against the local
// server's Kafka listener at max concurrency 1, 10 and 100, in one run. Reports records per second
// over the whole run and over its steady part (once the runner has scaled to its ceiling).
//
// Run: npm run build && node bench/lambda-scaling.mjs
import { cpus } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';

const DIST = new URL('../dist/', import.meta.url);
const { startLocalServer } = await import(new URL('engine/rest/server.js', DIST));
const { EventSourceRunner } = await import(new URL('lambda/runner.js', DIST));

const PARTITIONS = 100, SLEEP_MS = 50;
const server = await startLocalServer({ port: 0, kafkaPort: 0 });
const kafka = new Kafka({ clientId: 'bench', brokers: [server.kafkaBootstrap], logLevel: logLevel.NOTHING });

async function level(concurrency, records) {
  const topic = `scale-${concurrency}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < records; i += 500) {
    await producer.send({ topic, messages: Array.from({ length: Math.min(500, records - i) }, (_, j) => ({ value: `r${i + j}`, partition: (i + j) % PARTITIONS })) });
  }
  await producer.disconnect();

  let done = 0, steadyFrom = 0, steadyDone = 0;
  const runner = new EventSourceRunner({
    kafka, bootstrapServers: server.kafkaBootstrap, topic, groupId: `g-${concurrency}`, batchSize: 1, batchingWindowMs: 10,
    startingPosition: 'trim-horizon', maxConcurrency: concurrency, eventSource: 'self-managed',
    invoke: () => new Promise((r) => setTimeout(r, SLEEP_MS)),
    onEvent: (e) => { if (e.type === 'invoked') done++; },
  });
  const t0 = performance.now();
  await runner.start();
  for (;;) {
    if (!steadyFrom && runner.concurrency >= Math.min(concurrency, PARTITIONS)) { steadyFrom = performance.now(); steadyDone = done; }
    if (done >= records) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  await runner.stop();
  const steadyMs = performance.now() - steadyFrom;
  return { concurrency, records, perSec: records / (ms / 1000), steadyPerSec: (done - steadyDone) / (steadyMs / 1000), rampMs: steadyFrom - t0 };
}

try {
  const results = [await level(1, 100), await level(10, 1000), await level(100, 10000)];
  console.log(`lambda run, ${PARTITIONS} partitions, batch size 1, handler sleeps ${SLEEP_MS} ms; nproc ${cpus().length}, node ${process.version}`);
  for (const r of results) {
    console.log(`  max concurrency ${String(r.concurrency).padStart(3)}: ${r.records} records, ${r.perSec.toFixed(1)} records/s overall, ${r.steadyPerSec.toFixed(1)} records/s once scaled (ramp ${(r.rampMs / 1000).toFixed(1)} s)`);
  }
  const [one, , hundred] = results;
  console.log(`  speedup 1 -> 100: ${(hundred.steadyPerSec / one.steadyPerSec).toFixed(1)}x once scaled, ${(hundred.perSec / one.perSec).toFixed(1)}x overall (goal: 50x)`);
} finally {
  await server.close();
}

// kafkajs producing 1 KB records to the local server's Kafka listener, beside the same producer
// against librdkafka's mock cluster (rd_kafka_mock_cluster_new), in the same run. Both brokers run
// as their own processes; the producer runs here. acks=-1, batches of 100 records, one topic of
// 4 partitions, a few sends in flight (--in-flight, default 4); each target gets a warm-up round as
// large as a timed one (a broker's steady state: the JIT warm, its log filled to its retention),
// then timed rounds (--rounds, default 7), alternating targets; each figure is the median.
//
// librdkafka's mock cluster keeps about 5 MiB per partition and deletes older messages (its log
// start offset moves on, which this bench prints after the run). The local listener runs twice:
// with the same retention (--log-retention-bytes 5242880), so both brokers do the same work, and
// with its default of keeping every record.
//
// A fourth target, bench/noop-broker.mjs, is a Node process that answers the producer and keeps
// nothing (no CRC check, no log): the floor for any listener written for Node on this machine. Its
// ratio to the mock is what the runtime costs; the listener's ratio to it is what the listener does.
//
// Needs a C compiler and librdkafka-dev (apt-get install -y gcc librdkafka-dev).
// Run: npm run build && node bench/kafka-produce.mjs [--records 100000]
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './lib.mjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const SOURCE = fileURLToPath(new URL('./mock-cluster/mock-cluster.c', import.meta.url));
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i < 0 ? dflt : Number(process.argv[i + 1]); };
const RECORDS = arg('--records', 100_000), BATCH = 100, SIZE = 1024, IN_FLIGHT = arg('--in-flight', 4), ROUNDS = arg('--rounds', 7);

/** Starts a process and resolves with the first line matching `pattern`'s capture group. */
function startProcess(cmd, args, pattern) {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)));
    createInterface({ input: proc.stdout }).on('line', (line) => { const m = line.match(pattern); if (m) resolve({ proc, value: m[1] }); });
  });
}

async function startMock() {
  const dir = mkdtempSync(join(tmpdir(), 'mock-cluster-'));
  const bin = join(dir, 'mock-cluster');
  const cc = spawnSync('cc', ['-O2', '-o', bin, SOURCE, '-lrdkafka'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cannot build the mock cluster (needs gcc and librdkafka-dev): ${cc.stderr || cc.error}`);
  const { proc, value } = await startProcess(bin, ['bench'], /^(\S+:\d+)/);
  return { bootstrap: value, pid: proc.pid, stop: () => { proc.stdin.end(); proc.kill(); } };
}

/** librdkafka's mock cluster deletes a partition's oldest messages beyond 5 MiB. */
const MOCK_RETENTION = 5 * 1024 * 1024;

/** The floor for a broker written for Node: bench/noop-broker.mjs answers and keeps nothing. */
async function startNoop() {
  const { proc, value } = await startProcess(process.execPath, [fileURLToPath(new URL('./noop-broker.mjs', import.meta.url)), 'bench'], /^(\S+:\d+)/);
  return { bootstrap: value, pid: proc.pid, stop: () => { proc.stdin.end(); proc.kill(); } };
}

async function startLocal(extraArgs = []) {
  const kport = await freePort(), port = await freePort();
  const { proc } = await startProcess(process.execPath, [CLI, 'server', '--port', String(port), '--kafka-port', String(kport), '--no-schema-registry', ...extraArgs], /(listening)/);
  return { bootstrap: `127.0.0.1:${kport}`, pid: proc.pid, stop: () => proc.kill() };
}

/** A process's user + system CPU time in ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * (1000 / 100);
  } catch { return NaN; }
}

async function produceRun(bootstrap, topic, n) {
  const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(SIZE, 0x61);
  const t0 = performance.now();
  // IN_FLIGHT sends at a time, as an application producing steadily keeps several requests open
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next; next += BATCH;
      const messages = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) messages.push({ key: `k${j}`, value });
      await producer.send({ topic, acks: -1, messages });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const ms = performance.now() - t0;
  await producer.disconnect();
  return ms;
}

async function prepare(bootstrap, topic) {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

/** Each partition's log start and end offsets. */
async function offsets(bootstrap, topic) {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try { return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => `${p.low}-${p.high}`).join(' '); } finally { await admin.disconnect(); }
}

const targets = {
  local: await startLocal(['--log-retention-bytes', String(MOCK_RETENTION)]),
  keepAll: await startLocal(),
  noop: await startNoop(),
  mock: await startMock(),
};
const LABELS = { local: 'local listener', keepAll: 'local, keep all', noop: 'Node floor', mock: 'librdkafka mock' };
try {
  await prepare(targets.local.bootstrap, 'bench');
  await prepare(targets.keepAll.bootstrap, 'bench');
  for (const t of Object.values(targets)) await produceRun(t.bootstrap, 'bench', RECORDS);
  const times = { local: [], keepAll: [], noop: [], mock: [] }, brokerCpu = { local: 0, keepAll: 0, noop: 0, mock: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, t] of Object.entries(targets)) {
      const c0 = cpuMs(t.pid);
      times[name].push(await produceRun(t.bootstrap, 'bench', RECORDS));
      brokerCpu[name] += cpuMs(t.pid) - c0;
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const report = (name) => {
    const ms = median(times[name]);
    return { ms, perSec: RECORDS / (ms / 1000), mbPerSec: (RECORDS * SIZE) / 2 ** 20 / (ms / 1000) };
  };
  const r = Object.fromEntries(Object.keys(targets).map((name) => [name, report(name)]));
  console.log(`kafkajs, ${RECORDS} records of ${SIZE} B, acks=-1, batches of ${BATCH}, ${IN_FLIGHT} sends in flight; nproc ${cpus().length}, node ${process.version}`);
  // both brokers share the machine's cores with the client: what each costs per produce request
  const perRequest = (name) => (brokerCpu[name] / (ROUNDS * Math.ceil(RECORDS / BATCH))).toFixed(3);
  for (const name of Object.keys(targets)) {
    console.log(`  ${LABELS[name].padEnd(16)} ${Math.round(r[name].perSec).toLocaleString('en')} records/s, ${r[name].mbPerSec.toFixed(1)} MB/s (median of ${times[name].map((x) => (x / 1000).toFixed(2)).join(', ')} s); broker cpu ${perRequest(name)} ms per request`);
  }
  console.log(`  local / mock: ${(r.local.perSec / r.mock.perSec).toFixed(2)}x the mock cluster's throughput, both keeping 5 MiB per partition (keeping every record: ${(r.keepAll.perSec / r.mock.perSec).toFixed(2)}x)`);
  // each round runs the targets back to back: a round's ratio compares runs that saw the same machine
  const paired = times.local.map((ms, i) => times.mock[i] / ms);
  console.log(`  local / mock by round: ${paired.map((x) => x.toFixed(2)).join(', ')}; median ${median(paired).toFixed(2)}x`);
  console.log(`  Node floor / mock: ${(r.noop.perSec / r.mock.perSec).toFixed(2)}x (a Node process that answers and keeps nothing); local / Node floor: ${(r.local.perSec / r.noop.perSec).toFixed(2)}x`);
  for (const name of ['local', 'mock']) console.log(`  ${LABELS[name]} log start-end offsets after the run, by partition: ${await offsets(targets[name].bootstrap, 'bench')}`);
} finally {
  for (const t of Object.values(targets)) t.stop();
}

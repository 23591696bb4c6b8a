// kafkajs producing 1 KB records to the local server's Kafka listener, beside the same producer
// against librdkafka's mock cluster (rd_kafka_mock_cluster_new), in the same run. Both brokers run
// as their own processes; the producer runs here. acks=-1, batches of 100 records, one topic of
// 4 partitions, a few sends in flight (--in-flight, default 4); each target gets a warm-up, then
// three timed rounds, alternating targets.
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
const RECORDS = arg('--records', 100_000), BATCH = 100, SIZE = 1024, IN_FLIGHT = arg('--in-flight', 4);

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

async function startLocal() {
  const kport = await freePort(), port = await freePort();
  const { proc } = await startProcess(process.execPath, [CLI, 'server', '--port', String(port), '--kafka-port', String(kport), '--no-schema-registry'], /(listening)/);
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

const targets = { local: await startLocal(), mock: await startMock() };
try {
  await prepare(targets.local.bootstrap, 'bench');
  for (const t of Object.values(targets)) await produceRun(t.bootstrap, 'bench', 2_000);
  const times = { local: [], mock: [] }, brokerCpu = { local: 0, mock: 0 };
  for (let round = 0; round < 3; round++) {
    for (const [name, t] of Object.entries(targets)) {
      const c0 = cpuMs(t.pid);
      times[name].push(await produceRun(t.bootstrap, 'bench', RECORDS));
      brokerCpu[name] += cpuMs(t.pid) - c0;
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[1];
  const report = (name) => {
    const ms = median(times[name]);
    return { ms, perSec: RECORDS / (ms / 1000), mbPerSec: (RECORDS * SIZE) / 2 ** 20 / (ms / 1000) };
  };
  const local = report('local'), mock = report('mock');
  console.log(`kafkajs, ${RECORDS} records of ${SIZE} B, acks=-1, batches of ${BATCH}, ${IN_FLIGHT} sends in flight; nproc ${cpus().length}, node ${process.version}`);
  for (const [name, r] of [['local listener', local], ['librdkafka mock', mock]]) {
    console.log(`  ${name.padEnd(16)} ${Math.round(r.perSec).toLocaleString('en')} records/s, ${r.mbPerSec.toFixed(1)} MB/s (median of ${times[name === 'local listener' ? 'local' : 'mock'].map((x) => (x / 1000).toFixed(2)).join(', ')} s)`);
  }
  console.log(`  local / mock: ${(local.perSec / mock.perSec).toFixed(2)}x the mock cluster's throughput`);
  // both brokers share the machine's cores with the client: what each costs per produce request
  const perRequest = (name) => (brokerCpu[name] / (3 * Math.ceil(RECORDS / BATCH))).toFixed(3);
  console.log(`  broker cpu per request (user + system): local listener ${perRequest('local')} ms, librdkafka mock ${perRequest('mock')} ms`);
} finally {
  for (const t of Object.values(targets)) t.stop();
}

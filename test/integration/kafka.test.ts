import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import * as snappy from 'snappy';
import * as lz4 from 'lz4-napi';
import { frameTradeSettlement, TRADE_SETTLEMENT_PROTO } from '../helpers/trade-settlement.js';
import { Reader, Writer } from '../../src/engine/kafka/wire.js';
import { encodeBatch } from '../../src/engine/kafka/record-batch.js';
import { decompress } from '../../src/engine/kafka/compression.js';
import { crc32c } from '@node-rs/crc32';
import { ksql, queryStream } from '../helpers/server.js';
import { CLI, freePort, retryOnPortClash, startServerProcess, type Running } from '../helpers/server.js';

const require = createRequire(import.meta.url);
const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

async function serverWithKafka(extra: string[] = []): Promise<{ server: Running; brokers: string[] }> {
  return retryOnPortClash(async () => {
    const kport = await freePort();
    const server = await startServerProcess(['--kafka-port', String(kport), '--auto-offset-reset', 'earliest', ...extra], { tls: extra.includes('--tls-cert') });
    return { server, brokers: [`127.0.0.1:${kport}`] };
  });
}

const client = (brokers: string[], id = 'test') => new Kafka({ clientId: id, brokers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });

/** Waits (on a condition, with a deadline) until `done` holds. */
async function until(done: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A consumer of the group, subscribed to the topic from its beginning and running, once it has joined. */
async function joinedConsumer(kafka: Kafka, groupId: string, topic: string, maxWaitTimeInMs: number): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  await until(() => joined, 'the consumer to join');
  return consumer;
}

/** The values of a topic's records, read from the beginning by a new consumer group until there are `n`. */
async function consumeValues(kafka: Kafka, topic: string, groupId: string, n: number): Promise<string[]> {
  const got: string[] = [];
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { got.push(message.value!.toString()); } });
  await until(() => got.length >= n, `${n} records of ${topic}`);
  await consumer.disconnect();
  return got;
}

/** Sends frames one at a time on one connection; resolves each with the response frame's payload. */
async function rawClient(broker: string) {
  const [host, port] = broker.split(':') as [string, string];
  const s = connect(Number(port), host);
  await once(s, 'connect');
  let buf = Buffer.alloc(0), closed = false;
  const waiting: ((b: Buffer | null) => void)[] = [];
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const n = buf.readInt32BE(0);
      waiting.shift()?.(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
    }
  });
  s.on('error', () => undefined);
  s.on('close', () => { closed = true; for (const w of waiting.splice(0)) w(null); });
  return {
    send(payload: Buffer): Promise<Buffer | null> {
      if (closed) return Promise.resolve(null);
      const head = Buffer.alloc(4); head.writeInt32BE(payload.length);
      s.write(Buffer.concat([head, payload]));
      return new Promise((resolve) => waiting.push(resolve));
    },
    /** A request that gets no answer (a Produce with acks=0). */
    post(payload: Buffer): void {
      const head = Buffer.alloc(4); head.writeInt32BE(payload.length);
      s.write(Buffer.concat([head, payload]));
    },
    close: () => s.destroy(),
  };
}
const request = (key: number, version: number, correlationId: number, body: Buffer, flexible = false) =>
  Buffer.concat([new Writer().int16(key).int16(version).int32(correlationId).nullableString('raw').toBuffer(), flexible ? Buffer.from([0]) : Buffer.alloc(0), body]);
const plainToken = (user: string, password: string) => Buffer.from(`\u0000${user}\u0000${password}`);

describe('the Kafka listener on every address (--host 0.0.0.0)', () => {
  it('names the broker by the address a client reached, never 0.0.0.0, and a group member by the address it connects from; its start line says it listens on every interface; the Schema Registry is named by the loopback address too', async () => {
    const { server, brokers } = await serverWithKafka(['--host', '0.0.0.0']);
    try {
      const said = await server.outputMatching(/Schema Registry listening on/);
      expect(said).toMatch(new RegExp(`^ksql-migrate local server listening on ${server.url.replaceAll('.', '\\.')} \\(every interface: --host 0\\.0\\.0\\.0\\), Kafka on ${brokers[0]!.replaceAll('.', '\\.')} \\(in memory\\)$`, 'm'));
      const registry = /Schema Registry listening on (\S+)$/m.exec(said)![1]!;
      expect(registry).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const shown = (await ksql(server.url, 'SHOW PROPERTIES;')).body[0].properties as { name: string; value: string }[];
      expect(shown.find((x) => x.name === 'ksql.schema.registry.url')?.value).toBe(registry);
      expect((await fetch(`${registry}/subjects`)).status).toBe(200);
      // (127.0.0.2 is the machine too, on any Linux: the broker is named by it, not by 127.0.0.1)
      const port = Number(brokers[0]!.split(':')[1]);
      const kafka = client([`127.0.0.2:${port}`]);
      const admin = kafka.admin();
      await admin.connect();
      expect((await admin.describeCluster()).brokers).toEqual([{ nodeId: 1, host: '127.0.0.2', port }]);
      await admin.createTopics({ topics: [{ topic: 'hosts', numPartitions: 1 }] });
      const consumer = await joinedConsumer(kafka, 'hosts-g', 'hosts', 100);
      const { groups } = await admin.describeGroups(['hosts-g']);
      expect(groups[0]!.members.map((m) => m.clientHost)).toEqual(['/127.0.0.1']);
      await consumer.disconnect();
      await admin.disconnect();
    } finally { await server.stop(); }
  });
});

describe('the Kafka listener with kafkajs', () => {
  let server: Running, brokers: string[];
  beforeAll(async () => { ({ server, brokers } = await serverWithKafka()); });
  afterAll(async () => { await server.stop(); });

  it('admin creates, lists and deletes topics; a second create is TOPIC_ALREADY_EXISTS', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true })).toBe(true);
      expect(await admin.listTopics()).toContain('orders');
      const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
      expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      await expect(admin.createTopics({ topics: [{ topic: 'orders' }] })).resolves.toBe(false);
      const bad = await admin.createTopics({ topics: [{ topic: 'bad name!' }] }).catch((e: { errors?: { type: string }[] }) => e);
      expect((bad as { errors: { type: string }[] }).errors.map((e) => e.type)).toEqual(['INVALID_TOPIC_EXCEPTION']);
      await admin.deleteTopics({ topics: ['orders'] });
      expect(await admin.listTopics()).not.toContain('orders');
    } finally { await admin.disconnect(); }
  });

  it('refuses a topic whose name differs from an existing one only by . and _, as Kafka does', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'fold.me' }] })).toBe(true);
      const clash = await admin.createTopics({ topics: [{ topic: 'fold_me' }] }).catch((e: { errors?: { type: string }[] }) => e);
      expect((clash as { errors: { type: string }[] }).errors.map((e) => e.type)).toEqual(['INVALID_TOPIC_EXCEPTION']);
      expect(await admin.listTopics()).not.toContain('fold_me');
      // nor is one made on first use, by a producer's metadata request, or by a ksqlDB statement
      const producer = client(brokers).producer();
      await producer.connect();
      try {
        await expect(producer.send({ topic: 'fold_me', messages: [{ value: 'x' }] })).rejects.toThrow();
      } finally { await producer.disconnect(); }
      const stmt = await ksql(server.url, "CREATE STREAM FOLDED (A INT) WITH (KAFKA_TOPIC='fold_me', VALUE_FORMAT='JSON', PARTITIONS=1);");
      expect([stmt.status, stmt.body.message]).toEqual([400, "Topic 'fold_me' collides with existing topic: fold.me"]);
      const csas = await ksql(server.url, "CREATE STREAM FOLD_SRC (A INT) WITH (KAFKA_TOPIC='fold.me', VALUE_FORMAT='JSON');CREATE STREAM FOLD_OUT WITH (KAFKA_TOPIC='fold_me') AS SELECT * FROM FOLD_SRC;");
      expect([csas.status, csas.body.message]).toEqual([400, "Topic 'fold_me' collides with existing topic: fold.me"]);
      expect(await admin.listTopics()).not.toContain('fold_me');
    } finally { await admin.disconnect(); }
  });

  it('a commit without metadata reads back as "" on the wire, and so does a partition nothing was committed for', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'meta', numPartitions: 2 }] });
      // kafkajs commits with null metadata (and shows "" as null), so the answer is read off the wire
      await admin.setOffsets({ groupId: 'meta-g', topic: 'meta', partitions: [{ partition: 0, offset: '5' }] });
    } finally { await admin.disconnect(); }
    const c = await rawClient(brokers[0]!);
    try {
      const body = new Writer().string('meta-g').array(['meta'], (w, t) => w.string(t).array([0, 1], (x, p) => x.int32(p))).toBuffer();
      const r = new Reader((await c.send(request(9, 1, 5, body)))!);
      expect(r.int32()).toBe(5);
      const topics = r.array((t) => ({ name: t.string(), partitions: t.array((x) => ({ index: x.int32(), offset: x.int64(), metadata: x.nullableString(), error: x.int16() })) }));
      expect(topics).toEqual([{ name: 'meta', partitions: [{ index: 0, offset: 5n, metadata: '', error: 0 }, { index: 1, offset: -1n, metadata: '', error: 0 }] }]);
    } finally { c.close(); }
  });

  it('OffsetDelete (KIP-496) drops a group\'s offsets of topics its members do not subscribe to; an unknown group or topic is named as Kafka names it', async () => {
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    const c = await rawClient(brokers[0]!);
    // OffsetDelete v0: group, [topic, [partition]] -> error, throttle, [topic, [partition, error]]
    const offsetDelete = async (id: number, group: string, topics: [string, number[]][]) => {
      const r = new Reader((await c.send(request(47, 0, id, new Writer().string(group).array(topics, (w, [t, ps]) => w.string(t).array(ps, (x, p) => x.int32(p))).toBuffer())))!);
      expect(r.int32()).toBe(id);
      return { error: r.int16(), throttle: r.int32(), topics: r.array((t) => [t.string(), t.array((x) => [x.int32(), x.int16()])]) };
    };
    try {
      await admin.createTopics({ topics: [{ topic: 'od-a', numPartitions: 2 }, { topic: 'od-b', numPartitions: 1 }] });
      for (const topic of ['od-a', 'od-b']) await admin.setOffsets({ groupId: 'od-g', topic, partitions: [{ partition: 0, offset: '3' }] });
      await admin.setOffsets({ groupId: 'od-g', topic: 'od-a', partitions: [{ partition: 1, offset: '4' }] });
      // an empty group: the offsets asked for go, the others stay
      expect(await offsetDelete(1, 'od-g', [['od-a', [1, 7]], ['nosuch', [0]]])).toEqual({ error: 0, throttle: 0, topics: [['od-a', [[1, 0], [7, 3]]], ['nosuch', [[0, 3]]]] });
      expect((await admin.fetchOffsets({ groupId: 'od-g', topics: ['od-a'] }))[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual(['3', '-1']);
      // a member subscribed to od-a: its offsets are kept (GROUP_SUBSCRIBED_TO_TOPIC), od-b's go
      const consumer = await joinedConsumer(kafka, 'od-g', 'od-a', 100);
      try {
        expect(await offsetDelete(2, 'od-g', [['od-a', [0]], ['od-b', [0]]])).toEqual({ error: 0, throttle: 0, topics: [['od-a', [[0, 86]]], ['od-b', [[0, 0]]]] });
      } finally { await consumer.disconnect(); }
      expect((await admin.fetchOffsets({ groupId: 'od-g', topics: ['od-b'] }))[0]!.partitions[0]!.offset).toBe('-1');
      expect(await offsetDelete(3, 'no-such-group', [['od-a', [0]]])).toEqual({ error: 69, throttle: 0, topics: [] });
    } finally { c.close(); await admin.disconnect(); }
  });

  it("a persistent query's consumer group shows to Kafka tools as ksqlDB's does: stable, one Kafka Streams member, its offsets the query's position", async () => {
    const r = await ksql(server.url, `CREATE STREAM QG_IN (K STRING KEY, V INT) WITH (kafka_topic='qg-in', value_format='JSON', partitions=2);
CREATE STREAM QG_OUT AS SELECT K, V * 2 AS W FROM QG_IN;
INSERT INTO QG_IN (K, V) VALUES ('a', 1); INSERT INTO QG_IN (K, V) VALUES ('b', 2); INSERT INTO QG_IN (K, V) VALUES ('c', 3);`);
    expect(r.status).toBe(200);
    const queryId = (r.body as { commandStatus?: { queryId?: string } }[]).map((e) => e.commandStatus?.queryId).find(Boolean)!;
    const groupId = `_confluent-ksql-default_query_${queryId}`;
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect((await admin.listGroups()).groups).toContainEqual({ groupId, protocolType: 'consumer' });
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer', protocol: 'stream' });
      expect(groups[0]!.members).toHaveLength(1);
      expect(groups[0]!.members[0]!.clientId).toMatch(new RegExp(`^${groupId}-[0-9a-f-]{36}-StreamThread-1-consumer$`));
      // the committed offsets are the query's position: it has read every record, so the lag is 0
      const ends = await admin.fetchTopicOffsets('qg-in');
      const committed = (await admin.fetchOffsets({ groupId, topics: ['qg-in'] }))[0]!.partitions;
      expect(committed.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual(ends.sort((a, b) => a.partition - b.partition).map((p) => p.high));
      expect(ends.reduce((n, p) => n + Number(p.high), 0)).toBe(3);
      // it is the query's: no plain consumer joins it, and it is not deleted under the query
      const joining = kafka.consumer({ groupId, retry: { retries: 0 } });
      await joining.connect();
      await joining.subscribe({ topic: 'qg-in' });
      const failed = new Promise<string>((resolve) => { joining.on(joining.events.CRASH, (e) => resolve(String((e.payload.error as { type?: string }).type))); });
      void joining.run({ eachMessage: async () => undefined }).catch(() => undefined);
      expect(await failed).toBe('INCONSISTENT_GROUP_PROTOCOL');
      await joining.disconnect();
      await expect(admin.deleteGroups([groupId])).rejects.toThrow();
      // its group is fixed when it starts, as Kafka Streams' application.id: a later service id does not rename it
      expect((await ksql(server.url, "ALTER SYSTEM 'ksql.service.id'='custom_';")).status).toBe(200);
      try {
        expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(groupId);
      } finally { await ksql(server.url, "ALTER SYSTEM 'ksql.service.id'='default_';"); }
      // a terminated query's group is gone
      expect((await ksql(server.url, `TERMINATE ${queryId};`)).status).toBe(200);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
    } finally { await admin.disconnect(); }
  });

  it('answers a SASL handshake with ILLEGAL_SASL_STATE when it runs without SASL, as a plaintext listener does', async () => {
    const c = await rawClient(brokers[0]!);
    try {
      const hs = new Reader((await c.send(request(17, 1, 7, new Writer().string('PLAIN').toBuffer())))!);
      expect([hs.int32(), hs.int16(), hs.int32()]).toEqual([7, 34, 0]);
      // the connection still serves
      expect(new Reader((await c.send(request(3, 1, 8, new Writer().int32(-1).toBuffer())))!).int32()).toBe(8);
    } finally { c.close(); }
  });

  it('an acks=0 Produce that fails closes the connection (the producer\'s one signal); one that succeeds does not. CreateTopics naming a topic twice creates neither', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try { await admin.createTopics({ topics: [{ topic: 'acks0', numPartitions: 1 }] }); } finally { await admin.disconnect(); }
    const records = encodeBatch([{ offset: 0, timestamp: Date.now(), key: null, value: Buffer.from('v'), headers: [] }]);
    const produce = (partition: number, correlationId: number) => request(0, 3, correlationId, new Writer().nullableString(null).int16(0).int32(1000)
      .array(['acks0'], (w, t) => w.string(t).array([partition], (x, p) => x.int32(p).bytes(records))).toBuffer());
    const metadata = (id: number) => request(3, 1, id, new Writer().int32(-1).toBuffer());
    const c = await rawClient(brokers[0]!);
    try {
      // fire and forget to partition 0: no answer; the connection still serves
      c.post(produce(0, 1));
      expect(new Reader((await c.send(metadata(2)))!).int32()).toBe(2);
      // to a partition the topic does not have: the connection is closed
      c.post(produce(9, 3));
      expect(await c.send(metadata(4))).toBeNull();
    } finally { c.close(); }
    const d = await rawClient(brokers[0]!);
    try {
      const create = new Writer().array(['dup-ct', 'dup-ct'], (w, t) => w.string(t).int32(1).int16(1).array([], () => undefined).array([], () => undefined)).int32(5000).bool(false).toBuffer();
      const r = new Reader((await d.send(request(19, 2, 5, create)))!);
      expect(r.int32()).toBe(5);
      r.int32(); // throttle
      const answers = Array.from({ length: r.int32() }, () => [r.string(), r.int16(), r.nullableString()]);
      expect(answers).toEqual([['dup-ct', 42, 'Duplicate topic name.'], ['dup-ct', 42, 'Duplicate topic name.']]);
    } finally { d.close(); }
    const check = client(brokers).admin();
    await check.connect();
    try { expect(await check.listTopics()).not.toContain('dup-ct'); } finally { await check.disconnect(); }
  });

  it('CreateTopics applies cleanup.policy and retention.bytes, refuses bad ones and too many partitions; the broker\'s own topic is not the clients\'', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'cfg1', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.bytes', value: '1000' }] }] })).toBe(true);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'cfg1' }] });
      const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      expect([entries['cleanup.policy'], entries['retention.bytes']]).toEqual(['compact', '1000']);
      const bad = await admin.createTopics({ topics: [{ topic: 'cfg2', configEntries: [{ name: 'cleanup.policy', value: 'bogus' }] }] }).catch((e: { errors?: { type: string }[] }) => e);
      expect((bad as { errors: { type: string }[] }).errors.map((e) => e.type)).toEqual(['INVALID_CONFIG']);
      const huge = await admin.createTopics({ topics: [{ topic: 'huge', numPartitions: 2_000_000_000 }] }).catch((e: { errors?: { type: string }[] }) => e);
      expect((huge as { errors: { type: string }[] }).errors.map((e) => e.type)).toEqual(['INVALID_PARTITIONS']);
      const del = await admin.deleteTopics({ topics: ['__consumer_offsets'] }).catch((e: Error) => e);
      expect(del).toBeInstanceOf(Error);
      expect(await admin.listTopics()).toContain('__consumer_offsets');
      const producer = client(brokers).producer({ retry: { retries: 0 } });
      await producer.connect();
      await expect(producer.send({ topic: '__consumer_offsets', messages: [{ value: 'garbage' }] })).rejects.toThrow();
      await producer.disconnect();
      expect((await fetch(`${server.url}/healthcheck`)).status).toBe(200);
    } finally { await admin.disconnect(); }
  });

  it("sink topics get ksqlDB's cleanup policy and retention: a stream deletes with its source's retention, a table compacts, a windowed table does both and keeps the larger of the source's retention and the window's RETENTION", async () => {
    expect((await ksql(server.url, "CREATE STREAM WSRC (ID VARCHAR KEY, V INT) WITH (kafka_topic='wsrc', value_format='JSON', partitions=1); "
      + 'CREATE STREAM WS_COPY AS SELECT * FROM WSRC; CREATE TABLE WS_ALL AS SELECT ID, COUNT(*) AS C FROM WSRC GROUP BY ID; '
      + 'CREATE TABLE WS_TEN AS SELECT ID, COUNT(*) AS C FROM WSRC WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 10 DAYS) GROUP BY ID; '
      + 'CREATE TABLE WS_SESSION AS SELECT ID, COUNT(*) AS C FROM WSRC WINDOW SESSION (30 SECONDS) GROUP BY ID; '
      + 'CREATE TABLE WS_HOUR AS SELECT ID, COUNT(*) AS C FROM WSRC WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 1 HOUR, GRACE PERIOD 0 SECONDS) GROUP BY ID; '
      // RETENTION_MS in the WITH clause comes before the source's retention
      + 'CREATE STREAM WS_RET WITH (RETENTION_MS=3600000) AS SELECT * FROM WSRC; '
      + 'CREATE TABLE WS_RET_TWO_DAYS WITH (RETENTION_MS=3600000) AS SELECT ID, COUNT(*) AS C FROM WSRC WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 DAYS) GROUP BY ID;')).status).toBe(200);
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      const names = ['WS_COPY', 'WS_ALL', 'WS_TEN', 'WS_SESSION', 'WS_HOUR', 'WS_RET', 'WS_RET_TWO_DAYS'];
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: 2, name })) });
      const configs = Object.fromEntries(described.resources.map((r) => {
        const e = Object.fromEntries(r.configEntries.map((c) => [c.configName, c.configValue]));
        return [r.resourceName, [e['cleanup.policy'], e['retention.ms']]];
      }));
      expect(configs).toEqual({
        WS_COPY: ['delete', '604800000'], WS_ALL: ['compact', '604800000'], WS_TEN: ['compact,delete', '864000000'],
        WS_SESSION: ['compact,delete', '604800000'], WS_HOUR: ['compact,delete', '604800000'],
        WS_RET: ['delete', '3600000'], WS_RET_TWO_DAYS: ['compact,delete', '172800000'],
      });
      const stored = (await ksql(server.url, 'DESCRIBE WS_RET;')).body[0].sourceDescription.statement as string;
      expect(stored).toContain('RETENTION_MS=3600000');
    } finally { await admin.disconnect(); }
  });

  it('topic configs as a broker has them: every one checked, set ones reported as set, a replica assignment gives the partitions; max.message.bytes limits a batch; an illegal name is not retried', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'cfg3', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '1000' }, { name: 'max.message.bytes', value: '2000000' }] }] })).toBe(true);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'cfg3' }] });
      const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, [e.configValue, e.isDefault, e.configSource]]));
      expect(entries['retention.ms']).toEqual(['1000', false, 1]);
      expect(entries['cleanup.policy']).toEqual(['compact', false, 1]);
      expect(entries['segment.bytes']).toEqual(['1073741824', true, 5]);
      // types, names (an object's own built-in properties are no configs) and the bounds a broker's ConfigDef checks
      const refused = [['retention.ms', 'abc'], ['no.such.config', '1'], ['max.message.bytes', '99999999999'], ['constructor', '1'], ['toString', 'x'],
        ['max.message.bytes', '-5'], ['min.insync.replicas', '0'], ['retention.ms', '-9'], ['segment.bytes', '1'], ['min.cleanable.dirty.ratio', '7']];
      for (const [name, value] of refused) {
        const bad = await admin.createTopics({ topics: [{ topic: 'cfg4', configEntries: [{ name: name!, value: value! }] }] }).catch((e: { errors?: { type: string }[] }) => e);
        expect((bad as { errors: { type: string }[] }).errors.map((e) => e.type), `${name}=${value}`).toEqual(['INVALID_CONFIG']);
      }
      expect(await admin.createTopics({ topics: [{ topic: 'cfg5', configEntries: [{ name: 'retention.ms', value: '-1' }, { name: 'min.cleanable.dirty.ratio', value: '1' }] }] })).toBe(true);
      // a broker id that is not this broker's is refused
      // (kafkajs looks a broker up itself before asking: a raw DescribeConfigs v1 asks for broker 77)
      const raw = await rawClient(brokers[0]!);
      try {
        const body = new Writer().array([[4, '77'], [1, 'x']] as const, (w, [type, name]) => w.int8(type).string(name).int32(-1)).bool(false).toBuffer();
        const r = new Reader((await raw.send(request(32, 1, 7, body)))!);
        r.int32(); r.int32();
        expect(r.int32()).toBe(2);
        expect([r.int16(), r.nullableString(), r.int8(), r.string(), r.int32()]).toEqual([42, 'Unexpected broker id, expected 1 or empty string, but received 77', 4, '77', 0]);
        expect([r.int16(), r.nullableString()]).toEqual([42, 'Unsupported resource type 1']);
      } finally { raw.close(); }
      // the broker's configs include those its topics' defaults come from
      const brokerConfigs = Object.fromEntries((await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: '1' }] })).resources[0]!.configEntries.map((c) => [c.configName, [c.configValue, c.configSource]]));
      expect(brokerConfigs).toMatchObject({ 'log.retention.bytes': ['-1', 5], 'message.max.bytes': ['1048588', 5], 'log.retention.ms': ['604800000', 5], 'log.cleanup.policy': ['delete', 5] });
      // Kafka's defaults for the broker configs tools ask for, and what a one-node cluster sets for itself (static, 4)
      expect(brokerConfigs).toMatchObject({ 'log.retention.hours': ['168', 5], 'default.replication.factor': ['1', 5], 'min.insync.replicas': ['1', 5], 'log.segment.bytes': ['1073741824', 5], 'offsets.topic.replication.factor': ['1', 4], 'broker.id': ['1', 4] });
      const asked = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: '1', configNames: ['log.retention.hours', 'num.partitions', 'no.such.config'] }] });
      expect(asked.resources[0]!.configEntries.map((c) => c.configName)).toEqual(['num.partitions', 'log.retention.hours']);
      // the broker's configs are read-only (AlterConfigs of the broker is refused); a topic's are not
      expect(asked.resources[0]!.configEntries.map((c) => c.readOnly)).toEqual([true, true]);
      const topicEntries = (await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'cfg1', configNames: ['retention.ms'] }] })).resources[0]!.configEntries;
      expect(topicEntries.map((c) => c.readOnly)).toEqual([false]);
      // asked for synonyms: where each value comes from, in the order Kafka applies them
      type Synonyms = { configSynonyms: { configName: string; configValue: string; configSource: number }[] };
      const synonymsOf = async (type: number, name: string, configNames: string[]) => (await admin.describeConfigs({ includeSynonyms: true, resources: [{ type, name, configNames }] })).resources[0]!.configEntries
        .map((c) => [c.configName, (c as unknown as Synonyms).configSynonyms.map((s) => [s.configName, s.configValue, s.configSource])]);
      expect(await synonymsOf(2, 'cfg1', ['retention.bytes', 'retention.ms', 'cleanup.policy'])).toEqual([
        ['cleanup.policy', [['cleanup.policy', 'compact', 1], ['log.cleanup.policy', 'delete', 5]]],
        ['retention.bytes', [['retention.bytes', '1000', 1], ['log.retention.bytes', '-1', 5]]],
        ['retention.ms', [['log.retention.hours', '168', 5]]],
      ]);
      expect(await synonymsOf(4, '1', ['num.partitions', 'log.retention.hours'])).toEqual([
        ['num.partitions', [['num.partitions', expect.any(String), 4], ['num.partitions', '1', 5]]],
        ['log.retention.hours', [['log.retention.hours', '168', 5]]],
      ]);
      // a topic whose name starts with __ is the user's like any other: only the broker's own are internal
      expect(await admin.createTopics({ topics: [{ topic: '__mine', numPartitions: 1 }] })).toBe(true);
      await admin.createPartitions({ topicPartitions: [{ topic: '__mine', count: 2 }] });
      await admin.deleteTopics({ topics: ['__mine'] });
      expect(await admin.listTopics()).not.toContain('__mine');
      expect(await admin.createTopics({ topics: [{ topic: 'assigned', replicaAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [1] }, { partition: 2, replicas: [1] }] }] })).toBe(true);
      expect((await admin.fetchTopicMetadata({ topics: ['assigned'] })).topics[0]!.partitions).toHaveLength(3);
      // an assignment Kafka's controller refuses (a broker it lacks, partitions not numbered from 0,
      // a broker twice): INVALID_REPLICA_ASSIGNMENT (39), and no topic
      for (const [topic, replicaAssignment] of [
        ['ra1', [{ partition: 0, replicas: [7] }]],
        ['ra2', [{ partition: 0, replicas: [1] }, { partition: 5, replicas: [1] }]],
        ['ra3', [{ partition: 0, replicas: [1, 1] }]],
      ] as const) {
        const refused = await admin.createTopics({ topics: [{ topic, replicaAssignment: replicaAssignment.map((a) => ({ partition: a.partition, replicas: [...a.replicas] })) }] })
          .catch((e: { errors?: { type: string }[] }) => e.errors?.map((x) => x.type));
        expect([topic, refused]).toEqual([topic, ['INVALID_REPLICA_ASSIGNMENT']]);
      }
      expect(await admin.listTopics()).not.toContain('ra1');
      // a record over the default 1048588 bytes is MESSAGE_TOO_LARGE; cfg3 takes up to 2000000
      const producer = client(brokers).producer({ retry: { retries: 0 }, allowAutoTopicCreation: true });
      await producer.connect();
      const big = Buffer.alloc(1_100_000, 0x61);
      expect(await producer.send({ topic: 'assigned', messages: [{ value: big }] }).catch((e: { type?: string; cause?: { type?: string } }) => e.type ?? e.cause?.type)).toBe('MESSAGE_TOO_LARGE');
      // (cfg3 is compacted: its records need a key)
      expect((await producer.send({ topic: 'cfg3', messages: [{ key: 'k', value: big }] }))[0]!.errorCode).toBe(0);
      const started = Date.now();
      const illegal = await producer.send({ topic: 'bad topic!', messages: [{ value: 'x' }] }).catch((e: { type?: string; cause?: { type?: string } }) => e.type ?? e.cause?.type);
      expect(illegal).toBe('INVALID_TOPIC_EXCEPTION');
      expect(Date.now() - started).toBeLessThan(5_000);
      await producer.disconnect();
    } finally { await admin.disconnect(); }
  });

  it('a query whose source topic is deleted through Kafka stops with an error instead of showing RUNNING', async () => {
    expect((await ksql(server.url, "CREATE STREAM DEL_SRC (id VARCHAR KEY, n INT) WITH (kafka_topic='del_src', value_format='JSON', partitions=1); CREATE STREAM DEL_SNK AS SELECT * FROM DEL_SRC;")).status).toBe(200);
    // a push query reading the topic too: its answer ends with the error once the topic is gone
    const push = fetch(`${server.url}/query-stream`, { method: 'POST', body: JSON.stringify({ sql: 'SELECT * FROM DEL_SRC EMIT CHANGES;' }) }).then((r) => r.text());
    await expect.poll(async () => (await ksql(server.url, 'SHOW QUERIES;')).body[0].queries.some((x: { queryType: string }) => x.queryType === 'PUSH')).toBe(true);
    const admin = client(brokers).admin();
    await admin.connect();
    try { await admin.deleteTopics({ topics: ['del_src'] }); } finally { await admin.disconnect(); }
    const q = (await ksql(server.url, 'SHOW QUERIES;')).body[0].queries.find((x: { sinks: string[] }) => x.sinks.includes('DEL_SNK'));
    expect(q.state).toBe('ERROR');
    const explained = (await ksql(server.url, `EXPLAIN ${q.id};`)).body[0].queryDescription;
    expect(explained.queryErrors[0].errorMessage).toBe('Missing source topic del_src: it was deleted while the query ran');
    expect(JSON.parse((await push).trim().split('\n').at(-1)!)).toEqual({ '@type': 'generic_error', error_code: 50000, message: 'Missing source topic del_src: it was deleted while the query ran' });
    // stopped by a failure, it stays stopped: a RESUME does not start it past what stopped it
    expect((await ksql(server.url, `PAUSE ${q.id}; RESUME ${q.id};`)).status).toBe(200);
    expect((await ksql(server.url, 'SHOW QUERIES;')).body[0].queries.find((x: { id: string }) => x.id === q.id).state).toBe('ERROR');
  });

  it('ListOffsets finds the first record at or after a time; a fetch with an error answers at once', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'timed', numPartitions: 1 }] });
      const producer = client(brokers).producer();
      await producer.connect();
      await producer.send({ topic: 'timed', messages: [{ value: 'a', timestamp: '1000' }, { value: 'b', timestamp: '2000' }] });
      await producer.disconnect();
      expect(await admin.fetchTopicOffsetsByTimestamp('timed', 1500)).toEqual([{ partition: 0, offset: '1' }]);
    } finally { await admin.disconnect(); }
    // a Fetch v4 that may wait a minute, for a topic that does not exist: the answer comes at once
    const [host, port] = brokers[0]!.split(':') as [string, string];
    const s = connect(Number(port), host);
    await once(s, 'connect');
    const body = new Writer().int32(-1).int32(60_000).int32(1).int32(1 << 20).int8(0)
      .array([0], (w) => w.string('no_such_topic').array([0], (y) => y.int32(0).int64(0).int32(1 << 20))).toBuffer();
    const payload = Buffer.concat([new Writer().int16(1).int16(4).int32(9).nullableString('raw').toBuffer(), body]);
    const head = Buffer.alloc(4); head.writeInt32BE(payload.length);
    s.write(Buffer.concat([head, payload]));
    const [reply] = await once(s, 'data') as [Buffer];
    expect(reply.readInt32BE(4)).toBe(9);
    s.destroy();
  });

  it('message.timestamp.type=LogAppendTime: records take the time they are appended, from producers and INSERT VALUES alike', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'appended', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }] })).toBe(true);
    } finally { await admin.disconnect(); }
    const producer = client(brokers).producer();
    await producer.connect();
    const before = Date.now();
    const [first] = await producer.send({ topic: 'appended', acks: -1, messages: [{ value: 'a', timestamp: '1000' }, { value: 'b', timestamp: '2000' }] });
    const firstTime = Number(first!.logAppendTime);
    expect(firstTime).toBeGreaterThanOrEqual(before);
    await until(() => Date.now() > firstTime, 'the clock to move on');
    const [second] = await producer.send({ topic: 'appended', acks: -1, messages: [{ value: 'c', timestamp: '3000' }] });
    // any time a producer sends is replaced, one beyond 2^53 ms included
    const [big] = await producer.send({ topic: 'appended', acks: -1, messages: [{ value: 'big', timestamp: '9007199254740993' }] });
    expect(big!.errorCode).toBe(0);
    // a CreateTime topic answers -1, and keeps the producer's time
    const [created] = await producer.send({ topic: 'timed', acks: -1, messages: [{ value: 'z', timestamp: '5000' }] });
    await producer.disconnect();
    expect(Number(second!.logAppendTime)).toBeGreaterThan(firstTime);
    expect(created!.logAppendTime).toBe('-1');
    expect((await ksql(server.url, "CREATE STREAM APPENDED (V STRING) WITH (kafka_topic='appended', value_format='KAFKA'); INSERT INTO APPENDED (ROWTIME, V) VALUES (4000, 'd');")).status).toBe(200);

    const got: [string, string][] = [];
    const consumer = client(brokers).consumer({ groupId: 'appended-reader', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'appended', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { got.push([message.value!.toString(), message.timestamp]); } });
    await until(() => got.length === 5, 'the five records');
    await consumer.disconnect();
    // one fetch carries records appended at several times: each keeps its own
    expect(got.slice(0, 4)).toEqual([['a', String(firstTime)], ['b', String(firstTime)], ['c', second!.logAppendTime], ['big', big!.logAppendTime]]);
    expect(got[4]![0]).toBe('d');
    expect(Number(got[4]![1])).toBeGreaterThanOrEqual(Number(second!.logAppendTime));
    const rows = await queryStream(server.url, "SELECT V, ROWTIME FROM APPENDED WHERE V = 'd' EMIT CHANGES LIMIT 1;");
    expect(rows.rows).toEqual([['d', Number(got[4]![1])]]);
  });

  it('admin deletes records before an offset and alters topic configs as Kafka does; ACL requests get SECURITY_DISABLED, as from a broker without an authorizer', async () => {
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '2000000' }] }] });
      await producer.send({ topic: 'trimmed', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
      await admin.fetchTopicMetadata({ topics: ['trimmed'] }); // kafkajs finds partition leaders from its metadata
      await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }] });
      expect((await admin.fetchTopicOffsets('trimmed'))[0]).toMatchObject({ low: '4', high: '10' });
      // past the end: OFFSET_OUT_OF_RANGE (kafkajs wraps it in the error it gives up with), and nothing changes
      type PartitionsError = { partitions?: { error: { type?: string } }[]; cause?: PartitionsError };
      const beyond = await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '11' }] }).then(() => ({}) as PartitionsError, (e: PartitionsError) => e);
      expect((beyond.cause ?? beyond).partitions?.[0]!.error.type).toBe('OFFSET_OUT_OF_RANGE');
      expect((await admin.fetchTopicOffsets('trimmed'))[0]).toMatchObject({ low: '4', high: '10' });
      // a consumer starting from the beginning starts at the new log start
      expect(await consumeValues(kafka, 'trimmed', 'trim-reader', 6)).toEqual(['v4', 'v5', 'v6', 'v7', 'v8', 'v9']);

      // AlterConfigs replaces the topic's overrides: those not given go back to their defaults
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'trimmed', configEntries: [{ name: 'retention.bytes', value: '1000' }] }] });
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'trimmed', configNames: ['retention.bytes', 'max.message.bytes'] }] });
      expect(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue, c.isDefault]).sort()).toEqual([['max.message.bytes', '1048588', true], ['retention.bytes', '1000', false]]);
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'trimmed', configEntries: [{ name: 'retention.bytes', value: 'lots' }] }] })).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'no-such-topic', configEntries: [{ name: 'retention.bytes', value: '1' }] }] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      // the broker's own topics keep every record: a retention would drop committed offsets
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: '__consumer_offsets', configEntries: [{ name: 'retention.bytes', value: '0' }] }] })).rejects.toMatchObject({ type: 'INVALID_REQUEST' });
      // validateOnly checks and changes nothing
      await admin.alterConfigs({ validateOnly: true, resources: [{ type: 2, name: 'trimmed', configEntries: [{ name: 'retention.bytes', value: '5' }] }] });
      const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'trimmed', configNames: ['retention.bytes'] }] });
      expect(after.resources[0]!.configEntries[0]!.configValue).toBe('1000');

      await expect(admin.describeAcls({ resourceType: 1, resourcePatternType: 1, permissionType: 1, operation: 1 })).rejects.toMatchObject({ type: 'SECURITY_DISABLED' });
      await expect(admin.createAcls({ acl: [{ resourceType: 2, resourceName: 'trimmed', resourcePatternType: 3, principal: 'User:bob', host: '*', operation: 3, permissionType: 3 }] })).rejects.toMatchObject({ type: 'SECURITY_DISABLED' });
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 30_000);

  it('DeleteGroups removes a group without members and its committed offsets; an unknown one is GROUP_ID_NOT_FOUND', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'dg', numPartitions: 1 }] });
      await admin.setOffsets({ groupId: 'to-delete', topic: 'dg', partitions: [{ partition: 0, offset: '0' }] });
      expect((await admin.describeGroups(['to-delete'])).groups[0]!.state).toBe('Empty');
      expect(await admin.deleteGroups(['to-delete'])).toEqual([{ groupId: 'to-delete', errorCode: 0 }]);
      expect((await admin.fetchOffsets({ groupId: 'to-delete', topics: ['dg'] }))[0]!.partitions[0]!.offset).toBe('-1');
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('to-delete');
      const unknown = await admin.deleteGroups(['never-there']).catch((e: { groups?: { errorCode: number }[] }) => e);
      expect((unknown as { groups: { errorCode: number }[] }).groups[0]!.errorCode).toBe(69);
    } finally { await admin.disconnect(); }
  });

  it('SHOW TOPICS EXTENDED counts a topic\'s consumers (a partition each) and groups: queries\' and clients\'; DESCRIBE EXTENDED lists the offsets of the queries that write the source', async () => {
    expect((await ksql(server.url, "CREATE STREAM CC (V INT) WITH (kafka_topic='cc', value_format='JSON', partitions=3); CREATE STREAM CC2 AS SELECT * FROM CC; CREATE TABLE CCN AS SELECT V, COUNT(*) AS N FROM CC GROUP BY V; INSERT INTO CC (V) VALUES (1); INSERT INTO CC (V) VALUES (2);")).status).toBe(200);
    const counts = async () => {
      const topics = (await ksql(server.url, 'SHOW TOPICS EXTENDED;')).body[0].topics as { name: string; consumerCount: number; consumerGroupCount: number }[];
      return Object.fromEntries(topics.filter((t) => ['cc', 'CC2'].includes(t.name)).map((t) => [t.name, [t.consumerCount, t.consumerGroupCount]]));
    };
    // two queries read cc's 3 partitions; nothing reads CC2
    expect(await counts()).toEqual({ cc: [6, 2], CC2: [0, 0] });
    const consumer = await joinedConsumer(client(brokers, 'counted'), 'cc-readers', 'cc', 100);
    try {
      expect(await counts()).toEqual({ cc: [9, 3], CC2: [0, 0] });
    } finally { await consumer.disconnect(); }
    expect(await counts()).toEqual({ cc: [6, 2], CC2: [0, 0] });

    // CC2 and CCN are each written by one query, which reads cc: its group's place in cc's partitions
    for (const sink of ['CC2', 'CCN']) {
      const described = (await ksql(server.url, `DESCRIBE ${sink} EXTENDED;`)).body[0].sourceDescription;
      const [writer] = (described.writeQueries as { id: string }[]).map((q) => q.id);
      expect(described.queryOffsetSummaries).toEqual([{
        groupId: `_confluent-ksql-default_query_${writer}`,
        topicSummaries: [{ kafkaTopic: 'cc', offsets: [0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, logEndOffset: expect.any(Number), consumerOffset: expect.any(Number) })) }],
      }]);
      // every record was read: each partition's consumer offset is at its end
      for (const o of described.queryOffsetSummaries[0].topicSummaries[0].offsets) expect(o.consumerOffset).toBe(o.logEndOffset);
      expect(described.queryOffsetSummaries[0].topicSummaries[0].offsets.reduce((n: number, o: { logEndOffset: number }) => n + o.logEndOffset, 0)).toBe(2);
    }
    // CC is written by no query (its records come from INSERT VALUES); plain DESCRIBE has no summaries
    expect((await ksql(server.url, 'DESCRIBE CC EXTENDED;')).body[0].sourceDescription.queryOffsetSummaries).toEqual([]);
    expect((await ksql(server.url, 'DESCRIBE CC2;')).body[0].sourceDescription.queryOffsetSummaries).toEqual([]);
  });

  it('an idempotent producer with acks=-1; two consumers in a group share the partitions, rebalance when one leaves, and see each record once', async () => {
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 4 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const seen = new Map<string, string[]>();
    const assigned = new Map<string, number[]>();
    const start = async (name: string): Promise<Consumer> => {
      const c = kafka.consumer({ groupId: 'g1', sessionTimeout: 6000, heartbeatInterval: 100, rebalanceTimeout: 3000, maxWaitTimeInMs: 100 });
      c.on(c.events.GROUP_JOIN, (e) => { assigned.set(name, (e.payload.memberAssignment.events ?? []) as number[]); });
      await c.connect();
      await c.subscribe({ topic: 'events', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }: EachMessagePayload) => { seen.set(message.value!.toString(), [...(seen.get(message.value!.toString()) ?? []), name]); } });
      return c;
    };
    const a = await start('a');
    await until(() => (assigned.get('a') ?? []).length === 4, 'a to own all 4 partitions');
    const b = await start('b');
    await until(() => (assigned.get('a') ?? []).length === 2 && (assigned.get('b') ?? []).length === 2, 'a rebalance to 2 + 2');
    expect([...assigned.get('a')!, ...assigned.get('b')!].sort()).toEqual([0, 1, 2, 3]);

    const first = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic: 'events', acks: -1, messages: first });
    await until(() => first.every((m) => seen.has(m.value)), 'the first 40 records');
    expect(new Set([...seen.values()].flat())).toEqual(new Set(['a', 'b']));

    await b.disconnect();
    await until(() => (assigned.get('a') ?? []).length === 4, 'a to take all partitions back');
    const second = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `w${i}` }));
    await producer.send({ topic: 'events', acks: -1, messages: second });
    await until(() => second.every((m) => seen.has(m.value)), 'the next 20 records');
    for (const m of [...first, ...second]) expect(seen.get(m.value), m.value).toHaveLength(1);
    for (const m of second) expect(seen.get(m.value)).toEqual(['a']);
    await a.disconnect();
    await producer.disconnect();
  }, 60_000);

  it('a compacted topic refuses a record without a key (INVALID_RECORD) and keeps every keyed one, whatever the size retention', async () => {
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'compacted', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.bytes', value: '1000' }] }] });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: 'compacted', messages: [{ key: null, value: 'v' }] })).rejects.toThrow(/failed the validation on broker/);
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'compacted', messages: [{ key: `user-${i}`, value: 'x'.repeat(100) }] });
    expect(await admin.fetchTopicOffsets('compacted')).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '20' })]);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('records produced to STOCKTRADE and USERS come out of USER_TRADES joined, keyed by userid', async () => {
    const up = spawnSync(process.execPath, [CLI, 'up', '--server', server.url, '--migrations-dir', MIGRATIONS, '-d', 'partitions=2', '--quiet'], { encoding: 'utf8' });
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    const kafka = client(brokers);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'users', acks: -1, messages: [{ key: 'User_7', value: JSON.stringify({ REGISTERTIME: 1500000000000, REGIONID: 'Region_7' }) }] });
    await producer.send({ topic: 'stocktrade', acks: -1, messages: [{ key: 'ZVV', value: JSON.stringify({ SIDE: 'SELL', QUANTITY: 12, SYMBOL: 'ZVV', PRICE: 300, ACCOUNT: 'XYZ789', USERID: 'User_7' }) }] });
    await producer.disconnect();

    const got: { key: string; value: unknown }[] = [];
    const consumer = kafka.consumer({ groupId: 'reader', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'user_trades', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { got.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) }); } });
    await until(() => got.length > 0, 'a joined record');
    await consumer.disconnect();
    expect(got).toEqual([{ key: 'User_7', value: { REGIONID: 'Region_7', QUANTITY: 12, SYMBOL: 'ZVV', PRICE: 300, ACCOUNT: 'XYZ789', SIDE: 'SELL' } }]);
  }, 30_000);

  it('a topic with retention.bytes, produced to far past it: a running query and a consumer read every record as it was sent, though the log reuses the memory of deleted batches', async () => {
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'reused', numPartitions: 2, configEntries: [{ name: 'retention.bytes', value: String(1 << 20) }] }] });
    await admin.disconnect();
    const made = await ksql(server.url, "CREATE STREAM REUSED (N INT, PAD STRING) WITH (KAFKA_TOPIC='reused', VALUE_FORMAT='JSON');"
      + 'CREATE STREAM REUSED_OUT AS SELECT N, LEN(PAD) AS L, SUBSTRING(PAD, 1, 12) AS HEAD FROM REUSED;');
    expect(made.status).toBe(200);
    // 2,000 records of about 2 KB in sends of 50: 4 MB, twice each partition's retention
    const pad = (n: number) => `${String(n).padStart(12, '0')}${String.fromCharCode(97 + (n % 26)).repeat(2000)}`;
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 2000; i += 50) {
      await producer.send({ topic: 'reused', acks: -1, messages: Array.from({ length: 50 }, (_v, j) => ({ key: `k${i + j}`, value: JSON.stringify({ N: i + j, PAD: pad(i + j) }) })) });
    }
    await producer.disconnect();
    // the query read each record as it came; its output is kept whole (no retention)
    const out = new Map<number, unknown>();
    const consumer = kafka.consumer({ groupId: 'reused-out', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'REUSED_OUT', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { const v = JSON.parse(message.value!.toString()) as { N: number }; out.set(v.N, v); } });
    await until(() => out.size >= 2000, 'the query\'s 2,000 records');
    await consumer.disconnect();
    expect([...out.values()].filter((v) => JSON.stringify(v) !== JSON.stringify({ N: (v as { N: number }).N, L: 2012, HEAD: String((v as { N: number }).N).padStart(12, '0') }))).toEqual([]);
    // what the source topic still holds reads back as sent, key and value
    const left: { key: string; value: string }[] = [];
    const reader = kafka.consumer({ groupId: 'reused-src', maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: 'reused', fromBeginning: true });
    let high = 0;
    await reader.run({ eachMessage: async ({ message }) => { left.push({ key: message.key!.toString(), value: message.value!.toString() }); high = Math.max(high, Number(message.key!.toString().slice(1))); } });
    await until(() => high === 1999, 'the source\'s last record');
    await reader.disconnect();
    expect(left.length).toBeLessThan(1500);
    expect(left.filter(({ key, value }) => value !== JSON.stringify({ N: Number(key.slice(1)), PAD: pad(Number(key.slice(1))) }))).toEqual([]);
  }, 60_000);

  it('a client that sends many requests before reading answers gets every answer, in order, once it reads (the connection is not read meanwhile)', async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'piled', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = client(brokers).producer();
    await producer.connect();
    await producer.send({ topic: 'piled', messages: Array.from({ length: 100 }, () => ({ value: Buffer.alloc(1000, 97) })) });
    await producer.disconnect();
    const fetchBody = new Writer().int32(-1).int32(0).int32(0).int32(50_000_000).int8(0).array(['piled'], (w, t) => w.string(t).array([0], (x, p) => x.int32(p).int64(0).int32(50_000_000))).toBuffer();
    const [host, port] = brokers[0]!.split(':') as [string, string];
    const s = connect(Number(port), host);
    await once(s, 'connect');
    s.pause();
    const n = 200;
    for (let i = 0; i < n; i++) {
      const payload = request(1, 4, i, fetchBody);
      const head = Buffer.alloc(4); head.writeInt32BE(payload.length);
      s.write(Buffer.concat([head, payload]));
    }
    const ids: number[] = [];
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) { ids.push(buf.readInt32BE(4)); buf = buf.subarray(4 + buf.readInt32BE(0)); }
    });
    s.resume();
    await until(() => ids.length === n, 'every answer');
    s.destroy();
    expect(ids).toEqual(Array.from({ length: n }, (_v, i) => i));
  }, 30_000);

  it('the server\'s --log-retention-bytes shows as the topics\' retention.bytes, a static broker config (source 4)', async () => {
    const own = await serverWithKafka(['--log-retention-bytes', '500']);
    const admin = client(own.brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'kept-short', numPartitions: 1 }, { topic: 'kept-long', numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '9000' }] }] });
      const d = await admin.describeConfigs({ includeSynonyms: false, resources: ['kept-short', 'kept-long'].map((name) => ({ type: 2, name, configNames: ['retention.bytes'] })) });
      expect(d.resources.map((r) => [r.resourceName, r.configEntries[0]!.configValue, r.configEntries[0]!.configSource]).sort()).toEqual([['kept-long', '9000', 1], ['kept-short', '500', 4]]);
    } finally { await admin.disconnect(); await own.server.stop(); }
  });

  it('--connections-max-idle-ms closes a connection idle that long, a request half sent included, but not one whose fetch waits for data; kafkajs connects again', async () => {
    const own = await serverWithKafka(['--connections-max-idle-ms', '400']);
    try {
      const kafka = client(own.brokers);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'idle', numPartitions: 1 }] });
      await admin.disconnect();
      const [host, port] = own.brokers[0]!.split(':') as [string, string];
      const closedAfter = async (write: (s: ReturnType<typeof connect>) => void) => {
        const s = connect(Number(port), host);
        s.on('error', () => undefined);
        await once(s, 'connect');
        const t0 = performance.now();
        write(s);
        await once(s, 'close');
        return performance.now() - t0;
      };
      // silent, and a frame that says 100 bytes and sends 10
      expect(await closedAfter(() => undefined)).toBeGreaterThanOrEqual(350);
      expect(await closedAfter((s) => { const b = Buffer.alloc(14); b.writeInt32BE(100); s.write(b); })).toBeGreaterThanOrEqual(350);
      // a fetch that waits 1.5 s for data on an empty partition is answered, then the connection idles out
      const fetchBody = new Writer().int32(-1).int32(1500).int32(1).int32(1_000_000).int8(0).array(['idle'], (w, t) => w.string(t).array([0], (x, p) => x.int32(p).int64(0).int32(1_000_000))).toBuffer();
      const answered: number[] = [];
      const waited = await closedAfter((s) => {
        const payload = request(1, 4, 77, fetchBody);
        const head = Buffer.alloc(4); head.writeInt32BE(payload.length);
        s.on('data', (d: Buffer) => { answered.push(d.length >= 8 ? d.readInt32BE(4) : -1); });
        s.write(Buffer.concat([head, payload]));
      });
      expect(answered[0]).toBe(77);
      expect(waited).toBeGreaterThanOrEqual(1500 + 350);
      // a producer whose connection was closed while idle sends again on a new one
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'idle', messages: [{ value: 'one' }] });
      await closedAfter(() => undefined); // (at least one idle period has passed for the producer's connection too)
      await producer.send({ topic: 'idle', messages: [{ value: 'two' }] });
      await producer.disconnect();
      expect(await consumeValues(kafka, 'idle', 'idle-g', 2)).toEqual(['one', 'two']);
    } finally { await own.server.stop(); }
  }, 30_000);

  it('a stop does not wait for a consumer\'s long poll to end', async () => {
    const own = await serverWithKafka();
    const kafka = client(own.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'quiet', numPartitions: 1 }] });
    await admin.disconnect();
    const consumer = await joinedConsumer(kafka, 'long-poller', 'quiet', 60_000);
    // the poll waits a minute for data; the test's deadline is half that
    expect(await own.server.stop()).toBe(0);
    await consumer.disconnect().catch(() => undefined);
  }, 30_000);

  it('malformed frames, oversized requests and unknown API keys close that connection; the listener goes on', async () => {
    const [host, port] = brokers[0]!.split(':') as [string, string];
    const closes = async (bytes: Buffer) => {
      const s = connect(Number(port), host);
      await once(s, 'connect');
      s.write(bytes);
      s.on('error', () => undefined);
      await once(s, 'close');
    };
    await closes(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])); // a 2 GB frame
    await closes(Buffer.from([0xff, 0xff, 0xff, 0xf0])); // a negative size
    const unknownKey = Buffer.alloc(14);
    unknownKey.writeInt32BE(10, 0); unknownKey.writeInt16BE(999, 4); unknownKey.writeInt16BE(0, 6); unknownKey.writeInt32BE(1, 8); unknownKey.writeInt16BE(-1, 12);
    await closes(unknownKey);
    const truncatedMetadata = Buffer.alloc(16);
    truncatedMetadata.writeInt32BE(12, 0); truncatedMetadata.writeInt16BE(3, 4); truncatedMetadata.writeInt16BE(5, 6); truncatedMetadata.writeInt32BE(2, 8); truncatedMetadata.writeInt16BE(-1, 12); truncatedMetadata.writeInt16BE(7, 14);
    await closes(truncatedMetadata);
    // half a request, then the client goes away
    const s = connect(Number(port), host);
    await once(s, 'connect');
    s.write(Buffer.from([0, 0, 0, 50, 0, 3]));
    s.destroy();
    const admin = client(brokers).admin();
    await admin.connect();
    expect(Array.isArray(await admin.listTopics())).toBe(true);
    await admin.disconnect();
  });

  it('a record whose time is past what the log holds exactly is INVALID_TIMESTAMP (32), and the partition stays readable', async () => {
    const [host, port] = brokers[0]!.split(':') as [string, string];
    // Produce v3 of one batch to 'poison': base timestamp 2^63-1, a record with delta +1
    const request = Buffer.from('0000007100000003000000010002667affffffff00001388000000010006706f69736f6e0000000100000000000000450000000000000000000000390000000002005fdfbc0000000000007fffffffffffffff7fffffffffffffffffffffffffffffffffffffffffff000000010e00020001027600', 'hex');
    const produceRaw = async () => {
      const s = connect(Number(port), host);
      await once(s, 'connect');
      s.write(request);
      const [reply] = await once(s, 'data') as [Buffer];
      s.destroy();
      // size, correlation id, 1 topic 'poison', 1 partition: its index, then its error code
      return reply.readInt16BE(4 + 4 + 4 + 2 + 'poison'.length + 4 + 4);
    };
    // a Produce never creates a topic (Metadata and CreateTopics do): UNKNOWN_TOPIC_OR_PARTITION
    expect(await produceRaw()).toBe(3);
    const admin = client(brokers).admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain('poison');
    await admin.createTopics({ topics: [{ topic: 'poison', numPartitions: 1 }] });
    await admin.disconnect();
    expect(await produceRaw()).toBe(32);
    const producer = client(brokers).producer();
    await producer.connect();
    await producer.send({ topic: 'poison', acks: -1, messages: [{ value: 'fine' }] });
    await producer.disconnect();
    const got: string[] = [];
    const consumer = client(brokers).consumer({ groupId: 'poison-reader', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'poison', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { got.push(message.value!.toString()); } });
    await until(() => got.length === 1, 'the good record');
    await consumer.disconnect();
    expect(got).toEqual(['fine']);
  });
});

describe('transactions through the Kafka listener', () => {
  let server: Running, brokers: string[];
  beforeAll(async () => { ({ server, brokers } = await serverWithKafka()); });
  afterAll(async () => { await server.stop(); });

  it('kafkajs: committed records and offsets land together, aborted ones never; a running query and a consumer see only what was committed; a second instance fences the first', async () => {
    expect((await ksql(server.url, "CREATE STREAM TXS (K STRING KEY, V STRING) WITH (KAFKA_TOPIC='txs', VALUE_FORMAT='JSON', PARTITIONS=2);CREATE STREAM TXS_UP AS SELECT K, UCASE(V) AS V FROM TXS;")).status).toBe(200);
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txin', numPartitions: 1 }] });
    const producer = kafka.producer({ transactionalId: 'settler', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic: 'txs', messages: [{ key: 'a', value: JSON.stringify({ V: 'one' }) }, { key: 'b', value: JSON.stringify({ V: 'two' }) }] });
      await committed.sendOffsets({ consumerGroupId: 'settler-in', topics: [{ topic: 'txin', partitions: [{ partition: 0, offset: '3' }] }] });
      // nothing is visible, to consumers or to the group's offsets, until the commit
      expect((await admin.fetchTopicOffsets('txs')).map((p) => p.high)).toEqual(['0', '0']);
      expect((await admin.fetchOffsets({ groupId: 'settler-in', topics: ['txin'] }))[0]!.partitions[0]!.offset).toBe('-1');
      await committed.commit();
      expect((await admin.fetchOffsets({ groupId: 'settler-in', topics: ['txin'] }))[0]!.partitions[0]!.offset).toBe('3');

      const aborted = await producer.transaction();
      await aborted.send({ topic: 'txs', messages: [{ key: 'a', value: JSON.stringify({ V: 'never' }) }] });
      await aborted.sendOffsets({ consumerGroupId: 'settler-in', topics: [{ topic: 'txin', partitions: [{ partition: 0, offset: '9' }] }] });
      await aborted.abort();
      expect((await admin.fetchOffsets({ groupId: 'settler-in', topics: ['txin'] }))[0]!.partitions[0]!.offset).toBe('3');

      // the application restarts elsewhere: the old instance can no longer write
      const successor = kafka.producer({ transactionalId: 'settler', idempotent: true, maxInFlightRequests: 1 });
      await successor.connect();
      const next = await successor.transaction();
      const zombie = await producer.transaction();
      await expect(zombie.send({ topic: 'txs', messages: [{ key: 'z', value: JSON.stringify({ V: 'zombie' }) }] })).rejects.toThrow(/old epoch/);
      await next.send({ topic: 'txs', messages: [{ key: 'c', value: JSON.stringify({ V: 'three' }) }] });
      await next.commit();
      await successor.disconnect();

      const seen: string[] = [];
      const consumer = kafka.consumer({ groupId: 'tx-reader', maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: ['txs', 'TXS_UP'], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ topic, message }) => { seen.push(`${topic} ${message.key} ${JSON.parse(message.value!.toString()).V}`); } });
      await until(() => seen.length >= 6, 'the committed records and the query\'s output');
      await consumer.disconnect();
      expect(seen.sort()).toEqual(['TXS_UP a ONE', 'TXS_UP b TWO', 'TXS_UP c THREE', 'txs a one', 'txs b two', 'txs c three']);
      const rows = await queryStream(server.url, 'SELECT K, V FROM TXS_UP EMIT CHANGES LIMIT 3;');
      expect(rows.rows.map((r) => r.join(' ')).sort()).toEqual(['a ONE', 'b TWO', 'c THREE']);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);

  it('a topic deleted while a transaction holds records for it takes them along: the topic made again under its name starts empty', async () => {
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ transactionalId: 'recreator', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'remade', numPartitions: 1 }] });
      const tx = await producer.transaction();
      await tx.send({ topic: 'remade', messages: [{ value: 'of the old topic' }] });
      await admin.deleteTopics({ topics: ['remade'] });
      await admin.createTopics({ topics: [{ topic: 'remade', numPartitions: 1 }] });
      await tx.commit();
      expect((await admin.fetchTopicOffsets('remade'))[0]).toMatchObject({ low: '0', high: '0' });
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('with --data-dir a transactional producer goes on after a restart; one whose transaction was open is fenced, and none of that transaction lands', async () => {
    const started = await kafkaWithDataDir('ksqlm-kafka-txn-', 'txd', 1);
    const { args, brokers, admin } = started;
    await admin.disconnect();
    const kafka = client(brokers);
    const idle = kafka.producer({ transactionalId: 'idle-app', idempotent: true, maxInFlightRequests: 1 });
    const open = kafka.producer({ transactionalId: 'open-app', idempotent: true, maxInFlightRequests: 1 });
    await idle.connect(); await open.connect();
    const t1 = await idle.transaction();
    await t1.send({ topic: 'txd', messages: [{ value: 'before' }] });
    await t1.commit();
    const t2 = await open.transaction();
    await t2.send({ topic: 'txd', messages: [{ value: 'half' }] });
    // a record in __transaction_state that is not the coordinator's is passed over on the restart
    expect((await ksql(started.server.url, "CREATE STREAM TS_RAW (K STRING KEY, V STRING) WITH (KAFKA_TOPIC='__transaction_state', KEY_FORMAT='KAFKA', VALUE_FORMAT='KAFKA'); INSERT INTO TS_RAW (K, V) VALUES ('idle-app', 'null');")).status).toBe(200);
    await started.server.stop();

    const server = await startServerProcess(args);
    try {
      const t3 = await idle.transaction();
      await t3.send({ topic: 'txd', messages: [{ value: 'after' }] });
      await t3.commit();
      // the open transaction's records went with the process: its producer may not go on as if they had not
      await expect(t2.send({ topic: 'txd', messages: [{ value: 'rest' }] }).then(() => t2.commit())).rejects.toThrow(/old epoch/);
      expect(await consumeValues(kafka, 'txd', 'txd-reader', 2)).toEqual(['before', 'after']);
    } finally {
      await idle.disconnect().catch(() => undefined);
      await open.disconnect().catch(() => undefined);
      await server.stop();
    }
  }, 60_000);

  it('with --data-dir a commit is one journal entry: its records, offsets and state; cut off by a crash, none of it is there and the producer is fenced', async () => {
    const started = await kafkaWithDataDir('ksqlm-kafka-atomic-', 'atom', 1);
    const { args, brokers, admin } = started;
    const dir = args[args.indexOf('--data-dir') + 1]!;
    await admin.createTopics({ topics: [{ topic: 'atom-in', numPartitions: 1 }] });
    await admin.disconnect();
    const kafka = client(brokers);
    const producer = kafka.producer({ transactionalId: 'atomic-app', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: 'atom', messages: [{ value: 'one' }, { value: 'two' }] });
    await tx.sendOffsets({ consumerGroupId: 'atomic-in', topics: [{ topic: 'atom-in', partitions: [{ partition: 0, offset: '1' }] }] });
    await tx.commit();
    await started.server.stop('SIGKILL');
    const path = join(dir, 'journal.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    // (each line is its entry's JSON, a tab and the JSON's checksum)
    const last = JSON.parse(lines.at(-1)!.replace(/\t[0-9a-f]{8}$/, '')) as { e: string; recs: { t: string }[] };
    expect([last.e, last.recs.map((r) => r.t)]).toEqual(['recs', ['atom', 'atom', '__consumer_offsets', '__transaction_state']]);
    // a crash in the middle of writing it: a torn last line, dropped on restart
    writeFileSync(path, `${lines.slice(0, -1).join('\n')}\n${lines.at(-1)!.slice(0, 40)}`);
    const server = await startServerProcess(args);
    const again = kafka.admin();
    await again.connect();
    try {
      expect((await again.fetchTopicOffsets('atom'))[0]!.high).toBe('0');
      expect((await again.fetchOffsets({ groupId: 'atomic-in', topics: ['atom-in'] }))[0]!.partitions[0]!.offset).toBe('-1');
      const next = await producer.transaction();
      await expect(next.send({ topic: 'atom', messages: [{ value: 'three' }] }).then(() => next.commit())).rejects.toThrow(/old epoch/);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await again.disconnect();
      await server.stop();
    }
  }, 60_000);

  it('a transactional batch to a partition its transaction did not add is INVALID_TXN_STATE, and a timeout outside Kafka\'s bounds is refused', async () => {
    const raw = await rawClient(brokers[0]!);
    try {
      const init = (timeout: number) => raw.send(request(22, 1, 1, new Writer().nullableString('raw-tx').int32(timeout).toBuffer()));
      const refused = new Reader((await init(900_001))!);
      refused.int32(); refused.int32();
      expect(refused.int16()).toBe(50);
      const ok = new Reader((await init(10_000))!);
      ok.int32(); ok.int32();
      expect(ok.int16()).toBe(0);
      const producerId = ok.int64(), epoch = ok.int16();
      // EndTxn with no transaction begun
      const end = new Reader((await raw.send(request(26, 1, 2, new Writer().string('raw-tx').int64(producerId).int16(epoch).bool(true).toBuffer())))!);
      end.int32(); end.int32();
      expect(end.int16()).toBe(48);
      // AddPartitionsToTxn for a topic that does not exist
      const add = new Reader((await raw.send(request(24, 1, 3, new Writer().string('raw-tx').int64(producerId).int16(epoch).array(['nope'], (w, t) => w.string(t).array([0], (x, p) => x.int32(p))).toBuffer())))!);
      add.int32(); add.int32();
      expect([add.int32(), add.string(), add.int32(), add.int32(), add.int16()]).toEqual([1, 'nope', 1, 0, 3]);
    } finally { raw.close(); }
  });
});

describe('a Protobuf TradeSettlement produced through Kafka in the Schema Registry wire format', () => {
  it('is counted by the per-minute tables of migrations/', async () => {
    const kport = await freePort(), sport = await freePort();
    const server = await startServerProcess(['--kafka-port', String(kport), '--schema-registry-port', String(sport), '--auto-offset-reset', 'earliest']);
    try {
      const up = spawnSync(process.execPath, [CLI, 'up', '--server', server.url, '--migrations-dir', MIGRATIONS, '-d', 'partitions=2', '--quiet'], { encoding: 'utf8' });
      expect(up.stderr).toBe('');
      expect(up.status).toBe(0);
      // the seed's schema, registered over the registry's REST API as a serializer registers it
      const reg = await fetch(`http://127.0.0.1:${sport}/subjects/trade-settlements-value/versions`, {
        method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: TRADE_SETTLEMENT_PROTO, schemaType: 'PROTOBUF' }),
      });
      expect(reg.status).toBe(200);
      const { id } = await reg.json() as { id: number };
      // encoded by protobufjs and framed as Confluent's serializer frames it (@kafkajs/confluent-schema-registry
      // leaves the message index out, which Confluent's deserializers reject)
      const T0 = 1_700_000_040_000;
      const settlements = [
        { user: 'User_1', symbol: 'ZVV', amount: 1500, disposition: 'Completed', reason: 'Within same day limit', timestamp: T0 + 1_000 },
        { user: 'User_2', symbol: 'ZVV', amount: 120000, disposition: 'Pending', reason: 'Large trade', timestamp: T0 + 2_000 },
        { user: 'User_3', symbol: 'ZVV', amount: 900, disposition: 'Completed', reason: 'Within same day limit', timestamp: T0 + 3_000 },
      ];
      const producer = client([`127.0.0.1:${kport}`]).producer({ idempotent: true });
      await producer.connect();
      await producer.send({ topic: 'trade-settlements', acks: -1, messages: settlements.map((s) => ({ key: s.symbol, value: frameTradeSettlement(id, s) })) });
      await producer.disconnect();

      const completed = "SELECT SYMBOL, NUM_COMPLETED, WINDOWSTART FROM COMPLETED_PER_MINUTE WHERE SYMBOL = 'ZVV';";
      let rows: unknown[][] = [];
      const deadline = Date.now() + 15_000;
      while (!(rows.length && rows[0]![1] === 2) && Date.now() < deadline) {
        rows = (await queryStream(server.url, completed)).rows;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(rows).toEqual([['ZVV', 2, T0]]);
      let pending: unknown[][] = [];
      while (pending.length === 0 && Date.now() < deadline) {
        pending = (await queryStream(server.url, "SELECT NUM_PENDING FROM PENDING_PER_MINUTE WHERE SYMBOL = 'ZVV';")).rows;
        if (pending.length === 0) await new Promise((r) => setTimeout(r, 25));
      }
      expect(pending).toEqual([[1]]);
      const described = await ksql(server.url, 'DESCRIBE TRADE_SETTLEMENT;');
      expect(described.body[0].sourceDescription.valueFormat).toBe('PROTOBUF');
    } finally { await server.stop(); }
  }, 60_000);
});

describe('SASL/PLAIN on the Kafka listener', () => {
  it('lets in the right credentials only, and never prints them', async () => {
    const { server, brokers } = await serverWithKafka(['--kafka-sasl-plain', 'alice:s3cret-pw']);
    try {
      const as = (password: string) => new Kafka({ clientId: 't', brokers, logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'alice', password }, retry: { retries: 0 } }).admin();
      const ok = as('s3cret-pw');
      await ok.connect();
      expect(Array.isArray(await ok.listTopics())).toBe(true);
      await ok.disconnect();
      const wrong = as('nope');
      await expect(wrong.connect()).rejects.toThrow(/SASL|auth/i);
      // without SASL the connection is closed at the first request
      const none = new Kafka({ clientId: 't', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      await none.connect(); // ApiVersions is allowed before authentication
      await expect(none.listTopics()).rejects.toThrow(/Connection|closed|ECONNRESET|socket/i);
      await none.disconnect();
      // datagen without credentials says what may be missing
      const datagen = spawnSync(process.execPath, [CLI, 'datagen', 'users', '--count', '1', '--bootstrap-servers', brokers[0]!], { encoding: 'utf8', timeout: 30_000 });
      expect([datagen.status, datagen.stderr]).toEqual([3, expect.stringContaining('(if the listener requires SASL or TLS, give --sasl-username/--sasl-password or --ssl)')]);
      expect(server.output()).not.toContain('s3cret-pw');
    } finally { await server.stop(); }
  });
});

const openssl = spawnSync('openssl', ['version']).status === 0;
describe.skipIf(!openssl)('TLS on the Kafka listener (needs the openssl command to make a test certificate)', () => {
  it('kafkajs and kcat produce and consume over SASL_SSL; a plaintext client or one that does not trust the certificate gets nowhere, and the listener goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-kafka-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const { server, brokers } = await serverWithKafka(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'), '--kafka-tls', '--kafka-sasl-plain', 'alice:tls-pw']);
    try {
      const kafka = new Kafka({ clientId: 'tls', brokers, logLevel: logLevel.NOTHING, ssl: { ca: [readFileSync(join(dir, 'cert.pem'))] }, sasl: { mechanism: 'plain', username: 'alice', password: 'tls-pw' }, retry: { retries: 2, initialRetryTime: 50 } });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'secure-tls', acks: -1, messages: [{ key: 'k', value: 'over tls' }] });
      await producer.disconnect();
      const kcat = spawnSync('kcat', ['-V']).status === 0;
      if (kcat) {
        const sasl = ['-b', brokers[0]!, '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${join(dir, 'cert.pem')}`, '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=tls-pw'];
        const consumed = spawnSync('kcat', [...sasl, '-C', '-t', 'secure-tls', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'], { encoding: 'utf8', timeout: 20_000 });
        expect(consumed.stdout.trim()).toBe('k=over tls');
      }
      // a client that speaks plaintext, or does not trust the certificate, cannot connect
      const plain = new Kafka({ clientId: 'plain', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000, requestTimeout: 2000 }).admin();
      await expect(plain.connect()).rejects.toThrow();
      const untrusting = new Kafka({ clientId: 'untrusting', brokers, logLevel: logLevel.NOTHING, ssl: true, sasl: { mechanism: 'plain', username: 'alice', password: 'tls-pw' }, retry: { retries: 0 } }).admin();
      await expect(untrusting.connect()).rejects.toThrow(/self[- ]signed/i);
      // and the listener still serves a client that does it right
      expect(await consumeValues(kafka, 'secure-tls', 'tls-reader', 1)).toEqual(['over tls']);
      expect(server.output()).not.toContain('tls-pw');
      // a connection that never starts its handshake does not hold up a stop
      const [host, port] = brokers[0]!.split(':') as [string, string];
      const idle = connect(Number(port), host);
      await once(idle, 'connect');
      idle.on('error', () => undefined);
      const closed = once(idle, 'close');
      expect(await server.stop()).toBe(0);
      await closed;
    } finally { await server.stop(); }
  }, 60_000);

  it('--kafka-tls without a certificate, or with the Kafka listener off, is a usage error', () => {
    for (const [args, message] of [[['--kafka-tls'], '--kafka-tls: give the certificate with --tls-cert and --tls-key'], [['--kafka-tls', '--no-kafka', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], '--kafka-tls: the Kafka listener is off (--no-kafka)']] as const) {
      const r = spawnSync(process.execPath, [CLI, 'server', '--port', '0', ...args], { encoding: 'utf8', timeout: 20_000 });
      expect([r.status, r.stderr]).toEqual([2, `error: ${message}\n`]);
    }
  });
});

describe('SASL/PLAIN and ApiVersions over a raw socket (the paths librdkafka and old clients take)', () => {

  it('ApiVersions v3 (flexible) lists the APIs in compact arrays', async () => {
    const { server, brokers } = await serverWithKafka();
    const c = await rawClient(brokers[0]!);
    try {
      // client software name and version as compact strings, then no tagged fields
      const body = Buffer.concat([Buffer.from([5]), Buffer.from('test'), Buffer.from([4]), Buffer.from('1.0'), Buffer.from([0])]);
      const res = (await c.send(request(18, 3, 7, body, true)))!;
      const r = new Reader(res);
      expect(r.int32()).toBe(7); // correlation id: the ApiVersions response header is v0 even here
      expect(r.int16()).toBe(0);
      const apis = new Map<number, [number, number]>();
      const n = r.uvarint() - 1;
      for (let i = 0; i < n; i++) { const key = r.int16(); apis.set(key, [r.int16(), r.int16()]); r.tags(); }
      expect(r.int32()).toBe(0); // throttle
      r.tags();
      expect(r.remaining).toBe(0);
      expect(apis.get(0)).toEqual([0, 7]);
      expect(apis.get(18)).toEqual([0, 3]);
      expect(apis.get(17)).toEqual([0, 1]);
    } finally { c.close(); await server.stop(); }
  });

  it('DescribeCluster (flexible from v0, response header v1) describes the one broker', async () => {
    const { server, brokers } = await serverWithKafka();
    const c = await rawClient(brokers[0]!);
    try {
      const [host, port] = brokers[0]!.split(':') as [string, string];
      for (const v of [0, 1]) {
        const body = Buffer.concat([Buffer.from([0]), v >= 1 ? Buffer.from([1]) : Buffer.alloc(0), Buffer.from([0])]);
        const r = new Reader((await c.send(request(60, v, 40 + v, body, true)))!);
        expect(r.int32()).toBe(40 + v);
        r.tags(); // the flexible response header's tagged fields
        expect([r.int32(), r.int16(), r.compactString()]).toEqual([0, 0, null]);
        if (v >= 1) expect(r.int8()).toBe(1);
        const clusterId = r.compactString(), controller = r.int32();
        expect(clusterId).toMatch(/\S/);
        expect(controller).toBe(1);
        expect(r.uvarint() - 1).toBe(1);
        expect([r.int32(), r.compactString(), r.int32(), r.compactString()]).toEqual([1, host, Number(port), null]);
        r.tags();
        expect(r.int32()).toBe(-2147483648);
        r.tags();
        expect(r.remaining).toBe(0);
      }
    } finally { c.close(); await server.stop(); }
  });

  it('ListGroups v3 and v4 (flexible) list every group, v4 with its state, filtered by the states asked for', async () => {
    const { server, brokers } = await serverWithKafka();
    const kafka = client(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'lg', numPartitions: 1 }] });
    await admin.disconnect();
    // a consumer group with a member, and a simple group (only committed to: OffsetCommit v2 without a generation)
    const consumer = await joinedConsumer(kafka, 'lg-live', 'lg', 100);
    const c = await rawClient(brokers[0]!);
    try {
      const commit = new Writer().string('lg-simple').int32(-1).string('').int64(-1).array(['lg'], (w, t) => w.string(t).array([0], (x, p) => x.int32(p).int64(0).nullableString(null))).toBuffer();
      expect(await c.send(request(8, 2, 59, commit))).not.toBeNull();
      const list = async (v: number, states: string[]) => {
        const body = new Writer();
        if (v >= 4) body.compactArray(states, (w, st) => w.compactString(st));
        const r = new Reader((await c.send(request(16, v, 60 + v, Buffer.concat([body.toBuffer(), Buffer.from([0])]), true)))!);
        expect(r.int32()).toBe(60 + v);
        r.tags();
        expect([r.int32(), r.int16()]).toEqual([0, 0]);
        const groups = r.compactArray((x) => { const g = [x.compactString(), x.compactString(), ...(v >= 4 ? [x.compactString()] : [])]; x.tags(); return g; });
        r.tags();
        expect(r.remaining).toBe(0);
        return groups.sort();
      };
      expect(await list(3, [])).toEqual([['lg-live', 'consumer'], ['lg-simple', '']]);
      expect(await list(4, [])).toEqual([['lg-live', 'consumer', 'Stable'], ['lg-simple', '', 'Empty']]);
      expect(await list(4, ['Stable'])).toEqual([['lg-live', 'consumer', 'Stable']]);
      expect(await list(4, ['Empty', 'Dead'])).toEqual([['lg-simple', '', 'Empty']]);
    } finally { c.close(); await consumer.disconnect(); await server.stop(); }
  });

  it('SaslHandshake v0 takes the bare PLAIN token next; a wrong one closes the connection', async () => {
    const { server, brokers } = await serverWithKafka(['--kafka-sasl-plain', 'alice:s3cret-pw']);
    try {
      const handshake = request(17, 0, 1, new Writer().string('PLAIN').toBuffer());
      const metadata = request(3, 1, 3, new Writer().int32(-1).toBuffer());
      const good = await rawClient(brokers[0]!);
      const hs = new Reader((await good.send(handshake))!);
      expect([hs.int32(), hs.int16()]).toEqual([1, 0]);
      expect((await good.send(plainToken('alice', 's3cret-pw')))!.length).toBe(0); // an empty token back
      const meta = new Reader((await good.send(metadata))!);
      expect(meta.int32()).toBe(3);
      good.close();

      // a token shorter than any request header is still a whole frame
      const short = await serverWithKafka(['--kafka-sasl-plain', 'bob:pw']);
      try {
        const c = await rawClient(short.brokers[0]!);
        await c.send(handshake);
        expect((await c.send(plainToken('bob', 'pw')))!.length).toBe(0);
        expect(new Reader((await c.send(metadata))!).int32()).toBe(3);
        c.close();
      } finally { await short.server.stop(); }

      const bad = await rawClient(brokers[0]!);
      await bad.send(handshake);
      expect(await bad.send(plainToken('alice', 'nope'))).toBeNull();
      bad.close();

      // SaslAuthenticate (v1): a wrong password is answered, then the connection closed (KIP-152), so
      // a second try on it gets nowhere
      const v1 = await rawClient(brokers[0]!);
      await v1.send(request(17, 1, 5, new Writer().string('PLAIN').toBuffer()));
      const refused = new Reader((await v1.send(request(36, 1, 6, new Writer().bytes(plainToken('alice', 'nope')).toBuffer())))!);
      expect([refused.int32(), refused.int16(), refused.nullableString()]).toEqual([6, 58, 'Authentication failed: Invalid username or password']);
      expect(await v1.send(request(36, 1, 7, new Writer().bytes(plainToken('alice', 's3cret-pw')).toBuffer()))).toBeNull();
      v1.close();
      // tokens Kafka's PlainSaslServer refuses though they carry the password: another authorization
      // id than the user, a field too many, no user
      for (const [token, message] of [
        [Buffer.from('admin\u0000alice\u0000s3cret-pw'), 'Authentication failed: Client requested an authorization id that is different from username'],
        [Buffer.from('\u0000alice\u0000s3cret-pw\u0000junk'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 4'],
        [Buffer.from('\u0000\u0000s3cret-pw'), 'Authentication failed: username not specified'],
      ] as const) {
        const c = await rawClient(brokers[0]!);
        await c.send(request(17, 1, 5, new Writer().string('PLAIN').toBuffer()));
        const answer = new Reader((await c.send(request(36, 1, 6, new Writer().bytes(token).toBuffer())))!);
        expect([answer.int32(), answer.int16(), answer.nullableString()]).toEqual([6, 58, message]);
        c.close();
      }
      // the authorization id may be the user's own
      const own = await rawClient(brokers[0]!);
      await own.send(request(17, 1, 5, new Writer().string('PLAIN').toBuffer()));
      const accepted = new Reader((await own.send(request(36, 1, 6, new Writer().bytes(Buffer.from('alice\u0000alice\u0000s3cret-pw')).toBuffer())))!);
      expect([accepted.int32(), accepted.int16()]).toEqual([6, 0]);
      own.close();
      expect(server.output()).not.toContain('s3cret-pw');
    } finally { await server.stop(); }
  });
});

/** A server with a Kafka listener and a data dir of its own; `args` start it again on both. */
async function kafkaWithDataDir(prefix: string, topic: string, partitions: number) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const { kport, args, server } = await retryOnPortClash(async () => {
    const kport = await freePort();
    const args = ['--kafka-port', String(kport), '--data-dir', dir];
    return { kport, args, server: await startServerProcess(args) };
  });
  const brokers = [`127.0.0.1:${kport}`];
  const admin = client(brokers).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  return { args, server, brokers, admin };
}

describe('consumer group offsets with --data-dir', () => {
  it('survive a restart', async () => {
    const started = await kafkaWithDataDir('ksqlm-kafka-', 'kept', 2);
    const { args, brokers, admin } = started;
    let server = started.server;
    await admin.setOffsets({ groupId: 'keeper', topic: 'kept', partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] });
    const producer = client(brokers).producer();
    await producer.connect();
    await producer.send({ topic: 'kept', messages: [{ value: 'x', partition: 0 }, { value: 'y', partition: 1 }, { value: 'z', partition: 1 }] });
    await producer.disconnect();
    const c = client(brokers).consumer({ groupId: 'keeper', maxWaitTimeInMs: 100 });
    let n = 0;
    await c.connect();
    await c.subscribe({ topic: 'kept', fromBeginning: true });
    await c.run({ autoCommitInterval: 1, eachMessage: async () => { n++; } });
    await until(() => n === 3, 'three records');
    await c.disconnect(); // commits what it consumed
    await admin.disconnect();
    await server.stop();

    server = await startServerProcess(args);
    const again = client(brokers).admin();
    await again.connect();
    const offsets = await again.fetchOffsets({ groupId: 'keeper', topics: ['kept'] });
    expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '1'], [1, '2']]);
    expect((await again.fetchTopicOffsets('kept')).map((p) => [p.partition, p.high]).sort()).toEqual([[0, '1'], [1, '2']]);
    // CreatePartitions: the topic grows, its records stay, and the new partition takes records and survives a restart
    await expect(again.createPartitions({ topicPartitions: [{ topic: 'kept', count: 1 }] })).rejects.toThrow('Number of partitions is invalid'); // kafkajs's words for INVALID_PARTITIONS (37)
    await expect(again.createPartitions({ topicPartitions: [{ topic: 'no-such-topic', count: 3 }] })).rejects.toThrow();
    // replica assignments are checked as Kafka's controller checks them (INVALID_REPLICA_ASSIGNMENT, 39): one
    // for each partition added, of brokers that exist, none twice; nothing is added when one is refused
    for (const assignments of [[[5]], [[1]], [[1, 1], [1]]]) {
      const refused = await again.createPartitions({ topicPartitions: [{ topic: 'kept', count: 4, assignments }] }).catch((e: { errors?: { type?: string }[]; type?: string }) => e);
      expect([assignments, (refused as { errors?: { type?: string }[] }).errors?.[0]?.type ?? (refused as { type?: string }).type]).toEqual([assignments, 'INVALID_REPLICA_ASSIGNMENT']);
    }
    expect((await again.fetchTopicMetadata({ topics: ['kept'] })).topics[0]!.partitions).toHaveLength(2);
    await again.createPartitions({ topicPartitions: [{ topic: 'kept', count: 3, assignments: [[1]] }] });
    const grown = client(brokers).producer();
    await grown.connect();
    await grown.send({ topic: 'kept', messages: [{ value: 'new', partition: 2 }] });
    await grown.disconnect();
    expect((await again.fetchTopicOffsets('kept')).map((p) => [p.partition, p.high]).sort()).toEqual([[0, '1'], [1, '2'], [2, '1']]);
    await again.disconnect();
    await server.stop();
    server = await startServerProcess(args);
    const third = client(brokers).admin();
    await third.connect();
    expect((await third.fetchTopicOffsets('kept')).map((p) => [p.partition, p.high]).sort()).toEqual([[0, '1'], [1, '2'], [2, '1']]);
    await third.disconnect();
    await server.stop();
  }, 60_000);

  it('keep a running consumer\'s place across a restart: it goes on as the same member, without joining again, and reads nothing twice', async () => {
    const started = await kafkaWithDataDir('ksqlm-kafka-members-', 'ongoing', 2);
    const { args, brokers, admin } = started;
    let server = started.server;
    const send = async (prefix: string) => {
      const producer = client(brokers).producer();
      await producer.connect();
      await producer.send({ topic: 'ongoing', messages: [0, 1, 2, 3].map((i) => ({ value: `${prefix}${i}`, partition: i % 2 })) });
      await producer.disconnect();
    };
    await send('a');
    const got: string[] = [];
    // (retries enough to outlast the restart, so the consumer itself never gives up and starts again)
    const consumer = new Kafka({ clientId: 'steady', brokers, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } }).consumer({ groupId: 'steady', maxWaitTimeInMs: 100 });
    let joins = 0, crashes = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => { joins++; });
    consumer.on(consumer.events.CRASH, () => { crashes++; });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: 'ongoing', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => { got.push(message.value!.toString()); } });
      await until(() => got.length >= 4, 'the first four records');
      const committed = async (a: typeof admin) => (await a.fetchOffsets({ groupId: 'steady', topics: ['ongoing'] }))[0]!.partitions.map((p) => Number(p.offset)).reduce((x, y) => x + y, 0);
      for (let deadline = Date.now() + 20_000; (await committed(admin)) < 4;) if (Date.now() > deadline) throw new Error('timed out waiting for the commits');
      const before = (await admin.describeGroups(['steady'])).groups[0]!.members.map((m) => m.memberId);
      expect(before).toHaveLength(1);
      await admin.disconnect();
      await server.stop();
      server = await startServerProcess(args);
      await send('b');
      await until(() => got.length >= 8, 'the four records sent after the restart');
      const again = client(brokers).admin();
      await again.connect();
      try {
        const group = (await again.describeGroups(['steady'])).groups[0]!;
        expect([group.state, group.members.map((m) => m.memberId)]).toEqual(['Stable', before]);
      } finally { await again.disconnect(); }
      expect([...got].sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3']);
      expect([joins, crashes]).toEqual([1, 0]);
    } finally { await consumer.disconnect(); await server.stop(); }
  }, 60_000);

  it('__consumer_offsets is compacted as commits go on, and every group\'s latest offsets are there after a restart', async () => {
    const started = await kafkaWithDataDir('ksqlm-kafka-compact-', 'busy', 2);
    const { args, brokers, admin } = started;
    let server = started.server;
    // 1,200 commits (OffsetCommit v2, as a simple group) of two partitions by three groups, on one connection
    const raw = await rawClient(brokers[0]!);
    for (let i = 1; i <= 400; i++) {
      for (const groupId of ['g1', 'g2', 'g3']) {
        const body = new Writer().string(groupId).int32(-1).string('').int64(-1)
          .array(['busy'], (w, t) => w.string(t).array([0, 1], (x, p) => x.int32(p).int64(p === 0 ? i : i * 2).nullableString(null))).toBuffer();
        expect(await raw.send(request(8, 2, i, body))).not.toBeNull();
      }
    }
    raw.close();
    // (compaction runs after the request that wrote: the next request sees it done)
    await admin.fetchOffsets({ groupId: 'g1', topics: ['busy'] });
    const held = async (a: typeof admin) => (await a.fetchTopicOffsets('__consumer_offsets')).map((p) => Number(p.high) - Number(p.low))[0]!;
    expect(await held(admin)).toBeLessThan(1000);
    await admin.disconnect();
    await server.stop();
    server = await startServerProcess(args);
    const again = client(brokers).admin();
    await again.connect();
    for (const groupId of ['g1', 'g2', 'g3']) {
      const offsets = await again.fetchOffsets({ groupId, topics: ['busy'] });
      expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '400'], [1, '800']]);
    }
    expect(await held(again)).toBeLessThan(1000);
    await again.disconnect();
    await server.stop();
  }, 60_000);

  it('records deleted with DeleteRecords stay deleted, and altered topic configs stay altered, after a restart', async () => {
    const started = await kafkaWithDataDir('ksqlm-kafka-trim-', 'cut', 1);
    const { args, brokers, admin } = started;
    const producer = client(brokers).producer();
    await producer.connect();
    await producer.send({ topic: 'cut', messages: Array.from({ length: 5 }, (_, i) => ({ value: `r${i}` })) });
    await producer.disconnect();
    await admin.fetchTopicMetadata({ topics: ['cut'] });
    await admin.deleteTopicRecords({ topic: 'cut', partitions: [{ partition: 0, offset: '3' }] });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'cut', configEntries: [{ name: 'retention.bytes', value: '100000' }] }] });
    await admin.disconnect();
    await started.server.stop();

    const server = await startServerProcess(args);
    const again = client(brokers).admin();
    await again.connect();
    try {
      expect((await again.fetchTopicOffsets('cut'))[0]).toMatchObject({ low: '3', high: '5' });
      const described = await again.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'cut', configNames: ['retention.bytes'] }] });
      expect(described.resources[0]!.configEntries[0]!.configValue).toBe('100000');
    } finally { await again.disconnect(); await server.stop(); }
  }, 60_000);
});

describe('a data dir that cannot be written', () => {
  it('refuses produced records with KAFKA_STORAGE_ERROR and serves none of them; a restart takes writes at the next offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-kafka-enospc-'));
    const marker = join(dir, 'fail-now');
    const preload = fileURLToPath(new URL('../fixtures/fail-writes.cjs', import.meta.url));
    const kport = await freePort();
    const args = ['--kafka-port', String(kport), '--data-dir', join(dir, 'data')];
    const brokers = [`127.0.0.1:${kport}`];
    const kafka = new Kafka({ clientId: 'enospc', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    let server = await startServerProcess(args, { nodeArgs: ['--require', preload], env: { ...process.env, FAIL_WRITES_WHEN: marker } });
    try {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'full', numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'full', acks: -1, messages: [{ value: 'kept' }] });
      writeFileSync(marker, 'x');
      for (const value of ['lost', 'refused']) {
        await expect(producer.send({ topic: 'full', acks: -1, messages: [{ value }] })).rejects.toMatchObject({ cause: { type: 'KAFKA_STORAGE_ERROR' } });
      }
      await producer.disconnect();
      const offsets = async () => (await (async () => { const a = kafka.admin(); await a.connect(); try { return await a.fetchTopicOffsets('full'); } finally { await a.disconnect(); } })())[0]!.high;
      expect(await offsets()).toBe('1');
      // a topic the data dir cannot record is refused (KAFKA_STORAGE_ERROR), and not listed meanwhile
      const admin2 = kafka.admin();
      await admin2.connect();
      try {
        await expect(admin2.createTopics({ topics: [{ topic: 'unrecorded', numPartitions: 1 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'KAFKA_STORAGE_ERROR' })] });
        expect(await admin2.listTopics()).not.toContain('unrecorded');
        await expect(admin2.deleteTopics({ topics: ['full'] })).rejects.toThrow();
        expect(await admin2.listTopics()).toContain('full');
      } finally { await admin2.disconnect(); }
      await server.stop('SIGKILL');
      server = await startServerProcess(args);
      const again = kafka.producer();
      await again.connect();
      const [sent] = await again.send({ topic: 'full', acks: -1, messages: [{ value: 'after' }] });
      await again.disconnect();
      expect(sent!.baseOffset).toBe('1');
      expect(await consumeValues(client(brokers), 'full', 'enospc-reader', 2)).toEqual(['kept', 'after']);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('idempotent producers across a restart with --data-dir', () => {
  it('a batch retried after a restart (kill -9, and after a compaction) is known as a duplicate: answered with its offset, not appended again', async () => {
    const started = await kafkaWithDataDir('ksqlm-pid-retry-', 'idem-retry', 1);
    const { args, brokers } = started;
    let server = started.server;
    await started.admin.disconnect();
    // an idempotent producer's batch as a client builds it: producer id, epoch and first sequence, CRC over the rest
    const batch = (value: string, sequence: number) => {
      const b = encodeBatch([{ offset: 0, timestamp: Date.now(), key: null, value: Buffer.from(value), headers: [] }]);
      b.writeBigInt64BE(77n, 43); b.writeInt16BE(0, 51); b.writeInt32BE(sequence, 53);
      b.writeUInt32BE(crc32c(b.subarray(21)) >>> 0, 17);
      return b;
    };
    const produce = async (value: string, sequence: number, correlationId: number) => {
      const c = await rawClient(brokers[0]!);
      try {
        const r = new Reader((await c.send(request(0, 3, correlationId, new Writer().nullableString(null).int16(-1).int32(5000)
          .array(['idem-retry'], (w, t) => w.string(t).array([0], (x, p) => x.int32(p).bytes(batch(value, sequence)))).toBuffer())))!);
        r.int32(); r.int32(); r.string(); r.int32(); r.int32();
        return [r.int16(), r.long()];
      } finally { c.close(); }
    };
    try {
      expect(await produce('a', 0, 1)).toEqual([0, 0]);
      expect(await produce('b', 1, 2)).toEqual([0, 1]);
      // the producer never got its answer to b: it sends b again to a restarted server
      await server.stop('SIGKILL');
      server = await startServerProcess(args);
      expect(await produce('b', 1, 3)).toEqual([0, 1]);
      expect(await produce('c', 2, 4)).toEqual([0, 2]);
      // and again once the journal was compacted (a restart over a journal larger than the threshold compacts it)
      await server.stop();
      server = await startServerProcess([...args, '--journal-compact-bytes', '1']);
      expect(await produce('c', 2, 5)).toEqual([0, 2]);
      await server.stop('SIGKILL');
      server = await startServerProcess(args);
      expect(await produce('c', 2, 6)).toEqual([0, 2]);
      expect(await produce('d', 3, 7)).toEqual([0, 3]);
      const admin = client(brokers).admin();
      await admin.connect();
      try { expect(await admin.fetchTopicOffsets('idem-retry')).toEqual([expect.objectContaining({ partition: 0, high: '4', low: '0' })]); } finally { await admin.disconnect(); }
    } finally { await server.stop(); }
  }, 60_000);

  it('a producer from after the restart gets an id of its own: every acknowledged record is there', async () => {
    const started = await kafkaWithDataDir('ksqlm-pid-', 'idem', 1);
    const { args, brokers } = started;
    let server = started.server;
    await started.admin.disconnect();
    const a = client(brokers, 'a').producer({ idempotent: true, maxInFlightRequests: 1 });
    await a.connect();
    await a.send({ topic: 'idem', acks: -1, messages: [{ value: 'A1' }] });
    await server.stop('SIGKILL');
    server = await startServerProcess(args);
    try {
      const b = client(brokers, 'b').producer({ idempotent: true, maxInFlightRequests: 1 });
      await b.connect();
      await b.send({ topic: 'idem', acks: -1, messages: [{ value: 'B1' }] });
      await a.send({ topic: 'idem', acks: -1, messages: [{ value: 'A2' }] });
      await b.send({ topic: 'idem', acks: -1, messages: [{ value: 'B2' }] });
      await a.disconnect(); await b.disconnect();
      const c = client(brokers).consumer({ groupId: 'idem-reader', maxWaitTimeInMs: 100 });
      const seen: string[] = [];
      await c.connect();
      await c.subscribe({ topic: 'idem', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }: EachMessagePayload) => { seen.push(message.value!.toString()); } });
      await until(() => seen.length >= 4, 'four records');
      await c.disconnect();
      expect(seen.sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
    } finally { await server.stop(); }
  }, 60_000);
});

describe('compressed record batches', () => {
  // kafkajs compresses only with gzip itself; applications register codecs for the others, as
  // kafkajs-snappy and kafkajs-lz4 do. Snappy is framed as the Java client frames it.
  const xerial = (body: Buffer) => {
    const block = snappy.compressSync(body);
    const head = Buffer.alloc(20);
    Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(head);
    head.writeInt32BE(1, 8); head.writeInt32BE(1, 12); head.writeInt32BE(block.length, 16);
    return Buffer.concat([head, block]);
  };
  // (fetches send the producer's batches back compressed, as a broker does: the consumer decompresses them)
  const codec = (compress: (b: Buffer) => Buffer, type: number) => () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(encoder.buffer),
    decompress: async (buffer: Buffer) => { decompressed.push(type); return decompress(type, buffer, 1 << 30); },
  });
  const decompressed: number[] = [];
  CompressionCodecs[CompressionTypes.Snappy] = codec(xerial, 2);
  CompressionCodecs[CompressionTypes.LZ4] = codec((b) => lz4.compressFrameSync(b), 3);

  it('kafkajs produces gzip, snappy and lz4 batches; a consumer reads their records', async () => {
    const { server, brokers } = await serverWithKafka();
    try {
      const producer = client(brokers).producer();
      await producer.connect();
      const codecs = [['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy], ['lz4', CompressionTypes.LZ4]] as const;
      for (const [name, compression] of codecs) {
        await producer.send({ topic: 'zipped', acks: -1, compression, messages: [{ key: name, value: `${name} `.repeat(500) }, { key: `${name}-short`, value: 'short' }] });
      }
      await producer.disconnect();
      const consumer = client(brokers).consumer({ groupId: 'zipped' });
      const got: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'zipped', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => { got.push(`${message.key}=${message.value!.length}`); } });
      await until(() => got.length === 6, 'the six records');
      await consumer.disconnect();
      expect(got).toEqual(codecs.flatMap(([name]) => [`${name}=${(name.length + 1) * 500}`, `${name}-short=5`]));
      // the snappy and lz4 batches came back compressed (kafkajs decompresses gzip itself)
      expect([...new Set(decompressed)].sort()).toEqual([2, 3]);
    } finally { await server.stop(); }
  }, 60_000);

  const kcat = spawnSync('kcat', ['-V']).status === 0;
  it.skipIf(!kcat)('kcat (librdkafka 2.0) compresses with gzip, snappy, lz4 and zstd, which it does only towards a broker that lists Produce v0 (skipped when kcat is not installed)', async () => {
    const { server, brokers } = await serverWithKafka();
    try {
      const b = brokers[0]!;
      for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
        // (linger.ms holds the two records for one message set: at librdkafka's default of 5 ms, a busy
        // machine sent them apart, and a set of the short one alone is not worth compressing)
        const produced = spawnSync('kcat', ['-b', b, '-P', '-t', `z-${codec}`, '-K:', '-z', codec, '-X', 'debug=msg', '-X', 'linger.ms=500'], { input: `a:${'x'.repeat(4000)}\nb:${'y'.repeat(10)}\n`, encoding: 'utf8', timeout: 20_000 });
        expect(produced.status, produced.stderr).toBe(0);
        expect(produced.stderr).not.toMatch(/does not support compression/);
        expect(produced.stderr).toMatch(new RegExp(`Produce MessageSet with 2 message\\(s\\).*${codec}\\)`));
        const consumed = spawnSync('kcat', ['-b', b, '-C', '-t', `z-${codec}`, '-o', 'beginning', '-e', '-q', '-f', '%k=%S\n'], { encoding: 'utf8', timeout: 20_000 });
        expect(consumed.stdout.trim().split('\n'), codec).toEqual(['a=4000', 'b=10']);
      }
    } finally { await server.stop(); }
  }, 60_000);

  it('Produce v0 to v2 (message sets of magic 0 and 1, as kafkajs\'s own encoders write them, wrapped in gzip, snappy and lz4 too) land as records; a corrupt message is CORRUPT_MESSAGE', async () => {
    const { server, brokers } = await serverWithKafka();
    const legacy = (v: number) => require(`kafkajs/src/protocol/requests/produce/v${v}/request`) as (a: object) => { encode(): Promise<{ buffer: Buffer }> };
    const decode = (v: number) => (require(`kafkajs/src/protocol/requests/produce/v${v}/response`) as { decode(b: Buffer): Promise<{ topics: { partitions: { errorCode: number; offset: string }[] }[] }> }).decode;
    const raw = await rawClient(brokers[0]!);
    try {
      const admin = client(brokers).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'legacy', numPartitions: 1 }] });
      await admin.disconnect();
      const sent: string[] = [];
      let offset = 0;
      // (compression: kafkajs's types, 1 gzip, 2 snappy, 3 lz4)
      for (const [v, codec] of [[0, 0], [1, 0], [2, 0], [2, 1], [2, 2], [2, 3]] as const) {
        const messages = [{ key: Buffer.from(`k${v}`), value: Buffer.from(`v${v}${codec ? `z${codec}` : ''}`), timestamp: 1_700_000_000_000 + v }, { key: null, value: Buffer.from('x'.repeat(2000)), timestamp: 1_700_000_000_100 }];
        const req = legacy(v)({ acks: -1, timeout: 5000, compression: codec, topicData: [{ topic: 'legacy', partitions: [{ partition: 0, messages }] }] });
        const answer = (await raw.send(request(0, v, 10 + v, (await req.encode()).buffer)))!;
        expect(answer.readInt32BE(0)).toBe(10 + v);
        const res = await decode(v)(answer.subarray(4));
        expect(res.topics[0]!.partitions[0]!.errorCode, `v${v}`).toBe(0);
        expect(Number(res.topics[0]!.partitions[0]!.offset)).toBe(offset);
        offset += 2;
        sent.push(`k${v}=v${v}${codec ? `z${codec}` : ''}`, '=2000');
      }
      const consumer = client(brokers).consumer({ groupId: 'legacy-reader' });
      const got: { kv: string; ts: number }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'legacy', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => { got.push({ kv: `${message.key ?? ''}=${message.value!.length > 100 ? message.value!.length : message.value}`, ts: Number(message.timestamp) }); } });
      await until(() => got.length === 12, 'the twelve records');
      await consumer.disconnect();
      expect(got.map((g) => g.kv)).toEqual(sent);
      // magic 1 (kafkajs's v2) carries the producer's times; magic 0 (its v0 and v1) has none, -1 in the log, as Kafka keeps it
      expect(got.map((g) => g.ts)).toEqual([...Array(4).fill(-1), ...Array(4).fill([1_700_000_000_002, 1_700_000_000_100]).flat()]);
      // a query skips a record without a time, as Kafka Streams skips a negative timestamp
      expect((await ksql(server.url, "CREATE STREAM LEG (V STRING) WITH (KAFKA_TOPIC='legacy', VALUE_FORMAT='DELIMITED'); CREATE TABLE LEG_N AS SELECT 1 AS K, COUNT(*) AS N, MAX(ROWTIME) AS LAST FROM LEG GROUP BY 1;")).status).toBe(200);
      // a last record, timed now: once the table shows its time, every record before it was read
      const producer = client(brokers).producer();
      await producer.connect();
      await producer.send({ topic: 'legacy', messages: [{ value: 'last' }] });
      await producer.disconnect();
      let row: unknown[] | undefined;
      const sentAt = Date.now() - 1000;
      for (const deadline = Date.now() + 20_000; !(Number(row?.[1]) > sentAt) && Date.now() < deadline;) row = (await queryStream(server.url, 'SELECT N, LAST FROM LEG_N;')).rows[0];
      expect(Number(row?.[1])).toBeGreaterThan(sentAt);
      expect(row?.[0]).toBe(9);

      // max.message.bytes holds a compressed message set at the size it came in, as Kafka's does
      const admin2 = client(brokers).admin();
      await admin2.connect();
      await admin2.createTopics({ topics: [{ topic: 'legacy-big', numPartitions: 1 }] });
      await admin2.disconnect();
      for (const [codec, code] of [[1, 0], [0, 10]] as const) {
        const big = legacy(2)({ acks: -1, timeout: 5000, compression: codec, topicData: [{ topic: 'legacy-big', partitions: [{ partition: 0, messages: [{ key: null, value: Buffer.alloc(2 << 20, 'a'), timestamp: Date.now() }] }] }] });
        const res = await decode(2)((await raw.send(request(0, 2, 20 + codec, (await big.encode()).buffer)))!.subarray(4));
        expect([codec, res.topics[0]!.partitions[0]!.errorCode]).toEqual([codec, code]);
      }

      // a message whose CRC does not match its bytes
      const value = Buffer.from('v');
      const msg = Buffer.alloc(4 + 1 + 1 + 8 + 4 + 4 + value.length);
      msg.writeUInt32BE(12345, 0); msg.writeInt8(1, 4); msg.writeInt8(0, 5); msg.writeBigInt64BE(BigInt(Date.now()), 6); msg.writeInt32BE(-1, 14); msg.writeInt32BE(1, 18); value.copy(msg, 22);
      const set = Buffer.concat([Buffer.alloc(8), Buffer.from([0, 0, 0, msg.length]), msg]);
      const topicName = Buffer.from('legacy');
      const body = Buffer.concat([
        Buffer.from([0xff, 0xff, 0, 0, 0x13, 0x88, 0, 0, 0, 1]), Buffer.from([0, topicName.length]), topicName,
        Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), Buffer.from([0, 0, 0, set.length]), set,
      ]);
      const answer = (await raw.send(request(0, 2, 7, body)))!;
      const res = await decode(2)(answer.subarray(4));
      expect(res.topics[0]!.partitions[0]!.errorCode).toBe(2);
    } finally { raw.close(); await server.stop(); }
  }, 60_000);
});

describe('the Kafka listener with librdkafka (kcat)', () => {
  const kcat = spawnSync('kcat', ['-V']).status === 0;
  it.skipIf(!kcat)('kcat lists metadata, produces and consumes (skipped when kcat is not installed)', async () => {
    const { server, brokers } = await serverWithKafka();
    try {
      const b = brokers[0]!;
      const produced = spawnSync('kcat', ['-b', b, '-P', '-t', 'kc', '-K:'], { input: 'a:1\nb:2\nc:3\n', encoding: 'utf8', timeout: 20_000 });
      expect(produced.status, produced.stderr).toBe(0);
      const meta = spawnSync('kcat', ['-b', b, '-L', '-t', 'kc'], { encoding: 'utf8', timeout: 20_000 });
      expect(meta.stdout).toMatch(/topic "kc" with 1 partitions/);
      const consumed = spawnSync('kcat', ['-b', b, '-C', '-t', 'kc', '-o', 'beginning', '-e', '-q', '-f', '%k=%s %o\n'], { encoding: 'utf8', timeout: 20_000 });
      expect(consumed.stdout.trim().split('\n')).toEqual(['a=1 0', 'b=2 1', 'c=3 2']);
      // a time after the last record: offset -1, as Kafka answers (Java's offsetsForTimes gives null)
      const byTime = spawnSync('kcat', ['-b', b, '-Q', '-t', 'kc:0:99999999999999'], { encoding: 'utf8', timeout: 20_000 });
      expect(byTime.stdout.trim()).toBe('kc [0] offset -1');
    } finally { await server.stop(); }
  }, 60_000);
  it.skipIf(!kcat)('a static member (group.instance.id) that comes back takes its place at once; a second live one fences the first (skipped when kcat is not installed)', async () => {
    const { server, brokers } = await serverWithKafka();
    try {
      const b = brokers[0]!;
      const produce = (input: string) => expect(spawnSync('kcat', ['-b', b, '-P', '-t', 'st', '-K:'], { input, encoding: 'utf8', timeout: 20_000 }).status).toBe(0);
      // the session outlasts the test's deadline: without static membership the second run would wait
      // for the first member's session to end (static members do not leave when they close)
      const member = ['-b', b, '-G', 'static-g', 'st', '-X', 'group.instance.id=inst-1', '-X', 'session.timeout.ms=45000', '-o', 'beginning', '-q', '-f', '%k=%s\n'];
      produce('a:1\nb:2\n');
      const first = spawnSync('kcat', [...member, '-e'], { encoding: 'utf8', timeout: 20_000 });
      expect(first.stdout.trim().split('\n')).toEqual(['a=1', 'b=2']);
      produce('c:3\n');
      const again = spawnSync('kcat', [...member, '-e'], { encoding: 'utf8', timeout: 20_000 });
      // (kcat -e leaves without committing, so the run reads from the beginning again)
      expect([again.status, again.stdout.trim().split('\n').at(-1)]).toEqual([0, 'c=3']);
      // a second instance with the same id while the first runs: the older one is fenced
      const older = spawn('kcat', [...member, '-u'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let olderOut = '';
      older.stdout.on('data', (d) => { olderOut += d; });
      older.stderr.on('data', (d) => { olderOut += d; });
      produce('d:4\n');
      await until(() => olderOut.includes('d=4'), 'the first instance to consume');
      const ended = once(older, 'exit');
      const newer = spawnSync('kcat', [...member, '-e'], { encoding: 'utf8', timeout: 20_000 });
      expect(newer.status).toBe(0);
      await Promise.race([ended, new Promise((_r, reject) => setTimeout(() => reject(new Error(`the older instance was not fenced: ${olderOut}`)), 20_000))]);
      expect(olderOut).toMatch(/fenced/i);
    } finally { await server.stop(); }
  }, 90_000);

  it.skipIf(!kcat)('kcat produces in a transaction (transactional.id) and a read_committed consumer reads it (skipped when kcat is not installed)', async () => {
    const { server, brokers } = await serverWithKafka();
    try {
      const b = brokers[0]!;
      const produced = spawnSync('kcat', ['-b', b, '-P', '-t', 'ktx', '-K:', '-X', 'transactional.id=kcat-tx'], { input: 'a:1\nb:2\n', encoding: 'utf8', timeout: 30_000 });
      expect([produced.status, produced.stderr]).toEqual([0, expect.stringContaining('Transaction successfully committed')]);
      const consumed = spawnSync('kcat', ['-b', b, '-C', '-t', 'ktx', '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%k=%s %o\n'], { encoding: 'utf8', timeout: 20_000 });
      expect(consumed.stdout.trim().split('\n')).toEqual(['a=1 0', 'b=2 1']);
    } finally { await server.stop(); }
  }, 60_000);

  it.skipIf(!kcat)('a consumer fetching megabytes of small records gets them all in one fetch (skipped when kcat is not installed)', async () => {
    const { server, brokers } = await serverWithKafka();
    try {
      const b = brokers[0]!;
      // 200,000 records of a few bytes: an 8 MB fetch holds more of them than a call takes arguments
      const lines = Array.from({ length: 200_000 }, (_v, i) => String(i + 1)).join('\n') + '\n';
      const produced = spawnSync('kcat', ['-b', b, '-P', '-t', 'small'], { input: lines, encoding: 'utf8', timeout: 30_000 });
      expect(produced.status, produced.stderr).toBe(0);
      const consumed = spawnSync('kcat', ['-b', b, '-C', '-t', 'small', '-o', 'beginning', '-e', '-q', '-X', 'max.partition.fetch.bytes=8388608', '-X', 'fetch.max.bytes=8388608'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
      const got = consumed.stdout.trim().split('\n');
      expect([got.length, got[0], got.at(-1)]).toEqual([200_000, '1', '200000']);
    } finally { await server.stop(); }
  }, 90_000);

  it.skipIf(!kcat)('kcat authenticates with SASL/PLAIN, produces and consumes; a wrong password fails (skipped when kcat is not installed)', async () => {
    const { server, brokers } = await serverWithKafka(['--kafka-sasl-plain', 'alice:s3cret-pw']);
    try {
      const sasl = (password: string) => ['-b', brokers[0]!, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`];
      const produced = spawnSync('kcat', [...sasl('s3cret-pw'), '-P', '-t', 'secure', '-K:'], { input: 'k:v\n', encoding: 'utf8', timeout: 20_000 });
      expect(produced.status, produced.stderr).toBe(0);
      const consumed = spawnSync('kcat', [...sasl('s3cret-pw'), '-C', '-t', 'secure', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'], { encoding: 'utf8', timeout: 20_000 });
      expect(consumed.stdout.trim()).toBe('k=v');
      const refused = spawnSync('kcat', [...sasl('wrong'), '-L', '-m', '3'], { encoding: 'utf8', timeout: 20_000 });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/Authentication failed/);
      expect(server.output()).not.toContain('s3cret-pw');
    } finally { await server.stop(); }
  }, 60_000);
});

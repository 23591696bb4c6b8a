import { describe, expect, it, vi } from 'vitest';
import { crc32c } from '@node-rs/crc32';
import { TopicStore } from '../../src/engine/storage/topics.js';
import { Broker } from '../../src/engine/kafka/broker.js';
import { GroupCoordinator, selectProtocol } from '../../src/engine/kafka/groups.js';
import { InternalCompactor } from '../../src/engine/kafka/internal-compaction.js';
import { encodeBatch } from '../../src/engine/kafka/record-batch.js';

/** A batch of `n` records from an idempotent producer: its id, epoch and first sequence set, CRC redone. */
function idempotentBatch(n: number, producerId: number, epoch: number, sequence: number): Buffer {
  const b = encodeBatch(Array.from({ length: n }, (_v, i) => ({ offset: i, timestamp: 1000 + i, key: null, value: Buffer.from(`v${sequence + i}`), headers: [] })));
  b.writeBigInt64BE(BigInt(producerId), 43);
  b.writeInt16BE(epoch, 51);
  b.writeInt32BE(sequence, 53);
  b.writeUInt32BE(crc32c(b.subarray(21)) >>> 0, 17);
  return b;
}

describe('the broker', () => {
  it('sends a producer\'s compressed batch back as it came (its offsets the log\'s), as a broker\'s log does; records written otherwise go as batches of their own', () => {
    const topics = new TopicStore();
    topics.create('zip', { partitions: 1, replicas: 1 });
    const broker = new Broker(topics, () => undefined);
    const recs = (from: number, n: number) => Array.from({ length: n }, (_v, i) => ({ offset: i, timestamp: 1000 + from + i, key: null, value: Buffer.from(`v${from + i}`.repeat(50)), headers: [] }));
    topics.append('zip', { key: null, value: Buffer.from('before'), timestamp: 999 });
    const zipped = encodeBatch(recs(0, 3), true);
    expect(broker.produce('zip', 0, zipped).baseOffset).toBe(1);
    expect(broker.produce('zip', 0, encodeBatch(recs(3, 1))).baseOffset).toBe(4);
    // the records are read by the engine meanwhile (decoded): the batch is still sent as it came
    expect(topics.get('zip')!.partitions[0]!.get(2)!.value!.toString()).toBe('v1'.repeat(50));
    const batches = (bytes: Buffer) => { const out: { base: number; attributes: number; count: number; bytes: Buffer }[] = []; for (let p = 0; p < bytes.length;) { const len = bytes.readInt32BE(p + 8); out.push({ base: Number(bytes.readBigInt64BE(p)), attributes: bytes.readInt16BE(p + 21), count: bytes.readInt32BE(p + 57), bytes: bytes.subarray(p, p + 12 + len) }); p += 12 + len; } return out; };
    const all = batches(broker.fetch('zip', 0, 0, 1 << 20).records!);
    expect(all.map((b) => [b.base, b.attributes & 7, b.count])).toEqual([[0, 0, 1], [1, 1, 3], [4, 0, 1]]);
    // the batch is the producer's to the byte, but for its base offset and leader epoch (outside the CRC)
    expect(all[1]!.bytes.subarray(16)).toEqual(zipped.subarray(16));
    // a fetch from within the batch gets all of it (the consumer skips what it has)
    expect(batches(broker.fetch('zip', 0, 2, 1 << 20).records!).map((b) => [b.base, b.count])).toEqual([[1, 3], [4, 1]]);
    // a limit the batch does not fit: only the first batch goes (KIP-74), or nothing after the first
    expect(batches(broker.fetch('zip', 0, 1, 10).records!).map((b) => b.base)).toEqual([1]);
    expect(batches(broker.fetch('zip', 0, 0, 10).records!).map((b) => b.base)).toEqual([0]);
  });

  it('keeps a compressed batch as it came only where the topic keeps the producer\'s codec, and refuses one whose records\' offsets do not count 0, 1, 2 ...', () => {
    const topics = new TopicStore();
    const broker = new Broker(topics, () => undefined);
    const recs = (offsets: number[]) => offsets.map((offset, i) => ({ offset, timestamp: 1000 + i, key: null, value: Buffer.from(`v${i}`.repeat(40)), headers: [] }));
    const codecOf = (name: string) => broker.fetch(name, 0, 0, 1 << 20).records!.readInt16BE(21) & 7;
    for (const [name, type, codec] of [['as-produced', 'producer', 1], ['unc', 'uncompressed', 0], ['gz', 'gzip', 1], ['lz', 'lz4', 0]] as const) {
      topics.create(name, { partitions: 1, replicas: 1, overrides: { 'compression.type': type } });
      expect(broker.produce(name, 0, encodeBatch(recs([0, 1, 2]), true)).errorCode).toBe(0);
      // (a topic of another codec: a broker recompresses into it; here the records go uncompressed)
      expect([name, codecOf(name)]).toEqual([name, codec]);
    }
    // Kafka's validator: "does not have incremental offsets" (INVALID_RECORD, 87); nothing appended
    topics.create('deltas', { partitions: 1, replicas: 1 });
    expect(broker.produce('deltas', 0, encodeBatch(recs([0, 0, 2]), true)).errorCode).toBe(87);
    expect(topics.get('deltas')!.partitions[0]!.end).toBe(0);
  });

  it('answers an idempotent producer\'s retry of an older batch with that batch\'s own base offset', () => {
    const topics = new TopicStore();
    topics.create('idem', { partitions: 1, replicas: 1 });
    const broker = new Broker(topics, () => undefined);
    expect(broker.produce('idem', 0, idempotentBatch(3, 7, 0, 0)).baseOffset).toBe(0);
    expect(broker.produce('idem', 0, idempotentBatch(2, 7, 0, 3)).baseOffset).toBe(3);
    // both retried: each keeps its offset, and nothing is appended again
    expect(broker.produce('idem', 0, idempotentBatch(3, 7, 0, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(broker.produce('idem', 0, idempotentBatch(2, 7, 0, 3))).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(topics.get('idem')!.partitions[0]!.end).toBe(5);
    // a retry that grew (same first sequence, more records) is no duplicate: out of order (45), nothing appended
    expect(broker.produce('idem', 0, idempotentBatch(4, 7, 0, 0)).errorCode).toBe(45);
    // and so is one that starts inside an earlier batch (Kafka 3 answers no DUPLICATE_SEQUENCE_NUMBER, 46, which a Java producer takes for success)
    expect(broker.produce('idem', 0, idempotentBatch(2, 7, 0, 1)).errorCode).toBe(45);
    expect(topics.get('idem')!.partitions[0]!.end).toBe(5);
    // a new epoch starts at sequence 0: anything else is out of order; at 0 it is taken
    expect(broker.produce('idem', 0, idempotentBatch(1, 7, 1, 5)).errorCode).toBe(45);
    expect(broker.produce('idem', 0, idempotentBatch(1, 7, 1, 0))).toMatchObject({ errorCode: 0, baseOffset: 5 });
  });

  it('forgets a producer a day after its last batch (producer.id.expiration.ms), as its log\'s producers grow', () => {
    const topics = new TopicStore();
    topics.create('exp', { partitions: 1, replicas: 1 });
    const log = topics.get('exp')!.partitions[0]!;
    const t0 = 1_700_000_000_000, day = 86_400_000;
    log.noteProducer({ id: 1, epoch: 0, firstSequence: 0, lastSequence: 0 }, 0, t0);
    log.noteProducer({ id: 2, epoch: 0, firstSequence: 0, lastSequence: 0 }, 1, t0 + 10);
    for (let id = 3; id <= 63; id++) log.noteProducer({ id, epoch: 0, firstSequence: 0, lastSequence: 0 }, id, t0 + day);
    expect(log.producers.has(1)).toBe(true);
    // the 64th: the states are looked over; 1 went quiet more than a day ago, 2 exactly a day ago
    log.noteProducer({ id: 64, epoch: 0, firstSequence: 0, lastSequence: 0 }, 64, t0 + day + 10);
    expect([log.producers.has(1), log.producers.has(2), log.producers.size]).toEqual([false, true, 63]);
  });

  it('takes an idempotent producer\'s sequences past 2^31 - 1, where they wrap to 0, and knows a retry across the wrap', () => {
    const topics = new TopicStore();
    topics.create('wrap', { partitions: 1, replicas: 1 });
    const broker = new Broker(topics, () => undefined);
    const MAX = 2 ** 31 - 1;
    // a new producer may start anywhere; then sequences run up to MAX, wrap to 0 and go on
    expect(broker.produce('wrap', 0, idempotentBatch(2, 9, 0, MAX - 2)).errorCode).toBe(0);
    expect(broker.produce('wrap', 0, idempotentBatch(1, 9, 0, MAX)).errorCode).toBe(0);
    expect(broker.produce('wrap', 0, idempotentBatch(1, 9, 0, 0))).toMatchObject({ errorCode: 0, baseOffset: 3 });
    // the next after the wrap, and its retry
    expect(broker.produce('wrap', 0, idempotentBatch(1, 9, 0, 1))).toMatchObject({ errorCode: 0, baseOffset: 4 });
    expect(broker.produce('wrap', 0, idempotentBatch(1, 9, 0, 1))).toMatchObject({ errorCode: 0, baseOffset: 4 });
    expect(broker.produce('wrap', 0, idempotentBatch(1, 9, 0, 3)).errorCode).toBe(45);
    expect(topics.get('wrap')!.partitions[0]!.end).toBe(5);
    // a batch that spans the wrap: from 2^31 - 2 its three records end at sequence 0
    const spanning = new Broker(topics, () => undefined);
    expect(spanning.produce('wrap', 0, idempotentBatch(3, 11, 0, MAX - 1)).errorCode).toBe(0);
    expect(spanning.produce('wrap', 0, idempotentBatch(3, 11, 0, MAX - 1))).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect(spanning.produce('wrap', 0, idempotentBatch(1, 11, 0, 1)).errorCode).toBe(0);
  });

  it('lets only the first partition with records in a fetch go past the byte limit (KIP-74); the others keep to it', () => {
    const topics = new TopicStore();
    topics.create('big', { partitions: 2, replicas: 1 });
    for (const partition of [0, 1]) topics.append('big', { key: null, value: Buffer.alloc(3000, 120), timestamp: 1, partition });
    const broker = new Broker(topics, () => undefined);
    // a record larger than the limit goes when it is the response's first, so a consumer gets past it
    expect(broker.fetch('big', 0, 0, 100).records).not.toBeNull();
    // after another partition's records it does not
    expect(broker.fetch('big', 1, 0, 100, false).records).toBeNull();
    expect(broker.fetch('big', 1, 0, 5000, false).records).not.toBeNull();
  });

  it('refuses more partitions than it holds, and keeps running', () => {
    const broker = new Broker(new TopicStore(), () => undefined);
    expect(broker.createTopic('huge', 2_000_000_000, 1, false).code).toBe(37);
    expect(broker.createTopic('ok', 3, 1, false).code).toBe(0);
  });

  it('refuses a record without a key on a compacted topic (INVALID_RECORD) and appends nothing of its batch; keyed records go', () => {
    const topics = new TopicStore();
    topics.create('table', { partitions: 1, replicas: 1, cleanupPolicy: 'compact' });
    topics.create('both', { partitions: 1, replicas: 1, cleanupPolicy: 'compact,delete' });
    topics.create('plain', { partitions: 1, replicas: 1 });
    const broker = new Broker(topics, () => undefined);
    const batch = (...keys: (string | null)[]) => encodeBatch(keys.map((k, i) => ({ offset: i, timestamp: 1000, key: k === null ? null : Buffer.from(k), value: Buffer.from('v'), headers: [] })));
    expect(broker.produce('table', 0, batch('a', null)).errorCode).toBe(87);
    expect(broker.produce('both', 0, batch(null)).errorCode).toBe(87);
    expect(topics.get('table')!.partitions[0]!.end).toBe(0);
    expect(broker.produce('table', 0, batch('a', 'b'))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(broker.produce('plain', 0, batch(null)).errorCode).toBe(0);
  });

  it('acks=all needs min.insync.replicas in sync (NOT_ENOUGH_REPLICAS: one node); a record time outside message.timestamp.before/after.max.ms is INVALID_TIMESTAMP', () => {
    const topics = new TopicStore();
    const broker = new Broker(topics, () => undefined);
    expect(broker.createTopic('isr', 1, 1, false, [{ name: 'min.insync.replicas', value: '2' }]).code).toBe(0);
    const at = (...times: number[]) => encodeBatch(times.map((t, i) => ({ offset: i, timestamp: t, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] })));
    expect(broker.produce('isr', 0, at(Date.now()), undefined, -1).errorCode).toBe(19);
    expect(broker.produce('isr', 0, at(Date.now()), undefined, 1).errorCode).toBe(0);
    expect(broker.createTopic('recent', 1, 1, false, [{ name: 'message.timestamp.before.max.ms', value: '60000' }, { name: 'message.timestamp.after.max.ms', value: '1000' }]).code).toBe(0);
    expect(broker.produce('recent', 0, at(Date.now(), Date.now() - 3_600_000)).errorCode).toBe(32);
    expect(broker.produce('recent', 0, at(Date.now() + 3_600_000)).errorCode).toBe(32);
    expect(broker.produce('recent', 0, at(Date.now() - 1000)).errorCode).toBe(0);
    // a record without a time (-1) is not judged, as Kafka skips NO_TIMESTAMP
    expect(broker.produce('recent', 0, at(-1)).errorCode).toBe(0);
    // the older difference.max.ms stands for both when they are unset
    expect(broker.createTopic('diff', 1, 1, false, [{ name: 'message.timestamp.difference.max.ms', value: '60000' }]).code).toBe(0);
    expect(broker.produce('diff', 0, at(Date.now() - 3_600_000)).errorCode).toBe(32);
    expect(topics.get('recent')!.partitions[0]!.end + topics.get('diff')!.partitions[0]!.end).toBe(2);
  });

  it('takes exactly one record batch per partition in a Produce (v3 and later): two are INVALID_RECORD and nothing is appended', () => {
    const topics = new TopicStore();
    topics.create('one', { partitions: 1, replicas: 1 });
    const broker = new Broker(topics, () => undefined);
    const batch = (n: number) => encodeBatch(Array.from({ length: n }, (_v, i) => ({ offset: i, timestamp: 1000 + i, key: null, value: Buffer.from(`v${i}`), headers: [] })));
    expect(broker.produce('one', 0, Buffer.concat([batch(1), batch(2)])).errorCode).toBe(87);
    expect(broker.produce('one', 0, Buffer.alloc(0)).errorCode).toBe(87);
    expect(topics.get('one')!.partitions[0]!.end).toBe(0);
    expect(broker.produce('one', 0, batch(2))).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });

  it('refuses a batch of no records, one whose offset range disagrees with its count, or a control batch (INVALID_RECORD), and hands out no offset for it; a record without a time keeps -1', () => {
    const topics = new TopicStore();
    topics.create('zb', { partitions: 1, replicas: 1 });
    const broker = new Broker(topics, () => undefined);
    const batch = (times: number[]) => encodeBatch(times.map((t, i) => ({ offset: i, timestamp: t, key: null, value: Buffer.from(`v${i}`), headers: [] })));
    // no records: the header alone (length 49), count 0, last offset delta -1
    const empty = batch([1000]).subarray(0, 61);
    empty.writeInt32BE(49, 8); empty.writeInt32BE(-1, 23); empty.writeInt32BE(0, 57);
    empty.writeUInt32BE(crc32c(empty.subarray(21)) >>> 0, 17);
    // two records claiming an offset range of one
    const short = batch([1000, 1001]);
    short.writeInt32BE(0, 23);
    short.writeUInt32BE(crc32c(short.subarray(21)) >>> 0, 17);
    expect(broker.produce('zb', 0, batch([1000])).baseOffset).toBe(0);
    expect(broker.produce('zb', 0, empty).errorCode).toBe(87);
    expect(broker.produce('zb', 0, short).errorCode).toBe(87);
    expect(broker.produce('zb', 0, batch([-1]))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    const log = topics.get('zb')!.partitions[0]!;
    expect([log.end, log.get(0)?.timestamp, log.get(1)?.timestamp]).toEqual([2, 1000, -1]);
    // a control batch (attributes bit 5: a transaction marker) is the broker's to write, never a client's
    const control = batch([1000]);
    control.writeInt16BE(0x20, 21);
    control.writeUInt32BE(crc32c(control.subarray(21)) >>> 0, 17);
    expect(broker.produce('zb', 0, control).errorCode).toBe(87);
    // and it took no offset: the next record gets the one after the last
    expect(broker.produce('zb', 0, batch([1002]))).toMatchObject({ errorCode: 0, baseOffset: 2 });
  });

  it('names no topic "." or "..": CreateTopics refuses them with Kafka\'s message, and a Metadata request does not make them', () => {
    const broker = new Broker(new TopicStore(), () => undefined);
    for (const name of ['.', '..']) {
      expect(broker.createTopic(name, 1, 1, false)).toEqual({ code: 17, message: 'Topic name cannot be "." or ".."' });
      expect(broker.topicFor(name, true)).toBeUndefined();
    }
    expect(broker.createTopic('', 1, 1, false)).toEqual({ code: 17, message: "Topic name is illegal, it can't be empty" });
    expect(broker.createTopic('x'.repeat(250), 1, 1, false).message).toBe(`Topic name is illegal, it can't be longer than 249 characters, topic name: ${'x'.repeat(250)}`);
    expect(broker.topicFor('...', true)?.name).toBe('...');
  });

  it('refuses a name that differs from an existing topic only by . and _, with Kafka\'s message', () => {
    const broker = new Broker(new TopicStore(), () => undefined);
    expect(broker.createTopic('a.b_c', 1, 1, false).code).toBe(0);
    expect(broker.createTopic('a_b.c', 1, 1, false)).toEqual({ code: 17, message: "Topic 'a_b.c' collides with existing topic: a.b_c" });
    expect(broker.createTopic('a.b_c', 1, 1, false).code).toBe(36);
  });
});

describe('the group coordinator', () => {
  it('selects the protocol by the members\' votes (each member\'s most preferred common one), as Kafka\'s coordinator does', () => {
    const m = (...names: string[]) => ({ protocols: names.map((name) => ({ name })) });
    expect(selectProtocol([m('roundrobin', 'range'), m('range', 'roundrobin'), m('range', 'roundrobin')])).toBe('range');
    // only protocols every member supports are candidates; a tie goes to the first member's preference
    expect(selectProtocol([m('sticky', 'roundrobin', 'range'), m('range', 'roundrobin')])).toBe('roundrobin');
    expect(selectProtocol([m('a', 'b'), m('b', 'a')])).toBe('a');
    expect(selectProtocol([m('a'), m('b')])).toBe('');
  });

  const join = (g: GroupCoordinator, memberId: string) => g.join({ groupId: 'g', memberId, clientId: 'c', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false });

  it('answers a join with a member id the group does not know UNKNOWN_MEMBER_ID, even for a group that is new or empty (the client joins again without it)', async () => {
    const g = new GroupCoordinator(new TopicStore());
    try {
      expect((await join(g, 'stale-member-id-123')).errorCode).toBe(25);
      const a = await join(g, '');
      expect(a.errorCode).toBe(0);
      await g.leave('g', a.memberId);
      expect(g.describe('g').state).toBe('Empty');
      expect((await join(g, a.memberId)).errorCode).toBe(25);
      expect((await join(g, '')).errorCode).toBe(0);
    } finally { g.close(); }
  });

  it('takes a member\'s commit while the group prepares a rebalance, as Kafka\'s does; keeps any int64 offset exactly', async () => {
    const topics = new TopicStore();
    const g = new GroupCoordinator(topics);
    try {
      const a = await join(g, '');
      await g.sync('g', a.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.alloc(0) }]);
      // a second member asks to join: the group prepares a rebalance, waiting for the first to rejoin
      void join(g, '');
      expect(g.describe('g').state).toBe('PreparingRebalance');
      expect(g.commit('g', a.generationId, a.memberId, 't', 0, 42n, null)).toBe(0);
      expect(g.committed('g', 't', 0).offset).toBe(42n);
      // as Kafka's coordinator: a group with members takes no commit without a generation; metadata is
      // at most 4096 bytes; a generation for a group never seen is a zombie's (ILLEGAL_GENERATION)
      expect(g.commit('g', -1, '', 't', 1, 1n, null)).toBe(25);
      expect(g.commit('never-seen', 5, 'm', 't', 1, 1n, null)).toBe(22);
      expect(g.commit('g', a.generationId, a.memberId, 't', 0, 43n, 'x'.repeat(4097))).toBe(12);
      expect(g.commit('offsets-only', -1, '', 't', 1, 2n ** 63n - 1n, null)).toBe(0);
      expect(g.committed('offsets-only', 't', 1).offset).toBe(2n ** 63n - 1n);
      // such a group is Empty (not Dead), as Kafka describes a group it loaded from its offsets; no
      // member ever joined it, so it has no protocol type (a simple group)
      expect(g.describe('offsets-only')).toEqual({ state: 'Empty', protocolType: '', protocol: '', members: [] });
      // and a new coordinator (a restart) reads them back from __consumer_offsets exactly, with the
      // protocol type the group's members joined with; the group as its last completed rebalance left
      // it (the join in progress is lost with the connection it waited on), so its member still commits
      const again = new GroupCoordinator(topics);
      expect([again.committed('g', 't', 0).offset, again.committed('offsets-only', 't', 1).offset]).toEqual([42n, 2n ** 63n - 1n]);
      expect(again.list().sort((x, y) => x.groupId.localeCompare(y.groupId))).toEqual([{ groupId: 'g', protocolType: 'consumer' }, { groupId: 'offsets-only', protocolType: '' }]);
      expect(again.describe('g')).toMatchObject({ state: 'Stable', protocolType: 'consumer', members: [{ id: a.memberId }] });
      expect(again.commit('g', a.generationId, a.memberId, 't', 0, 42n, null)).toBe(0);
      // a deleted topic takes its offsets with it, also for a coordinator that reads them back later
      topics.create('t', { partitions: 2, replicas: 1 });
      topics.delete('t');
      expect(again.committed('g', 't', 0).offset).toBe(-1n);
      const third = new GroupCoordinator(topics);
      expect(third.committed('offsets-only', 't', 1).offset).toBe(-1n);
      third.close();
      again.close();
    } finally { g.close(); }
  });

  it('keeps a group\'s members across a restart, as Kafka\'s coordinator loads a group: stable in its generation, assignments kept, a new session each; one that does not come back is dropped when its session ends', async () => {
    const topics = new TopicStore();
    const g = new GroupCoordinator(topics);
    const joinAs = (c: GroupCoordinator, memberId: string, instanceId?: string) => c.join({ groupId: 'g', memberId, clientId: `c-${instanceId ?? 'dyn'}`, clientHost: '/10.0.0.1', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 2]) }], requireKnownMemberId: false, instanceId });
    let again: GroupCoordinator | undefined, third: GroupCoordinator | undefined;
    try {
      const a = await joinAs(g, '');
      await g.sync('g', a.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('A') }]);
      const pending = joinAs(g, '', 'i-2');
      const a2 = await joinAs(g, a.memberId);
      const b = await pending;
      const syncs = [g.sync('g', b.generationId, b.memberId, [], 'i-2'), g.sync('g', a2.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('A1') }, { memberId: b.memberId, assignment: Buffer.from('B1') }])];
      await Promise.all(syncs);
      const before = g.describe('g');
      expect(before).toMatchObject({ state: 'Stable', protocol: 'range' });
      g.close();

      again = new GroupCoordinator(topics);
      // the same group: state, protocol, members with their client ids, hosts, metadata and assignments
      expect(again.describe('g')).toEqual(before);
      // both go on in their generation: heartbeats, commits, a sync of the stable group gives the assignment
      expect(again.heartbeat('g', a2.generationId, a.memberId)).toBe(0);
      expect(again.heartbeat('g', b.generationId, b.memberId, 'i-2')).toBe(0);
      expect(again.commit('g', a2.generationId, a.memberId, 't', 0, 7n, null)).toBe(0);
      expect((await again.sync('g', b.generationId, b.memberId, [], 'i-2')).assignment.toString()).toBe('B1');
      // a stale generation or an unknown member is refused as before the restart
      expect(again.heartbeat('g', a.generationId, a.memberId)).toBe(22);
      expect(again.commit('g', a2.generationId, 'nobody', 't', 0, 8n, null)).toBe(25);
      // the static member's old instance is fenced by a new one that takes its place, and that is kept too
      const b2 = await joinAs(again, '', 'i-2');
      expect([b2.errorCode, b2.generationId]).toEqual([0, b.generationId]);
      expect(again.heartbeat('g', b.generationId, b.memberId, 'i-2')).toBe(82);
      again.close();
      third = new GroupCoordinator(topics);
      expect(third.describe('g').members.map((m) => [m.id, m.assignment.toString()])).toEqual([[a.memberId, 'A1'], [b2.memberId, 'B1']]);
      // a member that leaves empties the group once the other does too; an empty group comes back empty
      expect(third.leave('g', a.memberId)).toBe(0);
      expect(third.leave('g', b2.memberId)).toBe(0);
      third.close();
      const fourth = new GroupCoordinator(topics);
      expect(fourth.describe('g')).toEqual({ state: 'Empty', protocolType: 'consumer', protocol: '', members: [] });
      expect(fourth.committed('g', 't', 0).offset).toBe(7n);
      fourth.close();
    } finally { g.close(); again?.close(); third?.close(); }
  });

  it('drops a member kept across a restart when it does not come back within its session', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const topics = new TopicStore();
    const g = new GroupCoordinator(topics);
    try {
      const a = await g.join({ groupId: 'g', memberId: '', clientId: 'c', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false });
      await g.sync('g', a.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('A') }]);
      g.close();
      // the restart comes long after the member was last seen: its session starts again from the restart
      vi.setSystemTime(2_000_000);
      const again = new GroupCoordinator(topics);
      try {
        vi.advanceTimersByTime(5000);
        expect(again.describe('g').state).toBe('Stable');
        vi.advanceTimersByTime(1500);
        expect(again.describe('g')).toMatchObject({ state: 'Empty', members: [] });
      } finally { again.close(); }
    } finally { g.close(); vi.useRealTimers(); }
  });

  it('a group goes on when its record cannot be kept (the data dir full): members sync, a session that ends in the timer does not throw, a commit or a deletion is NOT_COORDINATOR', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const topics = new TopicStore();
    const g = new GroupCoordinator(topics);
    try {
      topics.refusal = () => new Error('ENOSPC');
      const a = await g.join({ groupId: 'g', memberId: '', clientId: 'c', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false });
      expect((await g.sync('g', a.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('A') }])).assignment.toString()).toBe('A');
      expect(g.describe('g').state).toBe('Stable');
      // a commit that cannot be kept is NOT_COORDINATOR, as Kafka's coordinator answers a failed offsets append
      expect(g.commit('g', a.generationId, a.memberId, 't', 0, 5n, null)).toBe(16);
      expect(g.committed('g', 't', 0).offset).toBe(-1n);
      // nor are offsets or groups deleted: their tombstones cannot be kept either
      topics.refusal = undefined;
      expect(g.commit('other', -1, '', 't', 0, 9n, null)).toBe(0);
      topics.refusal = () => new Error('ENOSPC');
      expect(g.deleteGroup('other')).toBe(16);
      expect(g.deleteOffsets('other', [{ topic: 't', partition: 0 }]).partitions).toEqual([16]);
      expect(g.committed('other', 't', 0).offset).toBe(9n);
      vi.advanceTimersByTime(6500);
      expect(g.describe('g').state).toBe('Empty');
    } finally { g.close(); vi.useRealTimers(); }
  });

  it('removes a group left without members and offsets when a topic is deleted and at each offsets.retention.check.interval.ms, as Kafka\'s coordinator moves it to Dead; one with members or offsets stays', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    topics.create('other', { partitions: 1, replicas: 1 });
    const g = new GroupCoordinator(topics, undefined, 60_000);
    const joinTo = (group: string) => g.join({ groupId: group, memberId: '', clientId: 'c', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false });
    try {
      // 'committed': its member commits to t, then leaves; 'idle': joins and leaves without a commit;
      // 'live': keeps its member; 'simple': offsets only (an admin's commit to other)
      const c = await joinTo('committed');
      await g.sync('committed', c.generationId, c.memberId, [{ memberId: c.memberId, assignment: Buffer.alloc(0) }]);
      expect(g.commit('committed', c.generationId, c.memberId, 't', 0, 3n, null)).toBe(0);
      expect(g.leave('committed', c.memberId)).toBe(0);
      const i = await joinTo('idle');
      expect(g.leave('idle', i.memberId)).toBe(0);
      const l = await joinTo('live');
      await g.sync('live', l.generationId, l.memberId, [{ memberId: l.memberId, assignment: Buffer.alloc(0) }]);
      expect(g.commit('simple', -1, '', 'other', 0, 1n, null)).toBe(0);
      const ids = () => g.list().map((x) => x.groupId).sort();
      expect(ids()).toEqual(['committed', 'idle', 'live', 'simple']);
      // t deleted: its offsets go, and with them every group left empty with none
      topics.delete('t');
      expect(ids()).toEqual(['live', 'simple']);
      expect(g.describe('committed').state).toBe('Dead');
      expect(g.describe('idle').state).toBe('Dead');
      // a group emptied later goes at the next check (a heartbeat keeps 'live' in its session meanwhile)
      const e = await joinTo('emptied');
      expect(g.leave('emptied', e.memberId)).toBe(0);
      expect(ids()).toEqual(['emptied', 'live', 'simple']);
      for (let t = 0; t < 60_000; t += 1000) { vi.advanceTimersByTime(1000); g.heartbeat('live', l.generationId, l.memberId); }
      expect(ids()).toEqual(['live', 'simple']);
      // and a restart reads the removal back: the group records' tombstones are in __consumer_offsets
      g.close();
      const again = new GroupCoordinator(topics);
      try { expect(again.list().map((x) => x.groupId).sort()).toEqual(['live', 'simple']); } finally { again.close(); }
    } finally { g.close(); vi.useRealTimers(); }
  });

  it('__consumer_offsets is compacted as Kafka\'s log cleaner leaves it: each key\'s latest record, none of a dropped group; a coordinator reading it back after a restart has every offset', () => {
    const topics = new TopicStore();
    const compactor = new InternalCompactor(topics, 50);
    const g = new GroupCoordinator(topics, compactor);
    const log = () => topics.get('__consumer_offsets')!.partitions[0]!;
    try {
      // 3 groups x 4 partitions, each committed 100 times; one group is then deleted (tombstones)
      for (let i = 1; i <= 100; i++) for (const group of ['a', 'b', 'gone']) for (let p = 0; p < 4; p++) expect(g.commit(group, -1, '', 't', p, BigInt(i * 10 + p), `m${i}`)).toBe(0);
      expect(g.deleteGroup('gone')).toBe(0);
      expect(log().end).toBe(1204);
      expect(compactor.compact('__consumer_offsets')).toBe(true);
      // the 8 live offsets, copied after the 1,204 records, which are deleted
      expect([log().start, log().end]).toEqual([1204, 1212]);
      expect(log().all().map((r) => JSON.parse(r.key!.toString()) as unknown[]).map((k) => k.join('/'))).toEqual(['a/t/0', 'a/t/1', 'a/t/2', 'a/t/3', 'b/t/0', 'b/t/1', 'b/t/2', 'b/t/3']);
      // not again until it holds twice the live keys and at least the minimum
      for (let p = 0; p < 4; p++) g.commit('a', -1, '', 't', p, 5000n + BigInt(p), null);
      expect(compactor.compact('__consumer_offsets')).toBe(false);
      const again = new GroupCoordinator(topics);
      expect(['a', 'b', 'gone'].flatMap((group) => [0, 1, 2, 3].map((p) => again.committed(group, 't', p)))).toEqual([
        ...[0, 1, 2, 3].map((p) => ({ offset: 5000n + BigInt(p), metadata: '' })),
        ...[0, 1, 2, 3].map((p) => ({ offset: BigInt(1000 + p), metadata: 'm100' })),
        ...[0, 1, 2, 3].map(() => ({ offset: -1n, metadata: '' })),
      ]);
      again.close();
    } finally { g.close(); }
  });

  it('static members (KIP-345): a follower or the leader that comes back takes its place and assignment without a rebalance; the old id is fenced; an admin removes one by instance id', async () => {
    const g = new GroupCoordinator(new TopicStore());
    const joinStatic = (memberId: string, instanceId: string) => g.join({ groupId: 'g', memberId, clientId: 'c', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], requireKnownMemberId: true, instanceId });
    try {
      // static members need no MEMBER_ID_REQUIRED round; their ids start with the instance id
      const leader = await joinStatic('', 'i-1');
      expect([leader.errorCode, leader.memberId]).toEqual([0, expect.stringMatching(/^i-1-/)]);
      await g.sync('g', leader.generationId, leader.memberId, [{ memberId: leader.memberId, assignment: Buffer.from('A') }], 'i-1');
      // a second member: everyone rejoins, the leader assigns
      const pending = joinStatic('', 'i-2');
      const rejoined = await joinStatic(leader.memberId, 'i-1');
      const follower = await pending;
      expect(rejoined.generationId).toBe(follower.generationId);
      const syncs = [g.sync('g', follower.generationId, follower.memberId, [], 'i-2'), g.sync('g', rejoined.generationId, leader.memberId, [{ memberId: leader.memberId, assignment: Buffer.from('A') }, { memberId: follower.memberId, assignment: Buffer.from('B') }], 'i-1')];
      expect((await syncs[0]!).assignment.toString()).toBe('B');
      await syncs[1];
      expect(g.describe('g').state).toBe('Stable');
      // the follower restarts: same generation at once, its assignment kept
      const back = await joinStatic('', 'i-2');
      expect([back.errorCode, back.generationId, back.memberId === follower.memberId]).toEqual([0, follower.generationId, false]);
      expect(g.describe('g').state).toBe('Stable');
      expect((await g.sync('g', back.generationId, back.memberId, [], 'i-2')).assignment.toString()).toBe('B');
      // the old instance is fenced wherever it shows up
      expect(g.heartbeat('g', follower.generationId, follower.memberId, 'i-2')).toBe(82);
      expect(g.commit('g', follower.generationId, follower.memberId, 't', 0, 1n, null, 'i-2')).toBe(82);
      expect((await joinStatic(follower.memberId, 'i-2')).errorCode).toBe(82);
      expect(g.describe('g').members.map((m) => m.instanceId).sort()).toEqual(['i-1', 'i-2']);
      // the leader restarts: no rebalance either; it is told the old leader id, so it does not assign
      const leaderBack = await joinStatic('', 'i-1');
      expect([leaderBack.errorCode, leaderBack.generationId, leaderBack.leader, leaderBack.members]).toEqual([0, follower.generationId, leader.memberId, []]);
      expect(leaderBack.memberId).not.toBe(leader.memberId);
      expect(g.describe('g').state).toBe('Stable');
      expect((await g.sync('g', leaderBack.generationId, leaderBack.memberId, [], 'i-1')).assignment.toString()).toBe('A');
      expect(g.heartbeat('g', leaderBack.generationId, leaderBack.memberId, 'i-1')).toBe(0);
      // LeaveGroup v3 by instance id alone (an admin's removal); an unknown instance is UNKNOWN_MEMBER_ID
      expect(g.leave('g', '', 'i-2')).toBe(0);
      expect(g.leave('g', '', 'i-9')).toBe(25);
      expect(g.describe('g').members.map((m) => m.instanceId)).toEqual(['i-1']);
    } finally { g.close(); }
  });

  it('a static member that does not rejoin within the rebalance timeout keeps its place (and its metadata goes to the leader) until its session ends; a dynamic one is dropped', async () => {
    const g = new GroupCoordinator(new TopicStore());
    const joinAs = (memberId: string, instanceId: string | undefined, rebalanceTimeoutMs = 300) => g.join({ groupId: 'g', memberId, clientId: 'c', sessionTimeoutMs: 30_000, rebalanceTimeoutMs, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from(instanceId ?? 'dyn') }], requireKnownMemberId: false, instanceId });
    try {
      // i1 alone, then i2 and a dynamic member join in turn, everyone rejoining each time
      const first = await joinAs('', 'i1');
      await g.sync('g', first.generationId, first.memberId, [{ memberId: first.memberId, assignment: Buffer.from('x') }]);
      const pendingB = joinAs('', 'i2'), pendingC = joinAs('', undefined);
      const [a, b, c] = await Promise.all([joinAs(first.memberId, 'i1'), pendingB, pendingC]);
      expect(new Set([a.generationId, b.generationId, c.generationId]).size).toBe(1);
      const leaderId = [a, b, c].find((x) => x.members.length)!.memberId;
      const assignments = [a, b, c].map((x) => ({ memberId: x.memberId, assignment: Buffer.from(x.memberId) }));
      await Promise.all([a, b, c].map((x) => g.sync('g', x.generationId, x.memberId, x.memberId === leaderId ? assignments : [])));
      expect(g.describe('g').state).toBe('Stable');
      // a new member: i2 and the dynamic member stay silent (i2 restarting); only i1 rejoins
      const newcomer = joinAs('', undefined);
      expect(g.describe('g').state).toBe('PreparingRebalance');
      // during the rebalance a stale generation is ILLEGAL_GENERATION (22) before REBALANCE_IN_PROGRESS (27), and members show no assignment
      expect(g.heartbeat('g', a.generationId - 1, a.memberId)).toBe(22);
      expect(g.heartbeat('g', a.generationId, a.memberId)).toBe(27);
      expect(g.describe('g').members.every((m) => m.assignment.length === 0 && m.metadata.length === 0)).toBe(true);
      const [again, joined] = await Promise.all([joinAs(a.memberId, 'i1'), newcomer]);
      const next = [again, joined].find((x) => x.members.length)!;
      expect(next.members.map((m) => m.instanceId ?? 'dynamic').sort()).toEqual(['dynamic', 'i1', 'i2']);
      expect(g.describe('g').members.map((m) => m.id).sort()).toEqual([a.memberId, b.memberId, joined.memberId].sort());
      expect(g.heartbeat('g', b.generationId, b.memberId, 'i2')).toBe(22);
      expect(g.heartbeat('g', c.generationId, c.memberId)).toBe(25);
    } finally { g.close(); }
  });

  it('refuses a join without protocols with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const g = new GroupCoordinator(new TopicStore());
    try {
      const r = await g.join({ groupId: 'g', memberId: '', clientId: 'c', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [], requireKnownMemberId: false });
      expect(r.errorCode).toBe(23);
      // a session timeout outside the broker's group.min/max.session.timeout.ms (6 s, 30 min): INVALID_SESSION_TIMEOUT
      for (const ms of [3000, 1_800_001]) {
        const t = await g.join({ groupId: 'g', memberId: '', clientId: 'c', sessionTimeoutMs: ms, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false });
        expect(t.errorCode).toBe(26);
      }
    } finally { g.close(); }
  });

  it('keeps every commit in __consumer_offsets, whatever the broker\'s size retention', () => {
    const topics = new TopicStore(2000);
    const g = new GroupCoordinator(topics);
    try {
      for (let i = 0; i < 200; i++) g.commit(`g${i % 3}`, -1, '', 't', 0, BigInt(i), null);
      expect(topics.get('__consumer_offsets')!.partitions[0]!.start).toBe(0);
    } finally { g.close(); }
  });
});

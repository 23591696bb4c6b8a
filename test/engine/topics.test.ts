import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StorageRefused, TopicStore, type PendingBatch, type TopicRecord } from '../../src/engine/storage/topics.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from '../../src/engine/rest/server.js';
import { Cursor } from '../../src/engine/runtime/running-query.js';
import { makeFieldPicker, lookupField } from '../../src/engine/serde/json-value.js';

describe('topic retention (log.retention.bytes per partition)', () => {
  it('keeps every record by default', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    for (let i = 0; i < 1000; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    expect([log.start, log.end]).toEqual([0, 1000]);
  });

  it('deletes the oldest records beyond the limit; offsets keep counting and a cursor behind the start moves to it', () => {
    const topics = new TopicStore(10_000);
    topics.create('t', { partitions: 1, replicas: 1 });
    const cursor = new Cursor(topics, ['t'], false);
    for (let i = 0; i < 1000; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    expect(log.end).toBe(1000);
    expect(log.start).toBeGreaterThan(900);
    expect(log.get(log.start)!.offset).toBe(log.start);
    expect(log.get(log.start - 1)).toBeUndefined();
    expect(cursor.next()!.offset).toBe(log.start);
    expect(cursor.lag()).toBe(log.end - log.start - 1);
  });

  it('acts only with the delete policy: a compact-only topic (a table\'s) keeps every record, a compact,delete one is trimmed', () => {
    const topics = new TopicStore(1000);
    topics.create('table', { partitions: 1, replicas: 1, cleanupPolicy: 'compact' });
    topics.create('windowed', { partitions: 1, replicas: 1, cleanupPolicy: 'compact,delete' });
    for (const t of ['table', 'windowed']) for (let i = 0; i < 100; i++) topics.append(t, { key: Buffer.from(`k${i}`), value: Buffer.alloc(100), timestamp: i, partition: 0 });
    expect(topics.get('table')!.partitions[0]!.start).toBe(0);
    expect(topics.get('windowed')!.partitions[0]!.start).toBeGreaterThan(80);
    // altered to delete, the size limit acts at once; back to compact, it stops
    topics.reconfigure('table', { 'cleanup.policy': 'delete', 'retention.bytes': '1000' });
    expect(topics.get('table')!.partitions[0]!.start).toBeGreaterThan(80);
    const start = topics.get('table')!.partitions[0]!.start;
    topics.reconfigure('table', { 'cleanup.policy': 'compact', 'retention.bytes': '1000' });
    for (let i = 0; i < 100; i++) topics.append('table', { key: Buffer.from(`k${i}`), value: Buffer.alloc(100), timestamp: i, partition: 0 });
    expect(topics.get('table')!.partitions[0]!.start).toBe(start);
  });

  it('a topic that sets its own retention keeps it', () => {
    const topics = new TopicStore(1000);
    topics.create('t', { partitions: 1, replicas: 1, retentionBytes: -1 });
    for (let i = 0; i < 100; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    expect(topics.get('t')!.partitions[0]!.start).toBe(0);
  });
});

describe('batches appended undecoded (a producer\'s record batches)', () => {
  const batch = (values: string[], onDecode?: () => void): PendingBatch => ({
    count: values.length, bytes: values.length * 100,
    decode: () => { onDecode?.(); return values.map((v, i) => ({ key: null, value: Buffer.from(v), timestamp: i, headers: [] })); },
  });

  it('are decoded once, when first read, with offsets and seq in append order among single records', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    let decodes = 0;
    topics.append('t', { key: null, value: Buffer.from('a'), timestamp: 0, partition: 0 });
    expect(topics.appendBatch('t', 0, batch(['b', 'c', 'd'], () => decodes++))).toBe(1);
    topics.append('t', { key: null, value: Buffer.from('e'), timestamp: 0, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    expect([log.end, decodes]).toEqual([5, 0]);
    expect(log.get(2)!.value!.toString()).toBe('c');
    expect(decodes).toBe(1);
    const all = log.all();
    expect(all.map((r) => [r.offset, r.value!.toString()])).toEqual([[0, 'a'], [1, 'b'], [2, 'c'], [3, 'd'], [4, 'e']]);
    expect(all.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(decodes).toBe(1);
  });

  it('stay pending when decoding throws, so a later read can decode them', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    let fail = true;
    topics.appendBatch('t', 0, batch(['a', 'b'], () => { if (fail) { fail = false; throw new Error('once'); } }));
    const log = topics.get('t')!.partitions[0]!;
    expect(() => log.get(0)).toThrow('once');
    expect(log.get(1)!.value!.toString()).toBe('b');
    expect(log.all().map((r) => r.offset)).toEqual([0, 1]);
  });

  it('are read by a cursor in seq order across partitions', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 2, replicas: 1 });
    const cursor = new Cursor(topics, ['t'], false);
    topics.appendBatch('t', 1, batch(['x1', 'x2']));
    topics.append('t', { key: null, value: Buffer.from('y'), timestamp: 0, partition: 0 });
    topics.appendBatch('t', 0, batch(['z']));
    const seen: string[] = [];
    for (let r = cursor.next(); r; r = cursor.next()) seen.push(r.value!.toString());
    expect(seen).toEqual(['x1', 'x2', 'y', 'z']);
  });

  it('go whole under retention, as a segment does, and never before the last one', () => {
    const topics = new TopicStore(1000);
    topics.create('t', { partitions: 1, replicas: 1 });
    for (let i = 0; i < 10; i++) topics.appendBatch('t', 0, batch(['1', '2', '3', '4']));
    const log = topics.get('t')!.partitions[0]!;
    expect(log.end).toBe(40);
    expect(log.start % 4).toBe(0);
    expect(log.start).toBeGreaterThan(0);
    expect(log.get(log.start)!.offset).toBe(log.start);
    expect(log.get(log.start - 1)).toBeUndefined();
  });

  it('keep the whole last batch under retention, decoded at once for a listener (the journal) or not: a query reading after the append sees all of it', () => {
    for (const listening of [false, true]) {
      const topics = new TopicStore(300);
      topics.create('t', { partitions: 1, replicas: 1 });
      const seen: number[] = [];
      if (listening) topics.onAppend((r) => { seen.push(r.offset); });
      topics.appendBatch('t', 0, batch(Array.from({ length: 20 }, (_v, i) => `v${i}`)));
      const log = topics.get('t')!.partitions[0]!;
      expect([listening, log.start, log.end]).toEqual([listening, 0, 20]);
      if (listening) expect(seen).toEqual(Array.from({ length: 20 }, (_v, i) => i));
      // the next append lets retention take the older records
      topics.append('t', { key: null, value: Buffer.from('x'), timestamp: 0, partition: 0 });
      expect(log.start).toBeGreaterThan(0);
    }
  });

  it('DeleteRecords cuts into a batch, drops the ones before it, and a later retention counts what is left', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    for (let i = 0; i < 3; i++) topics.appendBatch('t', 0, batch(['1', '2', '3', '4']));
    topics.append('t', { key: null, value: Buffer.from('single'), timestamp: 0, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    topics.deleteRecords('t', 0, 6);
    expect([log.start, log.end, log.get(5), log.get(6)!.offset, log.all().map((r) => r.offset)]).toEqual([6, 13, undefined, 6, [6, 7, 8, 9, 10, 11, 12]]);
    // an offset before the start changes nothing; the end empties the log, and offsets go on from there
    topics.deleteRecords('t', 0, 2);
    expect(log.start).toBe(6);
    topics.deleteRecords('t', 0, 13);
    expect([log.start, log.end, log.all()]).toEqual([13, 13, []]);
    topics.appendBatch('t', 0, batch(['a', 'b']));
    expect(log.all().map((r) => [r.offset, r.value!.toString()])).toEqual([[13, 'a'], [14, 'b']]);
  });

  it('an altered retention.bytes counts the records a log kept while it had none, and trims them', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    for (let i = 0; i < 100; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    topics.reconfigure('t', { 'retention.bytes': '1700' });
    // 170 bytes a record as the log counts them: at most 10 kept
    expect(log.end - log.start).toBeLessThanOrEqual(10);
    expect(log.end - log.start).toBeGreaterThan(0);
    expect(topics.get('t')!.config.retentionBytes).toBe(1700);
    // back to the default (keep all): nothing more is dropped
    topics.reconfigure('t', {});
    const start = log.start;
    for (let i = 0; i < 100; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    expect(log.start).toBe(start);
    topics.reconfigure('t', { 'message.timestamp.type': 'LogAppendTime' });
    expect(topics.get('t')!.logAppendTime).toBe(true);
  });

  it('are decoded at once when a listener takes each record (the journal, PRINT)', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    const got: string[] = [];
    topics.onAppend((r) => got.push(`${r.offset}:${r.value!.toString()}`));
    topics.appendBatch('t', 0, batch(['p', 'q']));
    expect(got).toEqual(['0:p', '1:q']);
  });
});

describe('a partition log of single records and pending batches', () => {
  // an operation: append one record, append a batch of n, or read one offset (decoding its batch)
  const op = fc.oneof(
    fc.constant({ kind: 'one' as const }),
    fc.record({ kind: fc.constant('batch' as const), n: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('read' as const), at: fc.nat() }),
  );

  it('reads back what a plain list of records would hold, with or without retention', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(-1, 400, 1000), (ops, retention) => {
      const topics = new TopicStore(retention);
      topics.create('t', { partitions: 1, replicas: 1 });
      const log = topics.get('t')!.partitions[0]!;
      const model: string[] = [];
      for (const o of ops) {
        if (o.kind === 'one') { topics.append('t', { key: null, value: Buffer.from(`v${model.length}`), timestamp: 0, partition: 0 }); model.push(`v${model.length}`); }
        else if (o.kind === 'batch') {
          const values = Array.from({ length: o.n }, (_, i) => `v${model.length + i}`);
          topics.appendBatch('t', 0, { count: o.n, bytes: o.n * 100, decode: () => values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 0, headers: [] })) });
          model.push(...values);
        } else if (model.length) log.get(log.start + (o.at % (log.end - log.start)));
        expect(log.end).toBe(model.length);
        if (retention < 0) expect(log.start).toBe(0);
      }
      // every offset the log still holds reads the record appended at it, with its own offset and seq
      for (let o = log.start; o < log.end; o++) {
        const r = log.get(o)!;
        expect([r.offset, r.seq, r.value!.toString()]).toEqual([o, o, model[o]]);
      }
      expect(log.get(log.start - 1)).toBeUndefined();
      expect(log.get(log.end)).toBeUndefined();
      expect(log.all().map((r) => r.value!.toString())).toEqual(model.slice(log.start));
      // retention never deletes the newest record
      if (model.length) expect(log.start).toBeLessThan(log.end);
    }));
  });
});

describe('records packed once read (TopicStore.pack)', () => {
  // an operation on two stores alike, one of which packs its records whenever told to
  // (mostly single records, so runs long enough to pack are common)
  const op = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('one' as const), key: fc.option(fc.string({ maxLength: 6 })), value: fc.option(fc.string({ maxLength: 40 })), header: fc.boolean(), partition: fc.nat({ max: 1 }) }), weight: 12 },
    { arbitrary: fc.record({ kind: fc.constant('batch' as const), n: fc.integer({ min: 1, max: 5 }), partition: fc.nat({ max: 1 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('read' as const), at: fc.nat(), partition: fc.nat({ max: 1 }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), partition: fc.nat({ max: 1 }) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'pack' as const }), weight: 2 },
  );
  const seen = (r: TopicRecord) => [r.topic, r.partition, r.offset, r.seq, r.timestamp, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null, r.headers.map((h) => [h.key, h.value?.toString() ?? null])];

  it('read back, retain, delete and are read by a cursor as records never packed are', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 30, maxLength: 150 }), fc.constantFrom(-1, 300, 1500), (ops, retention) => {
      const [plain, packing] = [new TopicStore(retention), new TopicStore(retention)];
      for (const s of [plain, packing]) s.create('t', { partitions: 2, replicas: 1 });
      const cursors = [plain, packing].map((s) => new Cursor(s, ['t'], false));
      let n = 0;
      for (const o of ops) {
        for (const s of [plain, packing]) {
          const log = s.get('t')!.partitions[o.kind === 'pack' ? 0 : o.partition]!;
          if (o.kind === 'one') s.append('t', { key: o.key === null ? null : Buffer.from(o.key), value: o.value === null ? null : Buffer.from(o.value), timestamp: n, partition: o.partition, headers: o.header ? [{ key: 'h', value: Buffer.from(`x${n}`) }] : undefined });
          else if (o.kind === 'batch') s.appendBatch('t', o.partition, { count: o.n, bytes: o.n * 100, decode: () => Array.from({ length: o.n }, (_, i) => ({ key: null, value: Buffer.from(`b${n}-${i}`), timestamp: n, headers: [] })) });
          else if (o.kind === 'read' && log.end > log.start) log.get(log.start + (o.at % (log.end - log.start)));
          else if (o.kind === 'delete' && log.end > log.start) s.deleteRecords('t', o.partition, log.start + (o.at % (log.end - log.start + 1)));
          else if (o.kind === 'pack' && s === packing) s.pack();
        }
        n++;
        // a cursor reads the same records from both, in the same order
        if (n % 7 === 0) for (let k = 0; k < 3; k++) { const [a, b] = cursors.map((c) => c.next()); expect(b && seen(b)).toEqual(a && seen(a)); }
      }
      for (let p = 0; p < 2; p++) {
        const [a, b] = [plain, packing].map((s) => s.get('t')!.partitions[p]!);
        expect([b.start, b.end]).toEqual([a.start, a.end]);
        for (let o = a.start - 1; o <= a.end; o++) expect(b.get(o) && seen(b.get(o)!)).toEqual(a.get(o) && seen(a.get(o)!));
        expect(b.all().map(seen)).toEqual(a.all().map(seen));
      }
    }));
  });

  it('packs runs of at least 8 records, leaves the records a reader holds as they were, and makes a packed record anew on each read', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    const log = topics.get('t')!.partitions[0]!;
    const held = Array.from({ length: 7 }, (_, i) => topics.append('t', { key: Buffer.from('k'), value: Buffer.from(`v${i}`), timestamp: i, partition: 0 }));
    topics.pack();
    // fewer than 8: still the objects appended
    expect(log.get(3)).toBe(held[3]);
    topics.append('t', { key: Buffer.from('k'), value: Buffer.from('v7'), timestamp: 7, partition: 0 });
    topics.pack();
    const a = log.get(3)!, b = log.get(3)!;
    expect(a).not.toBe(held[3]);
    expect(a).not.toBe(b);
    expect(seen(a)).toEqual(seen(held[3]!));
    // a reader's record keeps its bytes, whatever the log does after
    expect(held[3]!.value!.toString()).toBe('v3');
  });
});

describe('JSON field picking agrees with lookupField', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ side: 'BUY', QUANTITY: 3 }, ['SIDE', 'QUANTITY', 'MISSING']],
    [{ Side: 1, SIDE: 2 }, ['SIDE']], // exact beats case-insensitive, whatever the order
    [{ SIDE: 2, Side: 1 }, ['SIDE']],
    [{ a: 1, A: 2 }, ['a', 'A']],
    [{ ab: 1, Ab: 2 }, ['AB']], // the first case-insensitive match wins
  ];
  it.each(cases)('%j picks %j', (obj, names) => {
    expect(makeFieldPicker(names)(obj)).toEqual(names.map((n) => lookupField(obj, n)));
  });

  it('one picker over many objects, keys in the same order or not, agrees with lookupField on each', () => {
    // few key spellings, so objects often repeat the last one's keys (the picker's quick way) and often not
    const key = fc.constantFrom('side', 'SIDE', 'Side', 'qty', 'QTY', 'a', 'A', 'other');
    const obj = fc.array(fc.tuple(key, fc.integer()), { maxLength: 6 }).map((pairs) => JSON.parse(JSON.stringify(Object.fromEntries(pairs))) as Record<string, unknown>);
    const names = fc.uniqueArray(fc.constantFrom('SIDE', 'QTY', 'a', 'A', 'MISSING'), { minLength: 1 });
    fc.assert(fc.property(names, fc.array(obj, { maxLength: 12 }), (cols, objs) => {
      const pick = makeFieldPicker(cols);
      // each object twice in a row, then the next: the second read takes the remembered key order
      for (const o of objs.flatMap((x) => [x, x])) expect(pick(o)).toEqual(cols.map((n) => lookupField(o, n)));
    }), { numRuns: 300 });
  });
});

describe('a single-partition topic store (the functional tests\' one task)', () => {
  it('puts every record in partition 0, whatever its key or requested partition', () => {
    const topics = new TopicStore(-1, true);
    topics.create('t', { partitions: 4, replicas: 1 });
    const parts = ['a', 'b', 'c', 'd'].map((k) => topics.append('t', { key: Buffer.from(k), value: null, timestamp: 0 }).partition);
    parts.push(topics.append('t', { key: null, value: null, timestamp: 0, partition: 3 }).partition);
    expect(parts).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('appends kept as one unit in the --data-dir journal', () => {
  it('replay gives the log live appends gave: batches stay batches under retention, a large batch included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-units-'));
    const rec = (v: string) => ({ key: null, value: Buffer.from(v), timestamp: 0, headers: [] });
    const look = (t: TopicStore) => { const log = t.get('u')!.partitions[0]!; return [log.start, log.end]; };
    const first = await startLocalServer({ port: 0, dataDir: dir, logRetentionBytes: 1000 });
    const topics = first.engine.topics;
    topics.create('u', { partitions: 1, replicas: 1 });
    for (const v of ['a', 'b', 'c']) topics.append('u', { ...rec(v), partition: 0 });
    topics.atomically(() => {
      topics.appendRecords('u', 0, Array.from({ length: 10 }, (_v, i) => rec(`x${i}`)));
      topics.appendRecords('u', 0, Array.from({ length: 10 }, (_v, i) => rec(`y${i}`)));
    });
    // a batch larger than a call's arguments may be
    topics.atomically(() => { topics.appendRecords('u', 0, Array.from({ length: 150_000 }, () => rec('z'))); });
    const live = look(topics);
    await first.close();
    const second = await startLocalServer({ port: 0, dataDir: dir, logRetentionBytes: 1000 });
    try {
      expect(look(second.engine.topics)).toEqual(live);
    } finally { await second.close(); }
  }, 60_000);
});

describe('a journal statement that does not run again at start', () => {
  it('is said, with why, instead of passed over in silence (a newer build refusing what an older one took)', async () => {
    const { writeFileSync } = await import('node:fs');
    const { Journal } = await import('../../src/engine/storage/journal.js');
    const { Engine } = await import('../../src/engine/engine.js');
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-replay-'));
    // (lines without checksums, as an old journal has them)
    writeFileSync(join(dir, 'journal.jsonl'), [
      JSON.stringify({ e: 'cmd', sql: "CREATE STREAM OK1 (A INT) WITH (kafka_topic='ok1', value_format='JSON', partitions=1);", props: {} }),
      JSON.stringify({ e: 'cmd', sql: "CREATE STREAM BAD1 (A NOPE_TYPE) WITH (kafka_topic='bad1', value_format='JSON', partitions=1);", props: {} }),
    ].join('\n') + '\n');
    const warnings: string[] = [];
    const e = new Engine();
    const j = await Journal.open(dir, e, { warn: (m) => warnings.push(m) });
    try {
      expect(e.metastore.get('OK1')).toBeDefined();
      expect(warnings).toEqual([expect.stringMatching(/^--data-dir: a statement of the journal did not run again: .*NOPE_TYPE.* \(CREATE STREAM BAD1 \(A NOPE_TYPE\)/)]);
    } finally { await j.close(); }
  });
});

describe('appends that cannot be kept', () => {
  const rec = (v: string) => ({ key: null, value: Buffer.from(v), timestamp: 0, headers: [] });

  it('a group whose listener fails at its end is taken back whole: offsets continue where the log ended', () => {
    const topics = new TopicStore(1000);
    topics.create('t', { partitions: 2, replicas: 1 });
    topics.appendRecords('t', 0, [rec('a')]);
    let fail = true;
    topics.onGroup({ begin() {}, end() { if (fail) throw new Error('disk full'); } });
    expect(() => topics.atomically(() => { topics.appendRecords('t', 0, [rec('b'), rec('c')]); topics.appendRecords('t', 1, [rec('d')]); })).toThrow('disk full');
    const [p0, p1] = topics.get('t')!.partitions;
    expect([p0!.end, p1!.end]).toEqual([1, 0]);
    expect(p0!.all().map((r) => r.value!.toString())).toEqual(['a']);
    fail = false;
    topics.atomically(() => topics.appendRecords('t', 0, [rec('e')]));
    expect(p0!.all().map((r) => [r.offset, r.value!.toString()])).toEqual([[0, 'a'], [1, 'e']]);
  });

  it('holds retention while a group appends, so taking the group back leaves the records held before it', () => {
    const topics = new TopicStore(1000);
    topics.create('t', { partitions: 1, replicas: 1 });
    const log = topics.get('t')!.partitions[0]!;
    for (let i = 0; i < 5; i++) topics.append('t', { key: null, value: Buffer.alloc(100, 97 + i), timestamp: i });
    expect(() => topics.atomically(() => {
      for (let i = 0; i < 20; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: 9 });
      throw new Error('cut off');
    })).toThrow('cut off');
    expect([log.start, log.end, log.all().map((r) => r.value![0])]).toEqual([0, 5, [97, 98, 99, 100, 101]]);
    // a group that is kept: retention catches up when it ends
    topics.atomically(() => { for (let i = 0; i < 20; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: 9 }); });
    expect(log.end).toBe(25);
    expect(log.start).toBeGreaterThan(5);
  });

  it('keeps the last record it kept when a group after it is taken back (retention then runs with that record newest)', () => {
    const topics = new TopicStore(100);
    topics.create('t', { partitions: 1, replicas: 1 });
    const log = topics.get('t')!.partitions[0]!;
    topics.append('t', { key: null, value: Buffer.alloc(1000, 97), timestamp: 0 });
    topics.append('t', { key: null, value: Buffer.alloc(1000, 98), timestamp: 1 });
    expect(log.all().map((r) => r.offset)).toEqual([1]);
    expect(() => topics.atomically(() => { topics.append('t', { key: null, value: Buffer.from('c'), timestamp: 2 }); throw new Error('cut off'); })).toThrow('cut off');
    expect([log.end, log.all().map((r) => r.offset)]).toEqual([2, [1]]);
  });

  it('takes back a producer\'s undecoded batch appended in a group that fails', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    const batch: PendingBatch = { count: 3, bytes: 30, decode: () => [rec('a'), rec('b'), rec('c')] };
    expect(() => topics.atomically(() => { topics.appendBatch('t', 0, batch); topics.append('t', { key: null, value: Buffer.from('x'), timestamp: 0 }); throw new Error('cut off'); })).toThrow('cut off');
    expect(topics.get('t')!.partitions[0]!.end).toBe(0);
  });

  it('refuses a client\'s records while its refusal says so, and takes a query\'s output still', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    topics.refusal = () => new Error('the data dir cannot be written');
    expect(() => topics.append('t', { key: null, value: Buffer.from('x'), timestamp: 0 })).toThrow(StorageRefused);
    expect(() => topics.appendRecords('t', 0, [rec('y')])).toThrow('the data dir cannot be written');
    topics.append('t', { key: null, value: Buffer.from('z'), timestamp: 0 }, 'derived');
    expect(topics.get('t')!.partitions[0]!.all().map((r) => r.value!.toString())).toEqual(['z']);
  });
});

describe('a query cursor reads through the arrival log', () => {
  // the next record as the definition has it: of every partition of the cursor's topics, the record
  // with the lowest seq at or after the cursor's position (or the log start, if retention passed it)
  const reference = (topics: TopicStore, names: string[], pos: Map<string, number[]>) => {
    let best: { seq: number; topic: string; partition: number; offset: number; bytes: number } | undefined;
    for (const name of names) {
      const t = topics.get(name);
      if (!t) continue;
      t.partitions.forEach((log, p) => {
        const from = Math.max(pos.get(name)![p] ?? 0, log.start);
        const r = log.get(from);
        if (r && (!best || r.seq < best.seq)) best = { seq: r.seq, topic: name, partition: p, offset: r.offset, bytes: r.value?.length ?? -1 };
      });
    }
    return best;
  };

  it('gives the records in append order across partitions and topics, through retention, batches, taken-back appends, DeleteRecords, repositioning and compaction of its entries', () => {
    type Op = { k: 'append'; topic: number; partition: number; size: number } | { k: 'batch'; topic: number; partition: number; n: number }
      | { k: 'read'; n: number } | { k: 'fail'; topic: number; partition: number } | { k: 'deleteRecords'; topic: number; partition: number; ahead: number }
      | { k: 'restore'; back: number } | { k: 'pack' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ k: 'pack' as const }),
      fc.record({ k: fc.constant('append' as const), topic: fc.nat(1), partition: fc.nat(3), size: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ k: fc.constant('batch' as const), topic: fc.nat(1), partition: fc.nat(3), n: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ k: fc.constant('read' as const), n: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ k: fc.constant('fail' as const), topic: fc.nat(1), partition: fc.nat(3) }),
      fc.record({ k: fc.constant('deleteRecords' as const), topic: fc.nat(1), partition: fc.nat(3), ahead: fc.nat(5) }),
      fc.record({ k: fc.constant('restore' as const), back: fc.nat(3) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, twoTopics) => {
      const topics = new TopicStore();
      topics.create('a', { partitions: 4, replicas: 1, retentionBytes: 2000 });
      topics.create('b', { partitions: 4, replicas: 1, retentionBytes: -1 });
      const names = twoTopics ? ['a', 'b'] : ['a'];
      // (a cursor from the end reads only what comes after it: no backlog to merge by time)
      const cursor = new Cursor(topics, names, true);
      const pos = new Map(names.map((n) => [n, [0, 0, 0, 0]]));
      const name = (i: number) => (i === 0 ? 'a' : 'b');
      for (const o of ops) {
        if (o.k === 'append') topics.append(name(o.topic), { key: null, value: Buffer.alloc(o.size), timestamp: 0, partition: o.partition });
        else if (o.k === 'batch') topics.appendRecords(name(o.topic), o.partition, Array.from({ length: o.n }, () => ({ key: null, value: Buffer.alloc(50), timestamp: 0, headers: [] })));
        else if (o.k === 'fail') {
          // a group whose keeping failed is taken back whole
          try { topics.atomically(() => { topics.append(name(o.topic), { key: null, value: Buffer.alloc(10), timestamp: 0, partition: o.partition }); throw new Error('journal'); }); } catch { /* taken back */ }
        } else if (o.k === 'deleteRecords') {
          const log = topics.get(name(o.topic))!.partitions[o.partition]!;
          topics.deleteRecords(name(o.topic), o.partition, Math.min(log.end, log.start + o.ahead));
        } else if (o.k === 'pack') topics.pack();
        else if (o.k === 'restore') {
          // positions set from outside (CREATE OR REPLACE keeps a query's position): a few records back
          const offsets = cursor.offsets();
          for (const [n, ps] of Object.entries(offsets)) offsets[n] = ps.map((x) => Math.max(0, x - o.back));
          cursor.restore(offsets);
          for (const [n, ps] of Object.entries(offsets)) pos.set(n, [...ps, 0, 0, 0, 0].slice(0, 4));
        } else {
          for (let i = 0; i < o.n; i++) {
            const want = reference(topics, names, pos);
            const got = cursor.next();
            // (the record itself, as its log has it: the arrival log hands out the records appended since the last pack)
            expect(got && { seq: got.seq, topic: got.topic, partition: got.partition, offset: got.offset, bytes: got.value?.length ?? -1 }).toEqual(want);
            if (!want) break;
            pos.get(want.topic)![want.partition] = want.offset + 1;
          }
        }
      }
    }), { numRuns: 300 });
  });
});

describe('a query cursor over a backlog of packed records', () => {
  // the next record by the definition: while a partition's next record is one of the backlog (there
  // when the cursor started), the earliest-timed of those (then the earlier appended); after, the
  // earliest appended of all partitions' next records
  const reference = (topics: TopicStore, pos: Map<string, number[]>, ends: Map<string, number[]>) => {
    let early: TopicRecord | undefined, best: TopicRecord | undefined;
    for (const [name, ps] of pos) {
      topics.get(name)!.partitions.forEach((log, p) => {
        const r = log.get(ps[p]!);
        if (!r) return;
        if (!best || r.seq < best.seq) best = r;
        if (r.offset < ends.get(name)![p]! && (!early || r.timestamp < early.timestamp || (r.timestamp === early.timestamp && r.seq < early.seq))) early = r;
      });
    }
    return early ?? best;
  };

  it('merges the topics\' backlogs by time, and reads on in arrival order after, as records never packed are read', () => {
    const rec = fc.record({ topic: fc.constantFrom('a', 'b'), partition: fc.nat(2), ts: fc.nat(50) });
    fc.assert(fc.property(fc.array(rec, { minLength: 10, maxLength: 80 }), fc.array(rec, { maxLength: 20 }), fc.nat(40), (before, after, readFirst) => {
      const [plain, packing] = [new TopicStore(), new TopicStore()];
      for (const s of [plain, packing]) for (const t of ['a', 'b']) s.create(t, { partitions: 3, replicas: 1 });
      const append = (r: { topic: string; partition: number; ts: number }) => {
        for (const s of [plain, packing]) s.append(r.topic, { key: Buffer.from(`k${r.ts}`), value: Buffer.from(`v${r.ts}`), timestamp: r.ts, partition: r.partition });
      };
      for (const r of before) append(r);
      packing.pack();
      const cursor = new Cursor(packing, ['a', 'b'], false);
      const pos = new Map(['a', 'b'].map((n) => [n, [0, 0, 0]]));
      const ends = new Map(['a', 'b'].map((n) => [n, plain.get(n)!.endOffsets()]));
      let inBacklog = true;
      const read = (n: number) => {
        for (let i = 0; i < n; i++) {
          // (once no partition's next record is of the backlog, it is over for good)
          if (inBacklog && ![...pos].some(([name, ps]) => ps.some((o, p) => o < ends.get(name)![p]! && o < plain.get(name)!.partitions[p]!.end))) inBacklog = false;
          const want = reference(plain, pos, inBacklog ? ends : new Map(['a', 'b'].map((n) => [n, [0, 0, 0]])));
          const got = cursor.next();
          expect(got && [got.topic, got.partition, got.offset, got.timestamp, got.value!.toString()]).toEqual(want && [want.topic, want.partition, want.offset, want.timestamp, want.value!.toString()]);
          if (!want) return;
          pos.get(want.topic)![want.partition] = want.offset + 1;
        }
      };
      read(readFirst);
      for (const r of after) append(r);
      packing.pack();
      read(before.length + after.length);
    }), { numRuns: 200 });
  });
});

describe('the arrival log', () => {
  it('drops the entries of deleted records behind a partition that keeps an old one, and a reader in the middle keeps its place', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 2, replicas: 1, retentionBytes: 1000 });
    // partition 0 keeps its one record for good (retention keeps a partition's last append)
    topics.append('t', { key: null, value: Buffer.alloc(10), timestamp: 0, partition: 0 });
    const cursor = new Cursor(topics, ['t'], false);
    expect(cursor.next()?.partition).toBe(0);
    const seen: number[] = [];
    for (let i = 0; i < 5000; i++) {
      topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: 0, partition: 1 });
      // a reader that reads every third append, so it is behind when entries are dropped
      if (i % 3 === 2) for (let r = cursor.next(); r; r = cursor.next()) seen.push(r.offset);
    }
    const arrivals = topics.get('t')!.arrivals, log = topics.get('t')!.partitions[1]!;
    // bounded by what the partitions hold, not by all that was ever appended
    expect(arrivals.size).toBeLessThanOrEqual(2 * (log.end - log.start + 1) + 256);
    // every record the reader saw, in order, none twice
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen[seen.length - 1]).toBe(4997);
  });
});

describe('topic changes the data dir cannot record', () => {
  it('a topic whose record fails is not made; once writes are refused, no topic is made, deleted, grown, reconfigured or trimmed', () => {
    const store = new TopicStore();
    let failing = false, broken: Error | undefined;
    store.onTopic(() => { if (failing) { broken = new Error('ENOSPC'); throw broken; } });
    store.refusal = () => broken;
    store.create('kept', { partitions: 1, replicas: 1 });
    failing = true;
    expect(() => store.create('lost', { partitions: 1, replicas: 1 })).toThrow('ENOSPC');
    expect([store.has('lost'), store.list().map((t) => t.name)]).toEqual([false, ['kept']]);
    failing = false;
    // the refusal comes before anything changes
    expect(() => store.create('later', { partitions: 1, replicas: 1 })).toThrow(StorageRefused);
    expect(() => store.delete('kept')).toThrow(StorageRefused);
    expect(() => store.grow('kept', 3)).toThrow(StorageRefused);
    expect(() => store.reconfigure('kept', { 'retention.ms': '1' })).toThrow(StorageRefused);
    expect(() => store.deleteRecords('kept', 0, 0)).toThrow(StorageRefused);
    expect([store.has('later'), store.get('kept')!.partitions.length, store.get('kept')!.config.overrides]).toEqual([false, 1, undefined]);
  });
});

describe('topic names that collide (. and _ alike)', () => {
  it('are found by their folded name, and forgotten with the topic that held it', () => {
    const s = new TopicStore();
    s.create('a.b', { partitions: 1, replicas: 1 });
    expect([s.clashOf('a_b'), s.clashOf('a.b'), s.clashOf('a_c')]).toEqual(['a.b', undefined, undefined]);
    s.delete('a.b');
    expect(s.clashOf('a_b')).toBeUndefined();
    // two made without asking (a broker's own paths): deleting the first leaves the second to clash with
    s.create('x.y', { partitions: 1, replicas: 1 });
    s.create('x_y', { partitions: 1, replicas: 1 });
    s.delete('x.y');
    expect(s.clashOf('x.y')).toBe('x_y');
  });
});

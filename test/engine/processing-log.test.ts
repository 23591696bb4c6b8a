import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { earliest, runSql as run } from '../helpers/engine.js';

const ctx = earliest();
const logged = (e: Engine, topic: string) => (e.topics.get(topic)?.partitions[0]?.all() ?? []).map((r) => JSON.parse(r.value!.toString()) as { logger: string; message: { TYPE: number } });

/** An engine with its processing log and a query (CSAS_C_5) that cannot read what is written to stream A as an INT. */
function engineWithBadReader(): Engine {
  const e = new Engine();
  e.startProcessingLog();
  run(e, "CREATE STREAM A (V STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1); CREATE STREAM B (V INT) WITH (kafka_topic='t', value_format='JSON'); CREATE STREAM C AS SELECT * FROM B");
  return e;
}

describe('the processing log', () => {
  it('is not made when ksql.logging.processing.stream.auto.create is false, and errors go nowhere; command offsets then start at 0', () => {
    const e = new Engine({ properties: { 'ksql.logging.processing.stream.auto.create': 'false' } });
    e.startProcessingLog();
    expect(e.metastore.get('KSQL_PROCESSING_LOG')).toBeUndefined();
    expect(e.nextOffset).toBe(0);
    run(e, "CREATE STREAM A (V STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1); CREATE STREAM B (V INT) WITH (kafka_topic='t', value_format='JSON'); CREATE STREAM C AS SELECT * FROM B; INSERT INTO A (V) VALUES ('x')");
    expect(e.topics.has('default_ksql_processing_log')).toBe(false);
    expect([...e.queries.values()][0]!.runtime!.stats.errors).toBe(1);
  });

  it('takes its stream and topic names from ksql.logging.processing.stream.name and .topic.name, else from the service id', () => {
    const named = new Engine({ properties: { 'ksql.logging.processing.stream.name': 'ERRS', 'ksql.logging.processing.topic.name': 'errs_topic' } });
    named.startProcessingLog();
    expect(named.metastore.get('ERRS')?.topic).toBe('errs_topic');
    const service = new Engine({ serviceId: 'orders_' });
    service.startProcessingLog();
    expect(service.metastore.get('KSQL_PROCESSING_LOG')?.topic).toBe('orders_ksql_processing_log');
  });

  it('keeps command offsets where a stock server has them: the first command is 2, the first query _1 over the log itself', () => {
    const e = new Engine();
    e.startProcessingLog();
    expect(e.nextOffset).toBe(2);
    // its command is listed (GET /status) at offset 0, as a stock server's command runner lists it
    expect(e.commands).toEqual([{ id: 'stream/`KSQL_PROCESSING_LOG`/create', status: 'SUCCESS', message: 'Stream created', queryId: null, seq: 0 }]);
    run(e, 'CREATE STREAM ERRORS AS SELECT LOGGER FROM KSQL_PROCESSING_LOG');
    expect([...e.queries.keys()]).toEqual(['CSAS_ERRORS_1']);
  });

  it("a query that reads the log logs nothing there, so its own errors cannot feed it", () => {
    const e = engineWithBadReader();
    run(e, 'CREATE STREAM LOOP AS SELECT LOGGER, 1 / (MESSAGE->TYPE - MESSAGE->TYPE) AS X FROM KSQL_PROCESSING_LOG');
    run(e, "INSERT INTO A (V) VALUES ('x')");
    expect(logged(e, 'default_ksql_processing_log').map((m) => [m.logger, m.message.TYPE])).toEqual([['processing.CSAS_C_5.KsqlTopic.Source.deserializer', 0]]);
    expect(e.queries.get('CSAS_LOOP_7')!.runtime!.stats.errors).toBe(1);
  });

  it('a query that reads the log through another query\'s sink logs nothing there either, so two queries cannot feed each other', () => {
    const e = engineWithBadReader();
    run(e, 'CREATE STREAM X AS SELECT LOGGER, MESSAGE->TYPE AS T FROM KSQL_PROCESSING_LOG; CREATE STREAM Y AS SELECT LOGGER, 1 / (T - T) AS Z FROM X');
    run(e, "INSERT INTO A (V) VALUES ('x')");
    expect(logged(e, 'default_ksql_processing_log')).toHaveLength(1);
    expect([...e.queries.values()].find((q) => q.sinkName === 'Y')!.runtime!.stats.errors).toBe(1);
  });
});

describe('a record a query cannot read', () => {
  it('is skipped and counted (DESCRIBE EXTENDED\'s error stats), not reported as a query error: the query runs on', () => {
    const e = engineWithBadReader();
    run(e, "INSERT INTO A (V) VALUES ('x')");
    const q = [...e.queries.values()].find((x) => x.sinkName === 'C')!;
    const explained = (e.executeStatement(`EXPLAIN ${q.id};`, ctx) as unknown as { queryDescription: { state: string; queryErrors: unknown[] } }).queryDescription;
    expect([explained.state, explained.queryErrors]).toEqual(['RUNNING', []]);
    expect(q.runtime!.stats.errors).toBe(1);
    const described = (e.executeStatement('DESCRIBE C EXTENDED;', ctx) as unknown as { sourceDescription: { errorStats: string } }).sourceDescription;
    expect(described.errorStats).not.toMatch(/failed-messages/);
    const source = (e.executeStatement('DESCRIBE B EXTENDED;', ctx) as unknown as { sourceDescription: { errorStats: string } }).sourceDescription;
    expect(source.errorStats).toMatch(/\nfailed-messages: 1$/);
  });

  it('logs a sink\'s errors too: a value its format cannot write (SERIALIZATIONERROR, naming the topic as Kafka Streams\' Unable to serialize record) and a row whose TIMESTAMP column gives no time', () => {
    const e = new Engine();
    e.startProcessingLog();
    run(e, `CREATE STREAM PN (ID INT KEY, TAGS ARRAY<STRING>, TS STRING) WITH (kafka_topic='pn', value_format='JSON', partitions=1);
      CREATE STREAM PN_PB WITH (VALUE_FORMAT='PROTOBUF') AS SELECT * FROM PN;
      CREATE STREAM PN_TS WITH (TIMESTAMP='TS', TIMESTAMP_FORMAT='yyyy-MM-dd') AS SELECT * FROM PN`);
    e.topics.append('pn', { key: Buffer.from([0, 0, 0, 1]), value: Buffer.from('{"TAGS":["a",null],"TS":"2024-01-02"}'), timestamp: 1000 });
    e.topics.append('pn', { key: Buffer.from([0, 0, 0, 2]), value: Buffer.from('{"TAGS":["a"],"TS":"not a date"}'), timestamp: 1000 });
    e.drain();
    const entries = (e.topics.get('default_ksql_processing_log')?.partitions[0]?.all() ?? []).map((r) => JSON.parse(r.value!.toString()) as { logger: string; message: Record<string, unknown> & { TYPE: number } });
    const pb = [...e.queries.values()].find((q) => q.sinkName === 'PN_PB')!.id, ts = [...e.queries.values()].find((q) => q.sinkName === 'PN_TS')!.id;
    expect(entries.map((x) => [x.logger, x.message.TYPE])).toEqual([[`processing.${pb}.KsqlTopic.Sink.serializer`, 3], [`processing.${ts}`, 1]]);
    expect(entries[0]!.message.SERIALIZATIONERROR).toEqual({ TARGET: 'value', ERRORMESSAGE: "Unable to serialize record for topic PN_PB: Protobuf field 'TAGS' cannot hold a null element", RECORD: null, CAUSE: ["Protobuf field 'TAGS' cannot hold a null element"], topic: 'PN_PB' });
    expect((entries[1]!.message.RECORDPROCESSINGERROR as { ERRORMESSAGE: string }).ERRORMESSAGE).toMatch(/^Invalid timestamp in column TS/);
  });

  it('logs a row whose GROUP BY gives NULL, which the aggregation leaves out: the first such column by its index, as ksqlDB\'s group-by does', () => {
    const e = new Engine();
    e.startProcessingLog();
    run(e, `CREATE STREAM G (A STRING, B STRING) WITH (kafka_topic='g', format='JSON', partitions=1);
      CREATE TABLE BY_AB AS SELECT A, B, COUNT(*) AS N FROM G GROUP BY A, B;
      INSERT INTO G (A, B) VALUES ('x', 'y'); INSERT INTO G (A, B) VALUES ('x', NULL); INSERT INTO G (A, B) VALUES (NULL, NULL)`);
    const q = [...e.queries.values()].find((x) => x.sinkName === 'BY_AB')!;
    const entries = logged(e, 'default_ksql_processing_log') as unknown as { logger: string; message: { TYPE: number; RECORDPROCESSINGERROR: unknown } }[];
    expect(entries.map((x) => [x.logger, x.message.TYPE, x.message.RECORDPROCESSINGERROR])).toEqual([1, 0].map((i) => [`processing.${q.id}`, 1,
      { ERRORMESSAGE: `Group-by column with index ${i} resolved to null. The source row will be excluded from the table.`, RECORD: null, CAUSE: [] }]));
    expect(q.runtime!.stats.errors).toBe(2);
    expect([...q.materialized!.entries()].map(([, row]) => row.values)).toEqual([['x', 'y', 1]]);
  });
});

describe('an element of an ARRAY, MAP or STRUCT the query builds that fails (ksql.nested.error.set.null, true by default)', () => {
  it('is NULL alone, and a processing error; the rest of the value, and the row, stay', () => {
    const e = new Engine();
    e.startProcessingLog();
    run(e, `CREATE STREAM NE (ID INT KEY, I INT) WITH (kafka_topic='ne', value_format='JSON', partitions=1);
      CREATE STREAM NE_OUT AS SELECT ID, STRUCT(F := I / 0, G := 1) AS SF, ARRAY[I / 0, 5] AS AR, MAP('a' := I / 0, 'b' := 2) AS MP FROM NE;
      CREATE STREAM NE_X AS SELECT ID, EXPLODE(ARRAY[I / 0, 5]) AS E FROM NE`);
    run(e, 'INSERT INTO NE (ID, I) VALUES (1, 7)');
    const values = (topic: string) => (e.topics.get(topic)?.partitions[0]?.all() ?? []).map((r) => JSON.parse(r.value!.toString()) as unknown);
    expect(values('NE_OUT')).toEqual([{ SF: { F: null, G: 1 }, AR: [null, 5], MP: { a: null, b: 2 } }]);
    expect(values('NE_X')).toEqual([{ E: null }, { E: 5 }]);
    const errors = logged(e, 'default_ksql_processing_log').map((x) => (x.message as unknown as { RECORDPROCESSINGERROR: { ERRORMESSAGE: string; CAUSE: string[] } }).RECORDPROCESSINGERROR);
    expect(errors.map((x) => x.ERRORMESSAGE).sort()).toEqual(['Error processing array item', 'Error processing array item', 'Error processing map value', 'Error processing struct field']);
    for (const x of errors) expect(x.CAUSE).toEqual(['/ by zero']);
  });
});

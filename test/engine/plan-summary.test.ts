import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';

const ctx = { properties: {}, variables: new Map<string, string>() };
const run = (e: Engine, sql: string) => sql.split(/;\s*/).filter(Boolean).map((s) => e.executeStatement(`${s};`, ctx));
const explain = (e: Engine, what: string) => (run(e, `EXPLAIN ${what}`)[0] as unknown as { queryDescription: { id: string; statementText: string; consumerGroupId: string; state: string; ksqlHostQueryStatus: object; executionPlan: string; topology: string } }).queryDescription;
const queryId = (e: Engine, sink: string) => [...e.queries.values()].find((q) => q.sinkName === sink)!.id;

function engine(): Engine {
  const e = new Engine();
  run(e, `CREATE STREAM TRADES (SYMBOL VARCHAR KEY, USERID VARCHAR, PRICE INT) WITH (kafka_topic='trades', value_format='json', partitions=2);
    CREATE TABLE USERS (USERID VARCHAR PRIMARY KEY, REGION VARCHAR) WITH (kafka_topic='users', value_format='json', partitions=2)`);
  return e;
}

describe("EXPLAIN's execution plan and topology", () => {
  it('a filter and projection: source, filter, project and sink, each with its schema and logger, in one sub-topology', () => {
    const e = engine();
    run(e, 'CREATE STREAM CHEAP AS SELECT SYMBOL, PRICE FROM TRADES WHERE PRICE < 10');
    const id = queryId(e, 'CHEAP');
    const d = explain(e, id);
    expect(d.executionPlan).toBe([
      ` > [ SINK ] | Schema: SYMBOL STRING KEY, PRICE INTEGER | Logger: ${id}.CHEAP`,
      `\t\t > [ PROJECT ] | Schema: SYMBOL STRING KEY, PRICE INTEGER | Logger: ${id}.Project`,
      `\t\t\t\t > [ FILTER ] | Schema: SYMBOL STRING KEY, USERID STRING, PRICE INTEGER | Logger: ${id}.WhereFilter`,
      `\t\t\t\t\t\t > [ SOURCE ] | Schema: SYMBOL STRING KEY, USERID STRING, PRICE INTEGER | Logger: ${id}.KsqlTopic.Source`,
      ''].join('\n'));
    expect(d.topology).toBe([
      'Topologies:',
      '   Sub-topology: 0',
      '    Source: KSTREAM-SOURCE-0000000000 (topics: [trades])',
      '      --> KSTREAM-TRANSFORMVALUES-0000000001',
      '    Processor: KSTREAM-TRANSFORMVALUES-0000000001 (stores: [])',
      '      --> WhereFilter',
      '      <-- KSTREAM-SOURCE-0000000000',
      '    Processor: WhereFilter (stores: [])',
      '      --> Project',
      '      <-- KSTREAM-TRANSFORMVALUES-0000000001',
      '    Processor: Project (stores: [])',
      '      --> KSTREAM-SINK-0000000002',
      '      <-- WhereFilter',
      '    Sink: KSTREAM-SINK-0000000002 (topic: CHEAP)',
      '      <-- Project',
      '', ''].join('\n'));
  });

  it('a stream-table join on a value column re-keys the stream through a repartition topic, a second sub-topology joining it to the table store', () => {
    const e = engine();
    run(e, 'CREATE STREAM ENRICHED AS SELECT T.USERID, U.REGION, T.PRICE FROM TRADES T LEFT JOIN USERS U ON T.USERID = U.USERID');
    const d = explain(e, queryId(e, 'ENRICHED'));
    const ops = d.executionPlan.trimEnd().split('\n').map((l) => l.match(/^(\t*) > \[ (\w+) \].*Logger: \w+\.(.*)$/)!.slice(1).map((x, i) => (i === 0 ? x.length / 2 : x)));
    expect(ops).toEqual([[0, 'SINK', 'ENRICHED'], [1, 'PROJECT', 'Project'], [2, 'JOIN', 'Join'], [3, 'REKEY', 'LeftSourceKeyed'], [4, 'PROJECT', 'PrependAliasLeft'],
      [5, 'SOURCE', 'KafkaTopic_Left.Source'], [3, 'PROJECT', 'PrependAliasRight'], [4, 'SOURCE', 'KafkaTopic_Right.Source']]);
    expect(d.executionPlan).toContain('> [ REKEY ] | Schema: T_USERID STRING KEY, T_USERID STRING, T_PRICE INTEGER, T_ROWTIME BIGINT');
    const subs = d.topology.split(/\n {3}Sub-topology: \d+\n/).slice(1);
    expect(subs).toHaveLength(2);
    expect(subs[0]).toContain('Sink: LeftSourceKeyed-repartition-sink (topic: LeftSourceKeyed-repartition)');
    expect(subs[1]).toContain('Source: LeftSourceKeyed-repartition-source (topics: [LeftSourceKeyed-repartition])');
    expect(subs[1]).toContain('Processor: Join (stores: [KafkaTopic_Right-Reduce])\n      --> Project\n      <-- LeftSourceKeyed-repartition-source, PrependAliasRight');
    expect(subs[1]).toContain('Sink: KSTREAM-SINK-');
  });

  it('an aggregation grouped by a value column: prepare, group by (repartitioned), aggregate with its store, having, project, and a table sink through KTABLE-TOSTREAM', () => {
    const e = engine();
    run(e, 'CREATE TABLE BY_USER AS SELECT USERID, COUNT(*) AS N FROM TRADES WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY USERID HAVING COUNT(*) > 1');
    const d = explain(e, queryId(e, 'BY_USER'));
    expect(d.executionPlan.split('\n').map((l) => l.match(/\[ (\w+) \]/)?.[1]).filter(Boolean)).toEqual(['SINK', 'PROJECT', 'FILTER', 'AGGREGATE', 'GROUP_BY', 'PROJECT', 'SOURCE']);
    expect(d.executionPlan).toMatch(/> \[ GROUP_BY \] \| Schema: USERID STRING KEY, .* \| Logger: \w+\.Aggregate\.GroupBy\n/);
    expect(d.topology).toMatch(/Processor: KSTREAM-AGGREGATE-\d{10} \(stores: \[Aggregate-Aggregate-Materialize\]\)/);
    expect(d.topology).toMatch(/Processor: KTABLE-TOSTREAM-\d{10} \(stores: \[\]\)\n {6}--> KSTREAM-SINK-\d{10}\n {6}<-- Aggregate-Project\n {4}Sink: KSTREAM-SINK-\d{10} \(topic: BY_USER\)/);
    expect(d.topology.match(/Sub-topology/g)).toHaveLength(2);
  });

  it('EXPLAIN of a statement describes it without running it; a push query has no sink step', () => {
    const e = engine();
    const d = explain(e, 'CREATE STREAM X AS SELECT * FROM TRADES PARTITION BY USERID');
    expect(d.executionPlan.split('\n')[0]).toBe(` > [ SINK ] | Schema: USERID STRING KEY, PRICE INTEGER, SYMBOL STRING | Logger: ${d.id}.X`);
    expect(d.executionPlan).toContain(`> [ REKEY ] | Schema: USERID STRING KEY, PRICE INTEGER, SYMBOL STRING | Logger: ${d.id}.PartitionBy`);
    expect(d.topology).toContain('Sink: KSTREAM-SINK-0000000002 (topic: X)');
    expect(e.queries.size).toBe(0);
    const push = explain(e, 'SELECT * FROM TRADES EMIT CHANGES');
    expect(push.executionPlan.split('\n')[0]).toMatch(/^ > \[ PROJECT \]/);
    expect(push.topology).toContain('Processor: Project (stores: [])\n      --> none');
  });

  it('EXPLAIN of a statement names the query it would make, as ksqlDB\'s sandbox makes it: its id, consumer group and stored statement (they were empty, missing and as typed), leaving nothing behind', () => {
    const e = engine();
    const d = explain(e, 'CREATE STREAM X AS SELECT * FROM TRADES');
    expect(d.id).toMatch(/^CSAS_X_\d+$/);
    expect(d.consumerGroupId).toBe(`_confluent-ksql-default_query_${d.id}`);
    expect(d.statementText).toBe("CREATE STREAM X WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='X', PARTITIONS=2, REPLICAS=1, RETENTION_MS=604800000) AS SELECT *\nFROM TRADES TRADES\nEMIT CHANGES;");
    expect([d.ksqlHostQueryStatus, d.state]).toEqual([{}, 'UNKNOWN']);
    expect([e.queries.size, e.metastore.get('X'), e.topics.get('X')]).toEqual([0, undefined, undefined]);
    // the query CREATE makes next takes the id EXPLAIN showed
    run(e, 'CREATE STREAM X AS SELECT * FROM TRADES');
    expect(queryId(e, 'X')).toBe(d.id);
    expect(explain(e, 'INSERT INTO X SELECT * FROM TRADES').id).toMatch(/^INSERTQUERY_\d+$/);
    const push = explain(e, 'SELECT * FROM TRADES T EMIT CHANGES');
    expect(push.id).toMatch(/^transient_T_\d+$/);
    expect(push.consumerGroupId).toBe(`_confluent-ksql-default_transient_${push.id}`);
    // a statement that would fail fails as it would
    expect(() => explain(e, 'CREATE STREAM X AS SELECT * FROM TRADES')).toThrow(/already exists/);
  });
});

describe("EXPLAIN's repartitions, as each step needs them", () => {
  const engine2 = () => {
    const e = engine();
    run(e, `CREATE STREAM S2 (USERID VARCHAR KEY, C VARCHAR) WITH (kafka_topic='s2', value_format='json', partitions=2);
      CREATE TABLE T2 (ID VARCHAR PRIMARY KEY, REGION VARCHAR, FK VARCHAR) WITH (kafka_topic='t2', value_format='json', partitions=2)`);
    return e;
  };
  const subTopologies = (topology: string) => topology.match(/Sub-topology/g)?.length;
  const logged = (plan: string) => plan.split('\n').filter(Boolean).map((l) => l.match(/Logger: (.*)$/)![1]);

  it('a GROUP BY after a key-to-key join re-keys only for the grouping; a table GROUP BY always goes through its repartition topic, into a KTABLE-AGGREGATE', () => {
    const e = engine2();
    const d = explain(e, 'CREATE TABLE X AS SELECT S2.C, COUNT(*) AS N FROM S2 JOIN USERS U ON S2.USERID = U.USERID GROUP BY S2.C');
    expect(logged(d.executionPlan)).not.toContain('LeftSourceKeyed');
    expect(subTopologies(d.topology)).toBe(2);
    const t = explain(e, 'CREATE TABLE Y AS SELECT REGION, COUNT(*) AS N FROM USERS GROUP BY REGION');
    expect(t.topology).toContain('Sink: Aggregate-GroupBy-repartition-sink (topic: Aggregate-GroupBy-repartition)');
    expect(t.topology).toMatch(/Processor: KTABLE-AGGREGATE-\d{10} \(stores: \[Aggregate-Aggregate-Materialize\]\)/);
    expect(subTopologies(t.topology)).toBe(2);
  });

  it('an n-way join re-keys before each step whose key differs, and only there', () => {
    const e = engine2();
    const d = explain(e, 'CREATE STREAM NW AS SELECT * FROM S2 JOIN TRADES T WITHIN 1 HOUR ON S2.USERID = T.USERID JOIN T2 ON S2.C = T2.ID');
    expect(logged(d.executionPlan)).toEqual(['NW', 'Project', 'Join1', 'LeftSourceKeyed1', 'Join', 'PrependAliasLeft', 'KafkaTopic_Left.Source', 'RightSourceKeyed', 'PrependAliasRight', 'KafkaTopic_Right.Source', 'PrependAliasRight1', 'KafkaTopic_Right1.Source'].map((l) => `${d.id}.${l}`));
    expect(d.executionPlan).toContain('> [ REKEY ] | Schema: S2_C STRING KEY, ');
  });

  it('a foreign-key join goes through its subscription registration and response topics', () => {
    const e = engine2();
    const d = explain(e, 'CREATE TABLE FKJ AS SELECT * FROM T2 JOIN USERS U ON T2.FK = U.USERID');
    expect(d.topology).toMatch(/Sink: KTABLE-SINK-\d{10} \(topic: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-\d{10}-topic\)/);
    expect(d.topology).toMatch(/Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-\d{10} \(stores: \[KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-\d{10}\]\)/);
    expect(d.topology).toMatch(/Processor: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-\d{10} \(stores: \[KafkaTopic_Left-Reduce\]\)/);
    expect(subTopologies(d.topology)).toBe(2);
  });

  it('a table function adds its column to the FLAT_MAP step; a SOURCE table\'s query has its source step and materializing topology', () => {
    const e = engine2();
    const f = explain(e, 'CREATE STREAM FL AS SELECT SYMBOL, EXPLODE(ARRAY[1, 2]) AS X FROM TRADES');
    expect(f.executionPlan).toMatch(/> \[ FLAT_MAP \] \| Schema: SYMBOL STRING KEY, USERID STRING, PRICE INTEGER, KSQL_SYNTH_0 INTEGER \|/);
    run(e, "CREATE SOURCE TABLE ST (ID INT PRIMARY KEY, V VARCHAR) WITH (kafka_topic='st', value_format='json', partitions=1)");
    const cst = explain(e, [...e.queries.values()].find((q) => q.kind === 'CST')!.id);
    expect(cst.executionPlan).toMatch(/^ > \[ SOURCE \] \| Schema: ID INTEGER KEY, V STRING \| Logger: CST_ST_\d+\.KsqlTopic\.Source\n$/);
    expect(cst.topology).toContain('(stores: [KsqlTopic-Reduce])');
  });
});

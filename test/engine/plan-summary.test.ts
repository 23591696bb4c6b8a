import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';

const ctx = { properties: {}, variables: new Map<string, string>() };
const run = (e: Engine, sql: string) => sql.split(/;\s*/).filter(Boolean).map((s) => e.executeStatement(`${s};`, ctx));
const explain = (e: Engine, what: string) => (run(e, `EXPLAIN ${what}`)[0] as unknown as { queryDescription: { executionPlan: string; topology: string } }).queryDescription;
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
    expect(d.executionPlan.split('\n')[0]).toBe(' > [ SINK ] | Schema: USERID STRING KEY, PRICE INTEGER, SYMBOL STRING | Logger: X');
    expect(d.executionPlan).toContain('> [ REKEY ] | Schema: USERID STRING KEY, PRICE INTEGER, SYMBOL STRING | Logger: PartitionBy');
    expect(d.topology).toContain('Sink: KSTREAM-SINK-0000000002 (topic: X)');
    expect(e.queries.size).toBe(0);
    const push = explain(e, 'SELECT * FROM TRADES EMIT CHANGES');
    expect(push.executionPlan.split('\n')[0]).toMatch(/^ > \[ PROJECT \]/);
    expect(push.topology).toContain('Processor: Project (stores: [])\n      --> none');
  });
});

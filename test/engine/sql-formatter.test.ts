import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { formatCreateAsSelect } from '../../src/engine/analysis/sql-formatter.js';
import { startLocalServer } from '../../src/engine/rest/server.js';
import { Engine } from '../../src/engine/engine.js';

const format = (sql: string, names: string[]) => {
  const s = parseStatement(sql);
  if (s.kind !== 'createAs') throw new Error('not a CREATE ... AS SELECT');
  return formatCreateAsSelect(s.sourceType, s.name, s.query, names, s.props);
};

describe('CREATE ... AS SELECT as ksqlDB\'s formatter writes it in the errors that quote it', () => {
  it('qualifies columns, aliases every item without AS, one per line when there are several, and adds EMIT CHANGES', () => {
    expect(format('CREATE TABLE OUTPUT AS SELECT f2, f1, f2+f1, COUNT(*) FROM TEST GROUP BY f1, f2;', ['F2', 'F1', 'KSQL_COL_0', 'KSQL_COL_1']))
      .toBe('CREATE TABLE OUTPUT AS SELECT\n  TEST.F2 F2,\n  TEST.F1 F1,\n  (TEST.F2 + TEST.F1) KSQL_COL_0,\n  COUNT(*) KSQL_COL_1\nFROM TEST TEST\nGROUP BY TEST.F1, TEST.F2\nEMIT CHANGES');
    expect(format("CREATE STREAM S2 WITH (kafka_topic='s2', partitions=2) AS SELECT * FROM S1 s WHERE s.v > 1 PARTITION BY v;", []))
      .toBe("CREATE STREAM S2 WITH (KAFKA_TOPIC='s2', PARTITIONS=2) AS SELECT *\nFROM S1 S\nWHERE (S.V > 1)\nPARTITION BY S.V\nEMIT CHANGES");
  });
  it('writes windows and joins as their expressions print themselves: units as TimeUnit names, the join type and its ON in brackets', () => {
    expect(format('CREATE TABLE W AS SELECT ID, COUNT(*) AS C FROM A WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 DAYS, GRACE PERIOD 10 SECONDS) GROUP BY ID;', ['ID', 'C']))
      .toBe('CREATE TABLE W AS SELECT\n  A.ID ID,\n  COUNT(*) C\nFROM A A\nWINDOW TUMBLING ( SIZE 1 MINUTES , RETENTION 2 DAYS , GRACE PERIOD 10 SECONDS ) \nGROUP BY A.ID\nEMIT CHANGES');
    expect(format('CREATE TABLE H AS SELECT ID, COUNT(*) AS C FROM A WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY ID;', ['ID', 'C']))
      .toContain('\nWINDOW HOPPING ( SIZE 30 SECONDS , ADVANCE BY 10 SECONDS ) \n');
    expect(format('CREATE TABLE S AS SELECT ID, COUNT(*) AS C FROM A WINDOW SESSION (5 MINUTES) GROUP BY ID;', ['ID', 'C'])).toContain('\nWINDOW SESSION ( 5 MINUTES ) \n');
    // a bare column names the source that has it
    const s = parseStatement('CREATE STREAM J AS SELECT A.ID, V, W FROM A LEFT JOIN B WITHIN (1 HOUR, 2 HOURS) ON A.ID = B.ID;');
    if (s.kind !== 'createAs') throw new Error('not a CREATE ... AS SELECT');
    expect(formatCreateAsSelect(s.sourceType, s.name, s.query, ['A_ID', 'V', 'W'], s.props, undefined, {}, [{ alias: 'A', columns: ['ID', 'V'] }, { alias: 'B', columns: ['ID', 'W'] }]))
      .toBe('CREATE STREAM J AS SELECT\n  A.ID A_ID,\n  A.V V,\n  B.W W\nFROM A A\nLEFT OUTER JOIN B B WITHIN (1 HOURS, 2 HOURS) ON ((A.ID = B.ID))\nEMIT CHANGES');
  });
  it('writes an alias as it was parsed: a quoted one keeps its case in FROM as in the columns it qualifies; none, the source\'s own name', () => {
    expect(format('CREATE STREAM Q1 AS SELECT "lo".ID, "lo".V FROM S1 "lo";', ['ID', 'V'])).toBe('CREATE STREAM Q1 AS SELECT\n  `lo`.ID ID,\n  `lo`.V V\nFROM S1 `lo`\nEMIT CHANGES');
    expect(format('CREATE STREAM Q2 AS SELECT * FROM "my-src";', [])).toBe('CREATE STREAM Q2 AS SELECT *\nFROM `my-src` `my-src`\nEMIT CHANGES');
    expect(format('CREATE STREAM Q3 AS SELECT lo.ID FROM S1 lo;', ['ID'])).toBe('CREATE STREAM Q3 AS SELECT LO.ID ID\nFROM S1 LO\nEMIT CHANGES');
  });

  it('leaves out what it does not write as ksqlDB does', () => {
    // a * beside other items: the output names no longer line up with the items one by one
    expect(format('CREATE STREAM M AS SELECT *, V + 1 AS W FROM A;', ['ID', 'V', 'W'])).toBeUndefined();
  });
});

describe('statements as ksqlDB stores and shows them (DESCRIBE, SHOW QUERIES, EXPLAIN)', () => {
  it('CREATE gets canonical types and its WITH sorted with CLEANUP_POLICY and the defaulted KEY_FORMAT; CSAS/CTAS the formatter\'s text with the topic\'s settings', async () => {
    const server = await startLocalServer({ port: 0 });
    try {
      const run = async (ksql: string) => (await (await fetch(`${server.url}/ksql`, { method: 'POST', body: JSON.stringify({ ksql }) })).json()) as Record<string, unknown>[];
      await run("CREATE STREAM E4b (k VARCHAR KEY, v INT) WITH (kafka_topic='e4b', value_format='JSON', partitions=1); CREATE TABLE T1 (id INT PRIMARY KEY, n STRING) WITH (kafka_topic='t1', value_format='JSON', partitions=2); CREATE TABLE AGG AS SELECT k, COUNT(*) AS n FROM E4b GROUP BY k;");
      // reserved words and odd struct field names are quoted, so the text runs again as it is
      await run("CREATE STREAM `SELECT` (`FROM` INT KEY, s STRUCT<`a``b` INT>) WITH (kafka_topic='sel', value_format='JSON', partitions=1); CREATE STREAM KEPT WITH (RETENTION_MS=3600000) AS SELECT * FROM E4b;");
      const statement = async (name: string) => ((await run(`DESCRIBE ${name};`))[0]!.sourceDescription as { statement: string }).statement;
      expect(await statement('E4B')).toBe("CREATE STREAM E4B (K STRING KEY, V INTEGER) WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='e4b', KEY_FORMAT='KAFKA', PARTITIONS=1, VALUE_FORMAT='JSON');");
      expect(await statement('`SELECT`')).toBe("CREATE STREAM `SELECT` (`FROM` INTEGER KEY, S STRUCT<`a``b` INTEGER>) WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='sel', KEY_FORMAT='KAFKA', PARTITIONS=1, VALUE_FORMAT='JSON');");
      expect(await statement('KEPT')).toContain('RETENTION_MS=3600000');
      expect(await statement('T1')).toBe("CREATE TABLE T1 (ID INTEGER PRIMARY KEY, N STRING) WITH (CLEANUP_POLICY='compact', KAFKA_TOPIC='t1', KEY_FORMAT='KAFKA', PARTITIONS=2, VALUE_FORMAT='JSON');");
      const agg = "CREATE TABLE AGG WITH (CLEANUP_POLICY='compact', KAFKA_TOPIC='AGG', PARTITIONS=1, REPLICAS=1, RETENTION_MS=-1) AS SELECT\n  E4B.K K,\n  COUNT(*) N\nFROM E4B E4B\nGROUP BY E4B.K\nEMIT CHANGES;";
      expect(await statement('AGG')).toBe(agg);
      const queries = (await run('SHOW QUERIES;'))[0]!.queries as { id: string; queryString: string }[];
      expect(queries.map((q) => q.queryString)).toContain(agg);
      expect(((await run(`EXPLAIN ${queries.find((q) => q.queryString === agg)!.id};`))[0]!.queryDescription as { statementText: string }).statementText).toBe(agg);
      // an INSERT INTO ... SELECT is shown as the formatter writes it too
      await run('INSERT INTO KEPT SELECT k, v * 2 AS v FROM E4b WHERE v > 1;');
      const shown = ((await run('SHOW QUERIES;'))[0]!.queries as { id: string; queryString: string }[]).find((q) => q.id.startsWith('INSERTQUERY_'))!.queryString;
      expect(shown).toBe('INSERT INTO KEPT SELECT\n  E4B.K K,\n  (E4B.V * 2) V\nFROM E4B E4B\nWHERE (E4B.V > 1)\nEMIT CHANGES;');
    } finally { await server.close(); }
  });
});

describe('the statement a persistent query shows (as ksqlDB stores it)', () => {
  it('names each select item with its own output column, whatever order the sink\'s columns take (its key first)', () => {
    const e = new Engine();
    const ctx = { properties: {}, variables: new Map<string, string>() };
    for (const s of [
      "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT INT) WITH (kafka_topic='orders', value_format='json', partitions=1);",
      "CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH (kafka_topic='customers', value_format='json', partitions=1);",
      'CREATE STREAM ENRICHED AS SELECT o.ID, o.CUSTOMER, c.NAME, o.AMOUNT FROM ORDERS o LEFT JOIN CUSTOMERS c ON o.CUSTOMER = c.ID;',
    ]) e.executeStatement(s, ctx);
    const q = [...e.queries.values()].find((x) => x.sinkName === 'ENRICHED')!;
    expect(q.displayText).toMatch(/^CREATE STREAM ENRICHED WITH \(.*\) AS SELECT\n {2}O\.ID O_ID,\n {2}O\.CUSTOMER CUSTOMER,\n {2}C\.NAME NAME,\n {2}O\.AMOUNT AMOUNT\nFROM ORDERS O\nLEFT OUTER JOIN CUSTOMERS C ON \(\(O\.CUSTOMER = C\.ID\)\)\nEMIT CHANGES;$/);
    // the sink's columns: the key (the join key, CUSTOMER) first
    expect(e.metastore.get('ENRICHED')!.columns.map((c) => c.name)).toEqual(['CUSTOMER', 'O_ID', 'NAME', 'AMOUNT']);
  });
});

import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { formatCreateAsSelect } from '../../src/engine/analysis/sql-formatter.js';

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
  it('leaves out what it does not write as ksqlDB does: joins and windows', () => {
    expect(format('CREATE STREAM J AS SELECT * FROM A JOIN B WITHIN 1 HOUR ON A.ID = B.ID;', [])).toBeUndefined();
    expect(format('CREATE TABLE W AS SELECT ID, COUNT(*) AS C FROM A WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;', ['ID', 'C'])).toBeUndefined();
    // a * beside other items: the output names no longer line up with the items one by one
    expect(format('CREATE STREAM M AS SELECT *, V + 1 AS W FROM A;', ['ID', 'V', 'W'])).toBeUndefined();
  });
});

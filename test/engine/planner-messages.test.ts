import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { T } from '../../src/engine/sql/types.js';
import { MetaStore } from '../../src/engine/catalog/metastore.js';
import { planQuery } from '../../src/engine/analysis/planner.js';

const metastore = new MetaStore();
metastore.put({
  name: 'INPUT', type: 'STREAM', topic: 'input', isSource: false, statement: '',
  keyFormat: { format: 'JSON' }, valueFormat: { format: 'JSON' },
  columns: [{ name: 'K', type: T.INTEGER, ns: 'KEY' }, { name: 'K2', type: T.INTEGER, ns: 'KEY' }, { name: 'S', type: T.STRING, ns: 'VALUE' }],
});
const plan = (select: string) => {
  const stmt = parseStatement(`${select};`);
  if (stmt.kind !== 'select') throw new Error('not a query');
  return planQuery(stmt.query, metastore, { persistent: true, sinkName: 'OUTPUT' });
};

describe('persistent query messages', () => {
  it.each([
    ['SELECT K, S FROM INPUT', 'must include the key columns K and K2 in its projection (eg, SELECT K, K2...).'],
    ['SELECT K, S FROM INPUT PARTITION BY K, K2', 'must include the partitioning expressions INPUT.K and INPUT.K2 in its projection (eg, SELECT INPUT.K, INPUT.K2...).'],
    ['SELECT K, K2, CAST(S AS ARRAY<INT>) AS A FROM INPUT', 'Invalid Select: Cast of STRING to ARRAY<INTEGER> is not supported'],
    ['SELECT K, K2, COALESCE() AS C FROM INPUT', "Function 'COALESCE' does not accept parameters ()."],
    ['SELECT K, K2, LCASE(K) AS C FROM INPUT', "Function 'lcase' does not accept parameters (INTEGER)."],
    ['SELECT K, COUNT(*) AS N FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS)', 'Non-aggregate SELECT expression(s) not part of GROUP BY: K\n'],
    ['SELECT COUNT(*) AS N FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS)', 'WINDOW clause requires a GROUP BY clause.'],
    ['SELECT * FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS)', 'WINDOW clause requires a GROUP BY clause.'],
  ])('%s', (select, message) => {
    expect(() => plan(select)).toThrow(message);
  });
});

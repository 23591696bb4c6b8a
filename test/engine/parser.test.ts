import { describe, expect, it } from 'vitest';
import { parseStatement, splitRequest } from '../../src/engine/sql/parser.js';
import { SqlSyntaxError } from '../../src/engine/sql/lexer.js';
import { formatExpr } from '../../src/engine/analysis/format.js';

describe('statement parser', () => {
  it('parses CREATE STREAM with key, types and WITH properties', () => {
    const s = parseStatement("CREATE STREAM s (id INT KEY, `Name` STRING, d DECIMAL(4,2), a ARRAY<MAP<STRING, BIGINT>>) WITH (kafka_topic='t', value_format='json', partitions=2);");
    expect(s.kind).toBe('createSource');
    if (s.kind !== 'createSource') return;
    expect(s.name).toBe('S');
    expect(s.columns!.map((c) => [c.name, c.role])).toEqual([['ID', 'key'], ['Name', 'value'], ['D', 'value'], ['A', 'value']]);
    expect(s.props.get('KAFKA_TOPIC')!.value).toBe('t');
    expect(s.props.get('PARTITIONS')!.value).toBe(2);
  });

  it('DAY, HOUR, MINUTE and SECOND are column names, followed by a comma or not; only the first argument of the date arithmetic functions is a time unit', () => {
    const s = parseStatement('SELECT DAY, HOUR, MINUTE, SECOND, ABS(SECOND), DATEADD(DAYS, 1, D), TIMESTAMPSUB(HOUR, DAY, T) FROM s;');
    if (s.kind !== 'select') throw new Error(s.kind);
    const exprs = s.query.items.map((it) => (it.t === 'expr' ? it.expr : undefined));
    expect(exprs.slice(0, 4).map((e) => e?.t)).toEqual(['col', 'col', 'col', 'col']);
    expect(exprs.slice(4).map((e) => (e?.t === 'call' ? e.args.map((a) => a.t) : []))).toEqual([['col'], ['timeunit', 'lit', 'col'], ['timeunit', 'col', 'col']]);
  });

  it.each([
    ['SELECT a + b * c FROM s;', '(A + (B * C))'],
    ['SELECT NOT a = 1 AND b OR c FROM s;', '(((NOT (A = 1)) AND B) OR C)'],
    ["SELECT x LIKE '%a' FROM s;", "(X LIKE '%a')"],
    ['SELECT a BETWEEN 1 AND 2 FROM s;', '(A BETWEEN 1 AND 2)'],
    ["SELECT 'a' || 'b' FROM s;", "CONCAT('a', 'b')"],
    ['SELECT CASE WHEN a > 1 THEN 2 ELSE 3 END FROM s;', '(CASE WHEN (A > 1) THEN 2 ELSE 3 END)'],
    ['SELECT s.col->f[1] FROM s;', 'S.COL->F[1]'],
  ])('gives %s the precedence ksqlDB gives it', (sql, expected) => {
    const s = parseStatement(sql);
    if (s.kind !== 'select' || s.query.items[0]!.t !== 'expr') throw new Error('not a select');
    expect(formatExpr(s.query.items[0]!.expr)).toBe(expected);
  });

  it('types numeric literals as ksqlDB does', () => {
    const s = parseStatement('SELECT 1, 3000000000, 1.50, 1e3 FROM s;');
    if (s.kind !== 'select') throw new Error('not a select');
    const kinds = s.query.items.map((i) => (i.t === 'expr' && i.expr.t === 'lit' ? i.expr.type : undefined));
    expect(kinds).toEqual([{ kind: 'INTEGER' }, { kind: 'BIGINT' }, { kind: 'DECIMAL', precision: 3, scale: 2 }, { kind: 'DOUBLE' }]);
  });

  it('reports syntax errors with a 1-based line and column', () => {
    try { parseStatement('CREATE STREAMM oops;'); expect.unreachable(); } catch (e) {
      expect(e).toBeInstanceOf(SqlSyntaxError);
      expect((e as Error).message).toMatch(/^line 1:8: Syntax Error/);
    }
  });

  it('takes a query id as an identifier, quoted or not, in EXPLAIN as in TERMINATE; a string is no query id', () => {
    expect(parseStatement('EXPLAIN CSAS_X_1;')).toMatchObject({ kind: 'explain', queryId: 'CSAS_X_1' });
    expect(parseStatement('EXPLAIN `csas_x_1`;')).toMatchObject({ kind: 'explain', queryId: 'csas_x_1' });
    for (const [sql, at] of [["EXPLAIN 'CSAS_X_1';", '1:9'], ["TERMINATE 'CSAS_X_1';", '1:11']] as const) {
      expect(() => parseStatement(sql)).toThrow(`line ${at}: Syntax Error\nmismatched input ''CSAS_X_1'' expecting a query id`);
    }
  });

  it('splits requests on semicolons outside strings and comments', () => {
    const parts = splitRequest("CREATE STREAM a (x STRING) WITH (kafka_topic='a;b', value_format='json'); -- c;\n/* ; */ SELECT 1 FROM a;");
    expect(parts.map((p) => p.text)).toEqual(["CREATE STREAM a (x STRING) WITH (kafka_topic='a;b', value_format='json');", 'SELECT 1 FROM a;']);
  });

  it('parses the pull, push and windowed query clauses', () => {
    const s = parseStatement("SELECT symbol, count(*) FROM t WINDOW TUMBLING (SIZE 60 SECONDS, GRACE PERIOD 1 MINUTE) WHERE d LIKE '%C%' GROUP BY symbol EMIT CHANGES LIMIT 5;");
    if (s.kind !== 'select') throw new Error('not a select');
    expect(s.query.window).toMatchObject({ type: 'TUMBLING', size: { ms: 60_000 }, grace: { ms: 60_000 } });
    expect(s.query.emit).toBe('CHANGES');
    expect(s.query.limit).toBe(5);
  });

  it.each(['w session (1 second)', 'MyWindow HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND)', '`w` tumbling (size 1 second)'])('takes a named window: WINDOW %s', (spec) => {
    const s = parseStatement(`SELECT k, count(*) FROM t WINDOW ${spec} GROUP BY k EMIT CHANGES;`);
    if (s.kind !== 'select') throw new Error('not a select');
    expect(s.query.window?.size.ms).toBe(spec.includes('2 SECONDS') ? 2000 : 1000);
  });
});

describe('type parameters', () => {
  it.each([
    ['VARCHAR(STRING)', 'STRING'],
    ['STRING(10)', 'STRING'],
    ['INT(5, 2)', 'INTEGER'],
  ])('accepts and ignores %s', (type, kind) => {
    const s = parseStatement(`CREATE STREAM s (k ${type} KEY, v INT) WITH (kafka_topic='t', value_format='json');`);
    if (s.kind !== 'createSource') throw new Error('not a CREATE');
    expect(s.columns![0]!.type.kind).toBe(kind);
  });

  it.each([
    ['CREATE STREAM INPUT (K STRING (KEY)) WITH (kafka_topic=\'i\', value_format=\'JSON\');', "line 1:32: Syntax Error\nExpecting {'STRING', INTEGER_VALUE}"],
    ['CREATE STREAM INPUT (K INT (KEY)) WITH (kafka_topic=\'i\', value_format=\'JSON\');', "line 1:29: Syntax Error\nExpecting {'STRING', INTEGER_VALUE}"],
    // after a column, the list goes on (',') or ends (')'): anything else is ANTLR's input mismatch, said as ksqlDB says it
    ['CREATE STREAM INPUT (K VARCHAR(STRING) (KEY)) WITH (kafka_topic=\'i\', value_format=\'JSON\');', "line 1:40: Syntax Error\nExpecting {',', ')'}"],
    ['CREATE STREAM INPUT (K INT KEY V INT) WITH (kafka_topic=\'i\', value_format=\'JSON\');', "line 1:32: Syntax Error\nExpecting {',', ')'}"],
  ])('refuses a non-parameter in %s', (sql, message) => {
    expect(() => parseStatement(sql)).toThrow(SqlSyntaxError);
    expect(() => parseStatement(sql)).toThrow(message);
  });
});

describe('numeric literals at the edges', () => {
  it('a negative literal is one literal: BIGINT min fits, one past it does not', async () => {
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const item = (sql: string) => { const s = parseStatement(sql); if (s.kind !== 'select') throw new Error('not a query'); return s.query.items[0]; };
    expect(item('SELECT -9223372036854775808 FROM T;')).toMatchObject({ expr: { t: 'lit', type: { kind: 'BIGINT' } } });
    expect(() => parseStatement('SELECT 9223372036854775808 FROM T;')).toThrow('Failed to prepare statement: line 1:9: Invalid numeric literal: 9223372036854775808');
    expect(() => parseStatement('SELECT -1.7976931348623160E308 FROM T;')).toThrow('Number overflows DOUBLE: -1.7976931348623160E308');
    // a minus over a parenthesised number negates that literal, of its own type: -(2147483648) is a BIGINT
    expect(item('SELECT -2147483648 FROM T;')).toMatchObject({ expr: { t: 'lit', type: { kind: 'INTEGER' } } });
    expect(item('SELECT -(2147483648) FROM T;')).toMatchObject({ expr: { t: 'neg', e: { t: 'lit', type: { kind: 'BIGINT' } } } });
  });
});

describe('PARTITION BY', () => {
  const partitionBy = (sql: string) => { const s = parseStatement(sql); if (s.kind !== 'createAs') throw new Error('not a CSAS'); return s.query.partitionBy!.map(formatExpr); };
  it('takes value expressions, bare or in parentheses', () => {
    expect(partitionBy('CREATE STREAM O AS SELECT * FROM I PARTITION BY A, B;')).toEqual(['A', 'B']);
    expect(partitionBy('CREATE STREAM O AS SELECT * FROM I PARTITION BY (A, B);')).toEqual(['A', 'B']);
    expect(partitionBy('CREATE STREAM O AS SELECT * FROM I PARTITION BY (A + 1) * 2;')).toEqual(['((A + 1) * 2)']);
    expect(partitionBy('CREATE STREAM O AS SELECT * FROM I PARTITION BY ();')).toEqual([]);
  });
  it('refuses a boolean expression as a syntax error', () => {
    expect(() => parseStatement('CREATE STREAM O AS SELECT * FROM I PARTITION BY NAME AND AGE;')).toThrow(SqlSyntaxError);
  });
});

describe('the lexer and grammar as ksqlDB has them', () => {
  const error = (sql: string) => { try { parseStatement(sql); return 'parsed'; } catch (e) { return (e as Error).message; } };
  it('SHOW, EXPLAIN, PARTITION and ESCAPE are no reserved words (the grammar\'s nonReserved); EMIT and PARTITION start a clause only before CHANGES|FINAL and BY', () => {
    const s = parseStatement("CREATE STREAM S (id INT KEY, show INT, partition INT, explain INT, escape INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);");
    if (s.kind !== 'createSource') throw new Error(s.kind);
    expect(s.columns!.map((c) => c.name)).toEqual(['ID', 'SHOW', 'PARTITION', 'EXPLAIN', 'ESCAPE']);
    const q = parseStatement('CREATE STREAM O AS SELECT id, show emit FROM S x PARTITION BY partition EMIT CHANGES;');
    if (q.kind !== 'createAs') throw new Error(q.kind);
    expect([q.query.items.map((i) => (i.t === 'expr' ? i.alias ?? null : null)), q.query.from.alias, q.query.partitionBy?.map(formatExpr)]).toEqual([[null, 'EMIT'], 'X', ['PARTITION']]);
    expect(error('CREATE STREAM O AS SELECT * FROM S PARTITION BY id;')).toBe('parsed');
  });
  it('a -- comment ends at a lone carriage return; a form feed is no whitespace; a line end in a quoted name counts', () => {
    expect(parseStatement('-- c\rSHOW STREAMS;').kind).toBe('show');
    expect(parseStatement('SHOW STREAMS -- c\r;').kind).toBe('show');
    expect(error('SHOW\fSTREAMS;')).toMatch(/^line 1:5: Syntax Error/);
    expect(splitRequest('CREATE STREAM s (`a\nb` INT);\nSHOW STREAMS;').map((x) => x.line)).toEqual([1, 3]);
  });
  it('a statement without its ; is missing it at the end, and one token too many before the ; is extraneous (ANTLR\'s recovery messages)', () => {
    expect(() => splitRequest('SHOW STREAMS')).toThrow("Syntax Error\nmissing ';' at '<EOF>'");
    expect(error('SHOW STREAMS EXTENDED EXTENDED;')).toBe("line 1:23: Syntax Error\nextraneous input 'EXTENDED' expecting ';'");
    // a parenthesised item of a GROUP BY list that goes on with a ',': its ')' is missing (group-by.json)
    expect(error('CREATE TABLE O AS SELECT F1, COUNT(*) FROM T GROUP BY F3, (F2, F1);')).toBe("line 1:62: Syntax Error\nmissing ')' at ','");
    expect(error('CREATE TABLE O AS SELECT F1, COUNT(*) FROM T WHERE (F2, F1) GROUP BY F3;')).toMatch(/mismatched input ',' expecting '\)'$/);
  });
  it('PRINT takes a number after INTERVAL, SAMPLE and LIMIT', () => {
    expect(error("PRINT 'a' LIMIT;")).toBe("line 1:16: Syntax Error\nmismatched input ';' expecting a number");
    expect(error("PRINT 'a' INTERVAL 'abc';")).toMatch(/expecting a number$/);
    const p = parseStatement("PRINT 'a' FROM BEGINNING INTERVAL 2 LIMIT 3;");
    expect(p).toMatchObject({ kind: 'print', fromBeginning: true, interval: 2, limit: 3 });
  });
});

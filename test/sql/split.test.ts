import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertWaitMs, assertWaitsMs, refusedInMigration, splitStatements, SqlTextError, stripComments } from '../../src/sql/split.js';
import { substitute } from '../../src/sql/variables.js';

describe('splitStatements', () => {
  it.each([
    ['one statement', 'SHOW STREAMS;', [['SHOW STREAMS;', 1]]],
    ['semicolon inside a string', "INSERT INTO s (a) VALUES ('x;y');", [["INSERT INTO s (a) VALUES ('x;y');", 1]]],
    ['doubled quote inside a string', "INSERT INTO s (a) VALUES ('it''s; fine');", [["INSERT INTO s (a) VALUES ('it''s; fine');", 1]]],
    ['semicolon in backticks and double quotes', 'CREATE STREAM `a;b` ("c;d" INT) WITH (x=1);', [['CREATE STREAM `a;b` ("c;d" INT) WITH (x=1);', 1]]],
    ['line comment with a semicolon', '-- a; comment\nSHOW TABLES;', [['SHOW TABLES;', 2]]],
    ['block comment over lines', '/* one;\n two; */\nSHOW TABLES;\nSHOW STREAMS;', [['SHOW TABLES;', 3], ['SHOW STREAMS;', 4]]],
    ['comment-only file', '-- nothing here\n/* nor; here */\n', []],
    ['statement spanning lines', 'CREATE STREAM s\n  (a INT)\n  WITH (x=1);', [['CREATE STREAM s\n  (a INT)\n  WITH (x=1);', 1]]],
  ])('%s', (_name, sql, expected) => {
    expect(splitStatements(sql).map((s) => [s.text, s.line])).toEqual(expected);
  });

  it.each([
    ['a missing final semicolon', 'SHOW STREAMS;\nSHOW TABLES', 2, /missing its terminating ';'/],
    ['an unterminated string', "SHOW STREAMS;\nINSERT INTO s VALUES ('x);", 2, /unterminated string literal/],
    ['an unterminated comment', '/* open\nSHOW TABLES;', 1, /unterminated \/\* comment/],
  ])('reports %s with its line', (_name, sql, line, message) => {
    try { splitStatements(sql); expect.unreachable(); } catch (e) {
      expect(e).toBeInstanceOf(SqlTextError);
      expect((e as SqlTextError).line).toBe(line);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('never crashes: any text splits or fails with a SqlTextError', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', ' ', ';', "'", '"', '`', '-', '/', '*', '\n', 'x') }), (text) => {
      try { splitStatements(text); } catch (e) { expect(e).toBeInstanceOf(SqlTextError); }
    }), { numRuns: 2000 });
  });

  it('splitting the joined statements gives them back', () => {
    const stmt = fc.stringMatching(/^[A-Z][A-Za-z0-9 ,()=]{0,20}('[a-z; ]{0,5}')?[a-z ]{0,4}$/).map((s) => `${s.trim() || 'X'};`);
    fc.assert(fc.property(fc.array(stmt, { minLength: 1, maxLength: 6 }), (stmts) => {
      expect(splitStatements(stmts.join('\n')).map((s) => s.text)).toEqual(stmts.map((s) => s.trim()));
    }), { numRuns: 500 });
  });
});

describe('statements a migration refuses', () => {
  it.each(['SELECT * FROM s;', 'describe s;', 'SHOW STREAMS;', 'LIST TOPICS;', 'EXPLAIN q;', 'PRINT t;', "RUN SCRIPT 'x.sql';"])('refuses %s with a reason', (sql) => {
    expect(refusedInMigration(sql)).toMatch(/is not allowed in a migration: /);
  });
  it.each(['CREATE STREAM s (a INT) WITH (x=1);', 'INSERT INTO s (a) VALUES (1);', 'DROP TABLE t;', 'TERMINATE q;'])('accepts %s', (sql) => {
    expect(refusedInMigration(sql)).toBeUndefined();
  });
});

describe('variable substitution', () => {
  it('substitutes case-insensitively, in strings and identifiers', () => {
    expect(substitute("CREATE STREAM ${Name} WITH (kafka_topic='${topic}');", new Map([['name', 'S'], ['TOPIC', 't1']]), 1)).toBe("CREATE STREAM S WITH (kafka_topic='t1');");
  });
  it('names the line of an undefined variable', () => {
    expect(() => substitute('SHOW\nSTREAMS ${nope};', new Map(), 10)).toThrow(expect.objectContaining({ line: 11, message: expect.stringMatching(/variable 'nope' is not defined/) }));
  });
});

describe('assertWaitMs: how long an ASSERT may hold its request on the server', () => {
  it('is its TIMEOUT in any unit, else ksqlDB\'s default of a second; other statements wait for nothing', () => {
    expect(['ASSERT TOPIC x TIMEOUT 60 SECONDS;', "assert not exists schema subject 'a' timeout 2 minutes", 'ASSERT TOPIC x WITH (PARTITIONS=1) TIMEOUT 250 MILLISECONDS;', '-- why\nASSERT SCHEMA ID 3 TIMEOUT 1 HOUR;', 'ASSERT TOPIC x;', 'ASSERT SCHEMA SUBJECT \'x\';', 'CREATE STREAM X AS SELECT 1 TIMEOUT 5 SECONDS;', "ASSERT VALUES s (a) VALUES (1);"].map((t) => assertWaitMs(t)))
      .toEqual([60_000, 120_000, 250, 3_600_000, 1000, 1000, 0, 0]);
  });

  it('without TIMEOUT, the default in force: the request\'s properties, then SET and UNSET before it', () => {
    expect(assertWaitsMs(['ASSERT TOPIC a;', 'ASSERT SCHEMA ID 1;'])).toBe(2000);
    expect(assertWaitsMs(['ASSERT TOPIC a;'], { 'ksql.assert.topic.default.timeout.ms': 5000 })).toBe(5000);
    expect(assertWaitsMs(["SET 'ksql.assert.topic.default.timeout.ms'='3000';", 'ASSERT TOPIC a;', 'ASSERT SCHEMA ID 1;', 'ASSERT TOPIC b TIMEOUT 2 SECONDS;', "UNSET 'ksql.assert.topic.default.timeout.ms';", 'ASSERT TOPIC c;'], { 'ksql.assert.topic.default.timeout.ms': 7000 }))
      .toBe(3000 + 1000 + 2000 + 7000);
  });
});

describe('line endings', () => {
  it('a -- comment ends at a lone \\r (old Mac files) or \\r\\n as at \\n, and lines count each break once', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['-- create d', 'CREATE STREAM A (v INT) WITH (kafka_topic=\'a\', value_format=\'JSON\');', '/* two', 'lines */ -- more', "INSERT INTO A (v) VALUES (1); -- trailing", ''].join(eol);
      expect(splitStatements(text)).toEqual([
        { text: "CREATE STREAM A (v INT) WITH (kafka_topic='a', value_format='JSON');", line: 2 },
        { text: 'INSERT INTO A (v) VALUES (1);', line: 5 },
      ]);
    }
  });
});

describe('an undefined variable', () => {
  it('is named at its line however the file ends its lines (\\n, \\r\\n or a lone \\r)', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['-- c', 'CREATE STREAM s (id INT)', " WITH (kafka_topic='${undef}');"].join(eol);
      expect(() => substitute(text, new Map(), 1)).toThrow(expect.objectContaining({ line: 3 }));
    }
  });
});

describe('stripComments', () => {
  it('drops blanks that end a line outside string literals, and keeps a literal\'s own byte for byte', () => {
    const text = "INSERT INTO t (id, v) VALUES (2, 'multi\nline   \nvalue\t');   -- note  \nSELECT 1 /* a\nb */   \n";
    expect(stripComments(text)).toBe("INSERT INTO t (id, v) VALUES (2, 'multi\nline   \nvalue\t');\nSELECT 1\n\n");
  });

  it('keeps blanks at line ends inside quoted identifiers too', () => {
    expect(stripComments('SELECT `a  \nb` FROM s  \r\n')).toBe('SELECT `a  \nb` FROM s\r\n');
  });
});

import { describe, expect, it } from 'vitest';
import { parseSqlTests, runSqlTest } from '../../../src/engine/conformance/sql-tests.js';

// ksqlDB's sql-tests format: --@ directives, statements run in order, ASSERT statements checking sinks
const FILE = `-- a comment before the first test
--@test: passes
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON');
CREATE STREAM bar AS SELECT id, col1 * 2 AS twice FROM foo;
INSERT INTO foo (rowtime, id, col1) VALUES (5, 1, 21);
ASSERT VALUES bar (rowtime, id, twice) VALUES (5, 1, 42);
ASSERT STREAM bar (id INT KEY, twice INT) WITH (kafka_topic='BAR', value_format='JSON');

--@test: a wrong value is an AssertionError
--@Expected.Error: java.lang.AssertionError
--@expected.message: Expected record does not match actual
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON');
CREATE STREAM bar AS SELECT * FROM foo;
INSERT INTO foo (id, col1) VALUES (1, 1);
ASSERT VALUES bar (id, col1) VALUES (1, 2);

--@test: a wrong value without the directives fails the test
CREATE TABLE t (id INT PRIMARY KEY, col1 INT) WITH (kafka_topic='t', value_format='JSON');
CREATE TABLE u AS SELECT * FROM t;
INSERT INTO t (id, col1) VALUES (1, 1);
ASSERT NULL VALUES u (id) KEY (1);
`;

describe('sql-tests runner', () => {
  const tests = parseSqlTests('meta', FILE);

  it('splits a file at --@test, with the expected error of each', () => {
    expect(tests.map((t) => [t.name, t.expectedError, t.expectedMessage])).toEqual([
      ['meta - passes', undefined, undefined],
      ['meta - a wrong value is an AssertionError', 'java.lang.AssertionError', 'Expected record does not match actual'],
      ['meta - a wrong value without the directives fails the test', undefined, undefined],
    ]);
  });

  it('runs statements eagerly and checks ASSERT VALUES, ASSERT NULL VALUES and ASSERT STREAM', () => {
    expect(runSqlTest(tests[0]!)).toEqual({ name: 'meta - passes', status: 'pass' });
    expect(runSqlTest(tests[1]!).status).toBe('pass');
    const r = runSqlTest(tests[2]!);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/ASSERT NULL VALUES u \(id\) KEY \(1\);\n\s+Expected record does not match actual\. a tombstone was expected/);
  });
});

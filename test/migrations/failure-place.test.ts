import { describe, expect, it } from 'vitest';
import { failurePlace } from '../../src/migrations/apply.js';
import { ServerError } from '../../src/client/client.js';

// The request of a migration: history rows, then its statements; the server's error is mapped back
// to the statement and the file's line.
const head = "INSERT INTO EV (version_key) VALUES ('2');\nINSERT INTO EV (version_key) VALUES ('CURRENT');";
const statements = [
  { text: "CREATE STREAM A (id STRING KEY, v INT)\n  WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON', PARTITIONS=1);", line: 1 },
  { text: 'CREATE STREAM B AS SELECT id, v FROM A\n  WHERE v >>> 1;', line: 4 },
  { text: "INSERT INTO A (id, v) VALUES ('x', 'y');", line: 7 },
];

describe('where a migration failed', () => {
  it('a syntax error: by its position in the request, rewritten to the file\'s line', () => {
    // request line 6 is the second line of statement 2 (request lines: 1-2 head, 3-4, 5-6, 7)
    const e = new ServerError(400, { message: 'line 6:12: Syntax Error\nmismatched input', statementText: '  WHERE v >>> 1;' });
    // the message's lines joined into one: what the parser expected stays in it
    expect(failurePlace(e, head, statements)).toBe('statement 2/3 (line 5): line 5:12: Syntax Error mismatched input');
  });

  it('a TERMINATE, PAUSE or RESUME of a query the server does not know: answered without the statement, named by the id', () => {
    const stmts = [statements[0]!, { text: 'terminate csas_a2_5;', line: 3 }, { text: 'DROP STREAM A2 DELETE TOPIC;', line: 4 }, { text: 'PAUSE CSAS_X_1;', line: 5 }];
    expect(failurePlace(new ServerError(400, { message: 'Unknown queryId: CSAS_A2_5' }), head, stmts)).toBe('statement 2/4 (line 3): Unknown queryId: CSAS_A2_5');
    expect(failurePlace(new ServerError(400, { message: 'Unknown queryId: CSAS_X_1' }), head, stmts)).toBe('statement 4/4 (line 5): Unknown queryId: CSAS_X_1');
    expect(failurePlace(new ServerError(400, { message: "Cannot terminate query 'CST_T_3' because it is linked to a source table." }), head, [...stmts, { text: 'TERMINATE CST_T_3;', line: 9 }]))
      .toBe("statement 5/5 (line 9): Cannot terminate query 'CST_T_3' because it is linked to a source table.");
    // an id no statement names: none is guessed
    expect(failurePlace(new ServerError(400, { message: 'Unknown queryId: OTHER_1' }), head, stmts)).toBe('one of its statements: Unknown queryId: OTHER_1');
  });

  it('a position the server counts from the statement\'s first line (Line: L, Col: C) is the file\'s', () => {
    const e = new ServerError(400, { message: "Line: 2, Col: 9: WHERE column 'V2' cannot be resolved.", statementText: statements[1]!.text });
    expect(failurePlace(e, head, statements)).toBe("statement 2/3 (line 5): Line: 5, Col: 9: WHERE column 'V2' cannot be resolved.");
  });

  it('a file whose lines end in a lone \\r (which the server does not count as a line break): the error\'s line and column are the file\'s', () => {
    // file lines: 1 the CREATE; 2 CREATE STREAM A2 AS; 3   SELECT id; 4   FROMM a1;
    const cr = [{ text: "CREATE STREAM a1 (id INT KEY) WITH (KAFKA_TOPIC='a1', VALUE_FORMAT='JSON', PARTITIONS=1);", line: 1 }, { text: 'CREATE STREAM a2 AS\r  SELECT id\r  FROMM a1;', line: 2 }];
    // the request: two head lines, then statement 1 on line 3 and statement 2 (one server line) on line 4
    const at = 'CREATE STREAM a2 AS\r  SELECT id\r  FROMM a1;'.indexOf('a1;') + 1;
    const syntax = new ServerError(400, { message: `line 4:${at}: Syntax Error mismatched input 'a1'`, statementText: 'x' });
    expect(failurePlace(syntax, head, cr)).toBe("statement 2/2 (line 4): line 4:9: Syntax Error mismatched input 'a1'");
    const semantic = new ServerError(400, { message: `Line: 1, Col: ${at}: something`, statementText: cr[1]!.text });
    expect(failurePlace(semantic, head, cr)).toBe('statement 2/2 (line 4): Line: 4, Col: 9: something');
  });

  it('a statement the server names by its text', () => {
    const e = new ServerError(400, { message: 'Topic does not exist', statementText: statements[0]!.text });
    expect(failurePlace(e, head, statements)).toBe('statement 1/3 (line 1): Topic does not exist');
  });

  it('statements of the same text: each is named, as the answer cannot tell them apart', () => {
    const twice = [statements[0]!, { text: 'DROP STREAM A;', line: 3 }, { text: 'DROP STREAM A;', line: 6 }];
    const e = new ServerError(400, { message: 'Stream A does not exist.', statementText: 'DROP STREAM A;' });
    expect(failurePlace(e, head, twice)).toBe('statement 2 or 3/3 (lines 3 or 6, the same text): Stream A does not exist.');
  });

  it('a request too large for the server: the file\'s size is to blame, not a statement', () => {
    const e = new ServerError(413, { message: 'Request body exceeds the limit of 10485760 bytes' });
    expect(failurePlace(e, head, statements)).toMatch(/^its request: 0\.0 MB of statements, more than the server takes \(HTTP 413: Request body exceeds the limit of 10485760 bytes\); split the file into smaller migrations$/);
  });

  it('INSERT VALUES\'s validator, which names only the target', () => {
    const e = new ServerError(400, { message: "Failed to insert values into 'A'. Expected type INTEGER for field `V` but got STRING(y)" });
    expect(failurePlace(e, head, statements)).toBe("statement 3/3 (line 7): Failed to insert values into 'A'. Expected type INTEGER for field `V` but got STRING(y)");
    // a target that does not exist is named in backquotes
    const inserts = [statements[0]!, { text: "INSERT INTO nosuch (id) VALUES (1);", line: 5 }];
    const unknown = new ServerError(400, { message: 'Cannot insert values into an unknown stream/table: `NOSUCH`' });
    expect(failurePlace(unknown, head, inserts)).toBe('statement 2/2 (line 5): Cannot insert values into an unknown stream/table: `NOSUCH`');
  });

  it('several INSERT VALUES into the target: the column the message names picks one; else all are named; a file of one statement is that one', () => {
    const inserts = [statements[0]!, { text: "INSERT INTO A (id, v) VALUES ('x', 1);", line: 3 }, { text: "INSERT INTO A (id, nosuchcol) VALUES ('x', 2);", line: 4 }];
    const missing = new ServerError(400, { message: "Failed to insert values into 'A'. Column name `NOSUCHCOL` does not exist." });
    expect(failurePlace(missing, head, inserts)).toBe("statement 3/3 (line 4): Failed to insert values into 'A'. Column name `NOSUCHCOL` does not exist.");
    const both = new ServerError(400, { message: "Failed to insert values into 'A'. Cannot insert into a table" });
    expect(failurePlace(both, head, inserts)).toBe("statement 2 or 3/3 (lines 3 or 4): Failed to insert values into 'A'. Cannot insert into a table");
    expect(failurePlace(new ServerError(400, { message: 'something' }), head, [statements[1]!])).toBe('statement 1/1 (line 4): something');
    // the history rows before it are blamed as such, even in a file of one statement
    expect(failurePlace(new ServerError(400, { message: "Failed to insert values into 'EV'. Column name `X` does not exist." }), head, [statements[2]!])).toBe("recording its state: Failed to insert values into 'EV'. Column name `X` does not exist.");
    expect(failurePlace(new ServerError(400, { message: 'line 1:5: Syntax Error' }), head, [statements[2]!])).toBe('recording its state: line 1:5: Syntax Error');
  });

  it('many statements the answer cannot tell apart are named by their range, in one short line', () => {
    const many = [statements[0]!, ...Array.from({ length: 3000 }, (_x, i) => ({ text: `INSERT INTO A (id, v) VALUES ('${i}', ${i});`, line: 3 + i }))];
    const e = new ServerError(400, { message: "Failed to insert values into 'A'. Cannot cast 'z' to INTEGER" });
    expect(failurePlace(e, head, many)).toBe("one of 3000 statements from 2 to 3001/3001 (lines 3 to 3002): Failed to insert values into 'A'. Cannot cast 'z' to INTEGER");
    const same = [statements[0]!, ...Array.from({ length: 5 }, (_x, i) => ({ text: 'DROP STREAM A;', line: 3 + i }))];
    expect(failurePlace(new ServerError(400, { message: 'Stream A does not exist.', statementText: 'DROP STREAM A;' }), head, same)).toBe('one of 5 statements from 2 to 6/6 (lines 3 to 7, the same text): Stream A does not exist.');
  });

  it('an INSERT into a quoted name is found by that name as written', () => {
    const quoted = [{ text: 'CREATE STREAM "q-s" (id INT KEY, v STRING) WITH (KAFKA_TOPIC=\'q\', PARTITIONS=1, VALUE_FORMAT=\'JSON\');', line: 1 },
      { text: 'INSERT INTO "q-s" (id, v) VALUES (2, \'ok\');', line: 2 }, { text: 'INSERT INTO "q-s" (id, nope) VALUES (3, \'bad\');', line: 2 }, { text: 'INSERT INTO Q_S (id, nope) VALUES (3, \'x\');', line: 3 }];
    const e = new ServerError(400, { message: "Failed to insert values into 'q-s'. Column name `NOPE` does not exist." });
    expect(failurePlace(e, head, quoted)).toBe("statement 3/4 (line 2): Failed to insert values into 'q-s'. Column name `NOPE` does not exist.");
  });

  it('a history row, and a failure no statement can be found for', () => {
    expect(failurePlace(new ServerError(400, { message: 'no such stream', statementText: "INSERT INTO EV (version_key) VALUES ('2');" }), head, statements)).toBe('recording its state: no such stream');
    expect(failurePlace(new ServerError(400, { message: 'something' }), head, statements)).toBe('one of its statements: something');
  });
});

import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { T } from '../../src/engine/sql/types.js';
import { checkLimit } from '../../src/engine/exec/select.js';
import { pinnedKeys, validatePullWhere, type KeyCol, type PullScanOptions } from '../../src/engine/exec/pull-where.js';
import { Engine } from '../../src/engine/engine.js';
import { runPullQuery } from '../helpers/pull.js';
import { earliest, runSql } from '../helpers/engine.js';

const where = (cond: string) => {
  const stmt = parseStatement(`SELECT * FROM AGG WHERE ${cond};`);
  if (stmt.kind !== 'select') throw new Error('not a query');
  return stmt.query.where;
};
const intKey: KeyCol[] = [{ name: 'ID', type: T.INTEGER }];
const strKey: KeyCol[] = [{ name: 'ID', type: T.STRING }];
const twoKeys: KeyCol[] = [{ name: 'ID', type: T.INTEGER }, { name: 'COL', type: T.INTEGER }];
const noScan: PullScanOptions = { tableScan: false, rangeScan: true, windowed: false };

describe('pull-query key lookups', () => {
  const scans: PullScanOptions = { tableScan: true, rangeScan: true, windowed: false };
  it.each([
    ['ID = 1.0', intKey, "'1.0' can not be converted to the type of the key column: ID INTEGER KEY"],
    ['ID = 3000000000', intKey, "'3000000000' can not be converted to the type of the key column: ID INTEGER KEY"],
    ['ID IN (1.5, 2)', intKey, "'1.5' can not be converted to the type of the key column: ID INTEGER KEY"],
    ["ID IN ('10', 8)", intKey, "'10' can not be converted to the type of the key column: ID INTEGER KEY"],
    ['ID = 1e3', [{ name: 'ID', type: T.decimal(6, 1) }], "'1000.0' can not be converted to the type of the key column: ID DECIMAL(6, 1) KEY"],
  ] as [string, KeyCol[], string][])('a value the key\'s type does not take (numbers only widen) is refused: %s', (cond, keys, message) => {
    expect(() => validatePullWhere(where(cond), keys, scans)).toThrow(message);
  });
  it.each([['ID = 1', intKey], ['ID IN (0, 1.0)', [{ name: 'ID', type: T.DOUBLE }]], ['ID = 7', [{ name: 'ID', type: T.BIGINT }]], ['ID = 2.5', [{ name: 'ID', type: T.decimal(4, 1) }]]] as [string, KeyCol[]][])('a value it widens to is taken: %s', (cond, keys) => {
    expect(() => validatePullWhere(where(cond), keys, scans)).not.toThrow();
  });
});

describe('pull-query WHERE without table scans', () => {
  it.each([
    ['ID = COUNT', intKey, 'A comparison must be between a key column and a resolvable expression.'],
    ['ID = COUNT - 1', intKey, 'A comparison must be between a key column and a resolvable expression.'],
    ['ID IN (2, COUNT + 1, 3)', intKey, 'A comparison must be between a key column and a resolvable expression.'],
    ['ID + 10 = 20', intKey, 'A comparison must directly reference a key column.'],
    ['COUNT = 100', intKey, 'WHERE clause missing key column for disjunct: (COUNT = 100)'],
    ['0 < ID AND ID < 100', intKey, 'A comparison condition on the key column cannot be combined'],
    ['ID >= 12', intKey, 'Query requires table scan to be enabled'],
    ['ID = 10', twoKeys, 'Multi-column sources must specify every key in the WHERE clause.'],
    ["'12' LIKE '12'", intKey, 'Like condition must be between strings'],
  ] as [string, KeyCol[], string][])('rejects %s', (cond, keys, message) => {
    expect(() => validatePullWhere(where(cond), keys, noScan)).toThrow(message);
  });

  it('adds the syntax help and what a pull query\'s WHERE must do, with the window bounds for a windowed table; a missing scan setting gets none', () => {
    const message = (cond: string, opts: PullScanOptions) => { try { validatePullWhere(where(cond), intKey, opts); } catch (e) { return (e as Error).message; } return undefined; };
    const help = '. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.\nPull queries require a WHERE clause that:\n'
      + ' - limits the query to keys only, e.g. `SELECT * FROM X WHERE <key-column>=Y;`.\n - specifies an equality condition that is a conjunction of equality expressions that cover all key columns.';
    expect(message('COUNT = 100', noScan)).toBe(`WHERE clause missing key column for disjunct: (COUNT = 100)${help}`);
    // (a message that ends with a full stop keeps one)
    expect(message('ID + 10 = 20', noScan)).toBe(`A comparison must directly reference a key column${help}`);
    expect(message('ID = 10 AND WINDOWSTART <> 1', { ...noScan, windowed: true })).toBe(`Unsupported \`WINDOWSTART\` bounds: NOT_EQUAL${help}\n - (optionally) limits the time bounds of the windowed table.`
      + '\n\t Bounds on [WINDOWSTART, WINDOWEND] are supported\n\t Supported operators are [EQUAL, GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL]');
    expect(message('ID >= 12', noScan)).toBe('Query requires table scan to be enabled. Table scans can be enabled by setting ksql.query.pull.table.scan.enabled=true');
  });

  it.each([
    ['ID = 10', intKey, noScan],
    ['ID IN (10, 11) AND COUNT > 1', intKey, noScan],
    ['ID = 10 AND COL = 2', twoKeys, noScan],
    ["ID < '12' AND V0 > '10'", strKey, noScan],
    ['ID = 10 AND WINDOWSTART > 1000', intKey, { ...noScan, windowed: true }],
    ['ID = 10 AND ID IN (1, 10)', intKey, { ...noScan, tableScan: true }],
    ['COUNT > 1', intKey, { ...noScan, tableScan: true }],
  ] as [string, KeyCol[], PullScanOptions][])('accepts %s', (cond, keys, opts) => {
    expect(() => validatePullWhere(where(cond), keys, opts)).not.toThrow();
  });

  it.each([
    ["ID <= '10'", { ...noScan, rangeScan: false }],
    ["ID <= '10'", { ...noScan, windowed: true }],
  ] as [string, PullScanOptions][])('needs a table scan for the range %s with %j', (cond, opts) => {
    expect(() => validatePullWhere(where(cond), strKey, opts)).toThrow('Query requires table scan to be enabled');
  });

  it('refuses IN values that cannot become the key type, even with table scans', () => {
    expect(() => validatePullWhere(where("ID IN ('10', 8)"), intKey, { ...noScan, tableScan: true }))
      .toThrow("'10' can not be converted to the type of the key column: ID INTEGER KEY");
  });
});

describe('LIMIT values', () => {
  const query = (sql: string) => {
    const stmt = parseStatement(sql);
    if (stmt.kind !== 'select') throw new Error('not a query');
    return stmt.query;
  };
  it.each(['2.5', '0.5'])('parses LIMIT %s and refuses it when preparing', (n) => {
    expect(() => checkLimit(query(`SELECT * FROM S LIMIT ${n};`))).toThrow('Failed to prepare statement: Value must be integer for command: LIMIT');
  });
  it('accepts an integer LIMIT', () => {
    expect(() => checkLimit(query('SELECT * FROM S LIMIT 3;'))).not.toThrow();
  });
});

describe('pull queries that pin their keys read just those rows', () => {
  const pull = (e: Engine, sql: string): unknown[][] => {
    const stmt = parseStatement(sql);
    if (stmt.kind !== 'select') throw new Error('not a query');
    return runPullQuery(e, stmt.query).rows;
  };

  it('pins STRING, INTEGER and BIGINT keys by = and IN, all key columns or none', () => {
    expect(pinnedKeys(where("ID = 'a'"), strKey)).toEqual([['a']]);
    expect(pinnedKeys(where("'a' = ID AND X > 3"), strKey)).toEqual([['a']]);
    expect(pinnedKeys(where("ID IN ('a', 'b')"), strKey)).toEqual([['a'], ['b']]);
    expect(pinnedKeys(where('ID = 1 AND COL IN (2, 3)'), twoKeys)).toEqual([[1, 2], [1, 3]]);
    expect(pinnedKeys(where('ID = 9007199254740993'), [{ name: 'ID', type: T.BIGINT }])).toEqual([[9007199254740993n]]);
    // an OR pins what each side pins, in the order written
    expect(pinnedKeys(where("ID = 'b' OR ID IN ('a', 'c')"), strKey)).toEqual([['b'], ['a'], ['c']]);
    expect(pinnedKeys(where("(ID = 'b' AND X > 1) OR ID = 'a'"), strKey)).toEqual([['b'], ['a']]);
    // not pinned: a key column left free, an OR of a side that pins none, NOT IN, a key type compared otherwise than by its text
    for (const [cond, keys] of [['ID = 1', twoKeys], ["ID = 'a' OR X = 1", strKey], ["ID NOT IN ('a')", strKey], ['ID = 1', [{ name: 'ID', type: T.DOUBLE }]], ['ID > 1', intKey]] as [string, KeyCol[]][]) {
      expect(pinnedKeys(where(cond), keys)).toBeUndefined();
    }
  });

  it('give the rows a scan of the whole table gives (the same WHERE OR FALSE), for single, multi-column and windowed keys', () => {
    const e = new Engine();
    runSql(e, `CREATE STREAM S (ID STRING KEY, N INT, B BIGINT, V INT) WITH (kafka_topic='s', format='JSON', partitions=3);
      CREATE TABLE BY_ID AS SELECT ID, COUNT(*) AS C, SUM(V) AS T FROM S GROUP BY ID;
      CREATE TABLE BY_NB AS SELECT N, B, COUNT(*) AS C FROM S GROUP BY N, B;
      CREATE TABLE BY_N_W AS SELECT N, COUNT(*) AS C FROM S WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY N`);
    for (let i = 0; i < 200; i++) {
      e.executeStatement(`INSERT INTO S (ID, N, B, V, ROWTIME) VALUES ('k${i % 37}', ${i % 11}, ${i % 2 ? '9007199254740993' : String(i % 5)}, ${i}, ${i * 997});`, earliest());
    }
    e.drain();
    const wheres: [string, string][] = [
      ['BY_ID', "ID = 'k5'"], ['BY_ID', "ID IN ('k1', 'k36', 'k1', 'nope')"], ['BY_ID', "ID = 'k7' AND T > 100"], ['BY_ID', "ID = 'nope'"],
      ['BY_NB', 'N = 3 AND B = 9007199254740993'], ['BY_NB', 'N IN (1, 2, 4) AND B IN (0, 2, 9007199254740993)'], ['BY_NB', 'B = 4 AND N = 4'],
      ['BY_N_W', 'N = 6'], ['BY_N_W', 'N IN (0, 10) AND WINDOWSTART >= 50000'], ['BY_ID', "ID = 'k3' OR ID = 'k30' OR (ID = 'k4' AND T > 0)"],
    ];
    // (the same rows: a lookup gives them in the order its keys are named, a scan in the store's)
    const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();
    for (const [table, cond] of wheres) {
      const lookup = pull(e, `SELECT * FROM ${table} WHERE ${cond};`);
      expect(sorted(lookup), `${table} WHERE ${cond}`).toEqual(sorted(pull(e, `SELECT * FROM ${table} WHERE (${cond}) OR FALSE;`)));
      if (cond !== "ID = 'nope'") expect(lookup.length, `${table} WHERE ${cond}`).toBeGreaterThan(0);
    }
  });
});

import { Engine, type ExecContext } from '../engine.js';
import { splitRequest, parseStatement } from '../sql/parser.js';
import { substituteVariables } from '../sql/variables.js';
import type { Statement } from '../sql/ast.js';
import { serdesOf, type DataSource } from '../catalog/metastore.js';
import { keyColumns, valueColumns } from '../catalog/schema.js';
import { splitWindowedKey } from '../serde/formats.js';
import { typesEqual } from '../sql/types.js';
import { valuesEqual } from '../functions/values.js';
import { valuesRow } from '../exec/insert-values.js';
import { errorMatchesMessage, errorMatchesType, type CaseResult } from './qtt.js';

/** One `--@test:` block of a sql-tests file, with the error it expects, if any. */
export interface SqlTest { name: string; text: string; expectedError?: string; expectedMessage?: string }

/** Java's AssertionError: a record or source that is not what a test asserts. */
class AssertionFailure extends Error {}

/**
 * Splits a sql-tests file into its tests. Directives are `--@<type>: <contents>` line comments (the
 * type in any case): `test` starts a test, `expected.error` and `expected.message` arm it.
 */
export function parseSqlTests(fileBase: string, source: string): SqlTest[] {
  const tests: SqlTest[] = [];
  let cur: SqlTest | undefined;
  for (const line of source.split('\n')) {
    const d = /^\s*--@([\w.]+):\s?(.*)$/.exec(line);
    if (d) {
      const type = d[1]!.toLowerCase(), contents = d[2]!.trimEnd();
      if (type === 'test') { cur = { name: `${fileBase} - ${contents.trim()}`, text: '' }; tests.push(cur); }
      else if (cur && type === 'expected.error') cur.expectedError = contents.trim();
      else if (cur && type === 'expected.message') cur.expectedMessage = contents;
      continue;
    }
    if (cur) cur.text += `${line}\n`;
  }
  return tests;
}

/** One cursor per topic: ASSERT VALUES reads the next record not yet asserted. */
type Cursors = Map<string, number>;

/**
 * Runs a test on a fresh engine, statement by statement: each INSERT VALUES flows through every
 * query before the next statement, and ASSERT statements check what the sinks hold.
 */
export function runSqlTest(t: SqlTest): CaseResult {
  // the harness pushes each inserted row through the queries that exist then: a query created later
  // never sees it, as if reading from the latest offset
  const props: Record<string, string> = { 'ksql.streams.auto.offset.reset': 'latest', 'ksql.service.id': 'some.ksql.service.id' };
  const engine = new Engine({ queryIdScheme: 'counter', serviceId: 'some.ksql.service.id', properties: props, singlePartition: true });
  const ctx: ExecContext = { properties: { ...props }, variables: new Map() };
  const cursors: Cursors = new Map();
  let failure: unknown, failed = '';
  try {
    for (const piece of splitRequest(t.text)) {
      failed = piece.text;
      runStatement(engine, ctx, cursors, substituteVariables(piece.text, ctx.variables));
      engine.drain();
    }
  } catch (e) { failure = e; }
  const armed = t.expectedError !== undefined || t.expectedMessage !== undefined;
  if (!failure) return armed ? { name: t.name, status: 'fail', reason: `expected an error (${t.expectedError ?? ''}: ${t.expectedMessage ?? ''}) but every statement succeeded` } : { name: t.name, status: 'pass' };
  if (!armed) return { name: t.name, status: 'fail', reason: `statement failed: ${failed.trim()}\n  ${(failure as Error).message}` };
  const java = t.expectedError?.split('.').pop();
  const typeOk = java === 'AssertionError' ? failure instanceof AssertionFailure : !(failure instanceof AssertionFailure) && errorMatchesType(failure, t.expectedError);
  if (!typeOk) return { name: t.name, status: 'fail', reason: `expected ${t.expectedError} but got ${(failure as Error).constructor.name}: ${(failure as Error).message}` };
  if (!errorMatchesMessage(failure, t.expectedMessage, failed.trim())) return { name: t.name, status: 'fail', reason: `expected message containing:\n  ${t.expectedMessage}\nbut was:\n  ${(failure as Error).message}` };
  return { name: t.name, status: 'pass' };
}

function runStatement(engine: Engine, ctx: ExecContext, cursors: Cursors, text: string): void {
  const types = (n: string) => engine.metastore.types.get(n);
  const values = /^\s*ASSERT\s+VALUES\s+/i.exec(text);
  if (values) return assertValues(engine, cursors, parseStatement(`INSERT INTO ${text.slice(values[0].length)}`, types), false);
  const tomb = /^\s*ASSERT\s+NULL\s+VALUES\s+/i.exec(text);
  if (tomb) return assertValues(engine, cursors, parseStatement(`INSERT INTO ${text.slice(tomb[0].length).replace(/\)\s*KEY\s*\(/i, ') VALUES (')}`, types), true);
  const source = /^\s*ASSERT\s+(STREAM|TABLE)\s+/i.exec(text);
  if (source) return assertSource(engine, parseStatement(`CREATE ${source[1]} ${text.slice(source[0].length)}`, types));
  if (/^\s*RUN\s+SCRIPT\b/i.test(text)) throw new Error('RUN SCRIPT needs the script file of ksqlDB\'s test resources');
  const stmt = parseStatement(text, types);
  if (stmt.kind === 'select') throw new Error('Transient queries are not supported in sql-tests');
  // the harness's CREATE makes its topic (PARTITIONS, else 1)
  if (stmt.kind === 'createSource') {
    const topic = stmt.props.get('KAFKA_TOPIC')?.value, parts = stmt.props.get('PARTITIONS')?.value;
    if (typeof topic === 'string' && !engine.topics.has(topic)) engine.topics.create(topic, { partitions: typeof parts === 'number' ? parts : 1, replicas: 1 });
  }
  engine.execute(stmt, ctx);
}

/** ASSERT [NULL] VALUES: the next unread record of the source's topic has the listed columns' values (or is that key's tombstone). */
function assertValues(engine: Engine, cursors: Cursors, stmt: Statement, tombstone: boolean): void {
  if (stmt.kind !== 'insertValues') throw new Error('not an ASSERT VALUES statement');
  const ds = engine.metastore.get(stmt.target);
  if (!ds) throw new Error(`Source ${stmt.target} does not exist`);
  // window bounds are not compared
  const listed = (stmt.columns ?? []).map((c, i) => ({ c, e: stmt.values[i]! })).filter((x) => x.c !== 'WINDOWSTART' && x.c !== 'WINDOWEND');
  const expected = valuesRow(ds, stmt.columns ? listed.map((x) => x.c) : undefined, stmt.columns ? listed.map((x) => x.e) : stmt.values, (m) => new Error(m));
  const topic = engine.topics.get(ds.topic);
  const records = topic ? topic.records() : [];
  const at = cursors.get(ds.topic) ?? 0;
  const rec = records[at];
  if (!rec) throw new AssertionFailure(`Expected record does not match actual: no record left on ${ds.topic} for ${describeExpected(expected)}`);
  cursors.set(ds.topic, at + 1);
  const actual = rowOf(ds, rec);
  const problems: string[] = [];
  if (tombstone !== (rec.value === null)) problems.push(tombstone ? 'a tombstone was expected' : 'the record is a tombstone');
  for (const [name, v] of expected.row) if (!valuesEqual(v, actual.get(name) ?? null)) problems.push(`${name}: expected ${show(v)}, was ${show(actual.get(name) ?? null)}`);
  if (expected.rowtime !== undefined && expected.rowtime !== rec.timestamp) problems.push(`ROWTIME: expected ${expected.rowtime}, was ${rec.timestamp}`);
  if (problems.length) throw new AssertionFailure(`Expected record does not match actual. ${problems.join('; ')}`);
}

function rowOf(ds: DataSource, rec: { key: Buffer | null; value: Buffer | null }): Map<string, unknown> {
  const { key, value } = serdesOf(ds);
  let keyBytes = rec.key;
  if (keyBytes && ds.windowInfo) keyBytes = splitWindowedKey(keyBytes, ds.windowInfo.type === 'SESSION', ds.windowInfo.sizeMs ?? 0).inner;
  const row = new Map<string, unknown>();
  const ks = keyColumns(ds.columns), vs = valueColumns(ds.columns);
  const kv = keyBytes === null ? [] : key.deserialize(keyBytes) ?? [];
  ks.forEach((c, i) => row.set(c.name, kv[i] ?? null));
  const vv = rec.value === null ? [] : value.deserialize(rec.value) ?? [];
  vs.forEach((c, i) => row.set(c.name, vv[i] ?? null));
  return row;
}

const show = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v instanceof Map ? JSON.stringify(Object.fromEntries(v)) : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'object' && x !== null && 'toString' in x && x.constructor?.name === 'Decimal' ? String(x) : x)));
const describeExpected = (e: { row: Map<string, unknown> }) => [...e.row].map(([k, v]) => `${k}=${show(v)}`).join(', ');

/** ASSERT STREAM|TABLE: the source is what the equivalent CREATE would make, property by property. */
function assertSource(engine: Engine, stmt: Statement): void {
  if (stmt.kind !== 'createSource') throw new Error('not an ASSERT STREAM/TABLE statement');
  const actual = engine.metastore.get(stmt.name);
  if (!actual) throw new Error(`Source ${stmt.name} does not exist`);
  // what the CREATE makes, on a scratch engine that has the topic
  const scratch = new Engine({ queryIdScheme: 'counter', serviceId: 'some.ksql.service.id', properties: { ...engine.properties }, singlePartition: true });
  const named = stmt.props.get('KAFKA_TOPIC')?.value;
  const topicName = typeof named === 'string' ? named : actual.topic;
  scratch.topics.create(topicName, { partitions: engine.topics.get(actual.topic)?.config.partitions ?? 1, replicas: 1 });
  scratch.execute(stmt, { properties: {}, variables: new Map() });
  const want = scratch.metastore.get(stmt.name)!;
  const mismatch = (what: string) => { throw new Error(`Expected ${what} does not match actual for source ${actual.name}.`); };
  const sameColumns = want.columns.length === actual.columns.length && want.columns.every((c, i) => c.name === actual.columns[i]!.name && c.ns === actual.columns[i]!.ns && typesEqual(c.type, actual.columns[i]!.type));
  if (!sameColumns) mismatch('schema');
  if (want.type !== actual.type) mismatch('type');
  if (want.topic !== actual.topic) mismatch('kafka topic');
  if (want.keyFormat.format !== actual.keyFormat.format) mismatch('key format');
  if (want.valueFormat.format !== actual.valueFormat.format) mismatch('value format');
  if ((want.timestampColumn ?? null) !== (actual.timestampColumn ?? null)) mismatch('timestamp column');
  if ((want.timestampFormat ?? null) !== (actual.timestampFormat ?? null)) mismatch('timestamp format');
  if ((want.valueFormat.wrapSingle ?? true) !== (actual.valueFormat.wrapSingle ?? true)) mismatch('value serde features');
}

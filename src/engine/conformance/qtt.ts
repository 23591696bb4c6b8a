import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless, type LosslessNumber } from 'lossless-json';
import { Engine, type ExecContext } from '../engine.js';
import { splitRequest, parseStatement, parseColumnList } from '../sql/parser.js';
import { substituteVariables } from '../sql/variables.js';
import { SqlSyntaxError } from '../sql/lexer.js';
import { KsqlRequestError, KsqlStatementError, ParseFailedError } from '../analysis/errors.js';
import { serdesOf, type DataSource } from '../catalog/metastore.js';
import { keyColumns, valueColumns, type Column } from '../catalog/schema.js';
import { splitWindowedKey, windowedKey } from '../serde/formats.js';
import { typesEqual } from '../sql/types.js';
import { matches, show, TypedDouble } from './compare.js';
import { fromJson } from '../serde/json-value.js';
import type { TopicRecord } from '../storage/topics.js';
import { isSchemaFormat } from '../serde/sr-serde.js';
import { decodeSr, encodeSr, registerTopicSchemas, type DerivedSchemas, type TopicSpec } from './sr-records.js';
import { registerTestFunctions } from '../functions/scalar.js';

// the functional tests call ksqlDB's test-only UDFs
registerTestFunctions();

export interface CaseResult { name: string; status: 'pass' | 'fail' | 'skip'; reason?: string }

export interface QttRecord { topic: string; key?: unknown; value: unknown; timestamp?: unknown; window?: { start: unknown; end: unknown; type: string }; headers?: { KEY: string; VALUE: string | null }[] }

/** A test record's headers as a topic stores them (the test gives values in base64). */
export function recordHeaders(r: QttRecord): TopicRecord['headers'] {
  return (r.headers ?? []).map((h) => ({ key: h.KEY, value: h.VALUE === null ? null : Buffer.from(h.VALUE, 'base64') }));
}

export interface QttTest {
  name: string; statements: string[]; format?: string[]; config?: string[]; properties?: Record<string, unknown>;
  topics?: TopicSpec[];
  inputs?: QttRecord[]; outputs?: QttRecord[];
  expectedException?: { type?: string; message?: string; cause?: string; causeMessage?: string };
  post?: { sources?: { name: string; type: string; schema?: string; keyFormat?: { format: string; windowType?: string; windowSize?: unknown }; valueFormat?: string; isSource?: boolean }[]; topics?: { blacklist?: string } };
  enabled?: boolean;
}

const num = (v: unknown): number => (isLosslessNumber(v) ? Number((v as LosslessNumber).value) : Number(v));

/** Expands a test into its runs: one per format, times one per config value. */
export function expand(fileBase: string, t: QttTest): { name: string; test: QttTest; format?: string }[] {
  const out: { name: string; test: QttTest; format?: string }[] = [];
  for (const fmt of t.format ?? [undefined]) {
    for (const cfg of t.config ?? [undefined]) {
      let name = `${fileBase} - ${t.name}`;
      if (fmt) name += ` - ${fmt}`;
      const props = { ...(t.properties ?? {}) };
      if (cfg !== undefined) {
        const k = Object.keys(props).find((p) => props[p] === '{CONFIG}');
        if (k) { props[k] = cfg; name += ` - ${k}=${cfg}`; }
      }
      const statements = t.statements.map((s) => (fmt ? s.replace(/\{FORMAT\}/g, fmt) : s));
      out.push({ name, test: { ...t, statements, properties: props }, format: fmt });
    }
  }
  return out;
}

export function skipReason(t: QttTest): string | undefined {
  if (t.enabled === false) return 'disabled in ksqlDB\'s own corpus';
  return undefined;
}

/** Expected-exception types, mirroring the Java hierarchy the corpus uses (instance-of checks). */
export function errorMatchesType(err: unknown, type: string | undefined): boolean {
  if (!type) return true;
  const simple = type.split('.').pop()!;
  const isParse = err instanceof SqlSyntaxError || err instanceof ParseFailedError;
  const isStatement = isParse || err instanceof KsqlStatementError || err instanceof KsqlRequestError;
  switch (simple) {
    case 'ParseFailedException': return isParse;
    case 'KsqlStatementException': return isStatement;
    case 'KsqlException': case 'StreamsException': return true;
    default: return true;
  }
}

export function errorMatchesMessage(err: unknown, message: string | undefined, statement: string): boolean {
  if (message === undefined) return true;
  const m = err instanceof Error ? err.message : String(err);
  return m.includes(message) || `${m}\nStatement: ${statement}`.includes(message);
}

/** Serializes a test record's key for the source that reads its topic. */
export function encodeKey(ds: DataSource | undefined, key: unknown, window?: QttRecord['window']): Buffer | null {
  if (key === undefined || key === null) return null;
  let inner: Buffer | null;
  if (!ds) inner = Buffer.from(typeof key === 'string' ? key : stringifyLossless(key) ?? '');
  else {
    const cols = keyColumns(ds.columns);
    if (isSchemaFormat(ds.keyFormat.format)) inner = encodeSr(ds, key, true);
    else if (ds.keyFormat.format === 'DELIMITED' && typeof key === 'string') inner = Buffer.from(key);
    else if (ds.keyFormat.format === 'JSON') inner = Buffer.from(stringifyLossless(key) ?? 'null');
    else {
      const vals = cols.length === 1 ? [key] : cols.map((c) => (key as Record<string, unknown>)[c.name]);
      inner = serdesOf(ds).key.serialize(vals.map((v, i) => (isLosslessNumber(v) ? fromJson(Number((v as LosslessNumber).value), cols[i]!.type) : fromJson(v, cols[i]!.type))));
    }
  }
  if (window) return windowedKey(inner, { start: num(window.start), end: num(window.end) }, window.type === 'session');
  return inner;
}

export function encodeValue(ds: DataSource | undefined, value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (ds && isSchemaFormat(ds.valueFormat.format)) return encodeSr(ds, value, false);
  if (typeof value === 'string' && (!ds || ds.valueFormat.format !== 'JSON' || valueColumns(ds.columns).length === 0)) {
    if (ds?.valueFormat.format === 'KAFKA') {
      const c = valueColumns(ds.columns)[0];
      if (c) return serdesOf(ds).value.serialize([fromJson(value, c.type)]);
    }
    return Buffer.from(value);
  }
  if (ds?.valueFormat.format === 'KAFKA') {
    const c = valueColumns(ds.columns)[0];
    if (!c) return null;
    return serdesOf(ds).value.serialize([fromJson(isLosslessNumber(value) ? Number((value as LosslessNumber).value) : value, c.type)]);
  }
  return Buffer.from(stringifyLossless(value) ?? 'null');
}

/** Decodes an actual record for comparison: JSON keeps number texts; typed formats give typed values. */
function decodeKey(ds: DataSource | undefined, rec: TopicRecord): { key: unknown; window?: { start: number; end: number } } {
  let bytes = rec.key;
  let window: { start: number; end: number } | undefined;
  if (bytes && ds?.windowInfo) { const s = splitWindowedKey(bytes, ds.windowInfo.type === 'SESSION', ds.windowInfo.sizeMs ?? 0); bytes = s.inner; window = s.window; }
  if (bytes === null) return { key: null, window };
  if (!ds) return { key: bytes.toString('utf8'), window };
  const cols = keyColumns(ds.columns);
  if (isSchemaFormat(ds.keyFormat.format)) return { key: cols.length ? decodeSr(ds, bytes, true) : null, window };
  if (ds.keyFormat.format === 'JSON') return { key: bytes.length ? parseLossless(bytes.toString('utf8')) : null, window };
  if (ds.keyFormat.format === 'DELIMITED') return { key: bytes.toString('utf8'), window };
  if (cols.length === 0) return { key: null, window };
  const vals = serdesOf(ds).key.deserialize(bytes) ?? [];
  return { key: typed(vals[0], cols[0]!), window };
}

function typed(v: unknown, c: Column): unknown {
  if (c.type.kind === 'DOUBLE' && typeof v === 'number') return new TypedDouble(v);
  return v;
}

function decodeValue(ds: DataSource | undefined, rec: TopicRecord): unknown {
  if (rec.value === null) return null;
  if (!ds) return rec.value.toString('utf8');
  switch (ds.valueFormat.format) {
    case 'JSON': return parseLossless(rec.value.toString('utf8'));
    case 'DELIMITED': return rec.value.toString('utf8');
    case 'KAFKA': { const c = valueColumns(ds.columns)[0]; const v = serdesOf(ds).value.deserialize(rec.value); return c ? typed(v?.[0], c) : null; }
    case 'AVRO': case 'PROTOBUF': case 'JSON_SR': case 'PROTOBUF_NOSR': return decodeSr(ds, rec.value, false);
    default: return rec.value.toString('utf8');
  }
}

/** The source whose format decodes a topic: the sink written by a query, else any source on it. */
export function ownerOf(engine: Engine, topic: string): DataSource | undefined {
  const all = engine.metastore.list().filter((s) => s.topic === topic);
  return all.find((s) => s.writerQueryId) ?? all[0];
}

export function compareOutputs(engine: Engine, outputs: QttRecord[], hasInputs: boolean, exactNumeric: boolean): string | undefined {
  const byTopic = new Map<string, QttRecord[]>();
  for (const o of outputs) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  for (const [topic, expected] of byTopic) {
    const t = engine.topics.get(topic);
    const actual = t ? t.records() : [];
    const ds = ownerOf(engine, topic);
    if (actual.length !== expected.length) {
      return `Topic '${topic}': Expected ${expected.length} records but it was ${actual.length}\n${actual.slice(0, 8).map((r) => { const k = decodeKey(ds, r); return `  <${show(k.key)}${k.window ? `@${k.window.start}-${k.window.end}` : ''}, ${show(decodeValue(ds, r))}> ts=${r.timestamp}`; }).join('\n')}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!, a = actual[i]!;
      let k: ReturnType<typeof decodeKey>, v: unknown;
      try { k = decodeKey(ds, a); v = decodeValue(ds, a); } catch (err) { return `Topic '${topic}', message ${i}: cannot decode: ${(err as Error).message}`; }
      const problems: string[] = [];
      if (!matches(e.key ?? null, k.key, exactNumeric)) problems.push('key');
      if (!matches(e.value, v, exactNumeric)) problems.push('value');
      if (e.timestamp !== undefined && !(num(e.timestamp) === 0 && !hasInputs) && num(e.timestamp) !== a.timestamp) problems.push('timestamp');
      if (e.window) {
        if (!k.window || k.window.start !== num(e.window.start) || k.window.end !== num(e.window.end)) problems.push('window');
      } else if (k.window) problems.push('window');
      const eh = e.headers ?? [];
      if (eh.length !== a.headers.length || eh.some((h, j) => h.KEY !== a.headers[j]!.key || (h.VALUE ?? null) !== (a.headers[j]!.value === null ? null : a.headers[j]!.value!.toString('base64')))) problems.push('headers');
      if (problems.length) {
        return `Topic '${topic}', message ${i} (${problems.join(', ')}): Expected <${show(e.key ?? null)}, ${show(e.value)}> with timestamp=${show(e.timestamp)}${e.window ? ` window=${show(e.window)}` : ''} but was <${show(k.key)}, ${show(v)}> with timestamp=${a.timestamp}${k.window ? ` window=${show(k.window)}` : ''}`;
      }
    }
  }
  return undefined;
}

function checkPost(engine: Engine, post: NonNullable<QttTest['post']>): string | undefined {
  for (const s of post.sources ?? []) {
    const ds = engine.metastore.get(s.name);
    if (!ds) return `post: source ${s.name} does not exist`;
    if (ds.type.toLowerCase() !== s.type.toLowerCase()) return `post: ${s.name} is a ${ds.type}, expected ${s.type}`;
    if (s.schema !== undefined) {
      let exp: Column[];
      try { exp = parseColumnList(s.schema, (n) => engine.metastore.types.get(n)).map((d) => ({ name: d.name, type: d.type, ns: d.role === 'key' || d.role === 'primaryKey' ? 'KEY' as const : d.role === 'value' ? 'VALUE' as const : 'HEADER' as const })); } catch (e) { return `post: cannot parse schema ${s.schema}: ${(e as Error).message}`; }
      const same = exp.length === ds.columns.length && exp.every((c, i) => c.name === ds.columns[i]!.name && c.ns === ds.columns[i]!.ns && typesEqual(c.type, ds.columns[i]!.type));
      if (!same) return `post: ${s.name} schema is ${ds.columns.map((c) => `${c.name} ${JSON.stringify(c.type)} ${c.ns}`).join(', ')}, expected ${s.schema}`;
    }
    if (s.keyFormat) {
      if (s.keyFormat.format !== ds.keyFormat.format) return `post: ${s.name} key format ${ds.keyFormat.format}, expected ${s.keyFormat.format}`;
      if ((s.keyFormat.windowType ?? undefined) !== (ds.windowInfo?.type ?? undefined)) return `post: ${s.name} window type ${ds.windowInfo?.type}, expected ${s.keyFormat.windowType}`;
      // a null size means "no size", as for SESSION windows
      if (s.keyFormat.windowSize !== undefined && (s.keyFormat.windowSize === null ? ds.windowInfo?.sizeMs !== undefined : num(s.keyFormat.windowSize) !== ds.windowInfo?.sizeMs)) return `post: ${s.name} window size ${ds.windowInfo?.sizeMs}, expected ${show(s.keyFormat.windowSize)}`;
    }
    if (s.valueFormat !== undefined && s.valueFormat !== ds.valueFormat.format) return `post: ${s.name} value format ${ds.valueFormat.format}, expected ${s.valueFormat}`;
    if (s.isSource !== undefined && s.isSource !== ds.isSource) return `post: ${s.name} isSource ${ds.isSource}, expected ${s.isSource}`;
  }
  const bl = post.topics?.blacklist;
  if (bl) {
    const re = new RegExp(bl);
    const repartitioned = [...engine.queries.values()].filter((q) => q.plan.repartition);
    if (/repartition/.test(bl) && repartitioned.length) return `post: query ${repartitioned[0]!.id} would create a repartition topic matching ${bl}`;
    const hit = engine.topics.list().find((t) => re.test(t.name));
    if (hit) return `post: topic ${hit.name} matches blacklist ${bl}`;
  }
  return undefined;
}

/** Creates the topics that exist before any statement runs (§3.2 of the corpus notes). */
export function precreateTopics(engine: Engine, t: QttTest, opts: { outputs?: boolean } = {}): void {
  const creates: { topic: string; partitions?: number; declaresColumns: boolean }[] = [];
  const derived: DerivedSchemas[] = [];
  for (const s of t.statements) {
    let stmt;
    try { stmt = parseStatement(s); } catch { continue; }
    if (stmt.kind !== 'createSource') continue;
    const topic = stmt.props.get('KAFKA_TOPIC')?.value, parts = stmt.props.get('PARTITIONS')?.value;
    if (typeof topic !== 'string') continue;
    creates.push({ topic, partitions: typeof parts === 'number' ? parts : undefined, declaresColumns: stmt.columns !== undefined });
    // a CREATE with columns in a Schema Registry format implies its topic's schemas
    if (stmt.columns === undefined || derived.some((d) => d.topic === topic)) continue;
    const fmt = (name: string) => { const v = stmt.props.get(name)?.value ?? stmt.props.get('FORMAT')?.value; return typeof v === 'string' ? v.toUpperCase() : undefined; };
    const registers = (f: string | undefined) => f !== undefined && ['AVRO', 'PROTOBUF', 'JSON_SR'].includes(f);
    const hasKey = stmt.columns.some((c) => c.role === 'key' || c.role === 'primaryKey');
    const sides = [...(hasKey && registers(fmt('KEY_FORMAT')) ? ['key' as const] : []), ...(registers(fmt('VALUE_FORMAT')) ? ['value' as const] : [])];
    if (sides.length) derived.push({ topic, sides });
  }
  // a `topics` entry without partitions has as many as the CREATE that names it asks for (else 1)
  for (const tp of t.topics ?? []) {
    const asked = creates.find((c) => c.topic === tp.name)?.partitions;
    engine.topics.create(tp.name, { partitions: tp.partitions !== undefined ? num(tp.partitions) : asked ?? 1, replicas: tp.replicas !== undefined ? num(tp.replicas) : 1 });
  }
  registerTopicSchemas(engine, t.topics ?? [], derived);
  for (const c of creates) if (c.declaresColumns && !engine.topics.has(c.topic)) engine.topics.create(c.topic, { partitions: c.partitions ?? 4, replicas: 1 });
  for (const r of [...(t.inputs ?? []), ...(opts.outputs === false ? [] : t.outputs ?? [])]) if (!engine.topics.has(r.topic)) engine.topics.create(r.topic, { partitions: 4, replicas: 1 });
}

/** `precreateOutputs: false` for ksql-test-runner cases, whose sink topics the statements create. */
export function runQttCase(name: string, t: QttTest, opts: { precreateOutputs?: boolean } = {}): CaseResult {
  const skip = skipReason(t);
  if (skip) return { name, status: 'skip', reason: skip };
  const props: Record<string, string> = { 'ksql.streams.auto.offset.reset': 'earliest', 'ksql.service.id': 'some.ksql.service.id' };
  for (const [k, v] of Object.entries(t.properties ?? {})) props[k] = isLosslessNumber(v) ? (v as LosslessNumber).value : String(v);
  // ksqlDB runs each query in a TopologyTestDriver: one task reading partition 0, so all keys share
  // one stream time (and ROWPARTITION is 0), for inputs and for the sinks later queries read
  const engine = new Engine({ queryIdScheme: 'counter', serviceId: 'some.ksql.service.id', properties: props, singlePartition: true });
  // ksqlDB's harness registers schemas in a MockSchemaRegistryClient, which checks no compatibility:
  // a sink's schema is registered over whatever schema its test declared for the topic
  engine.registry.setLevel('NONE');
  const ctx: ExecContext = { properties: { ...props }, variables: new Map() };
  const expected = t.expectedException;
  precreateTopics(engine, t, { outputs: opts.precreateOutputs });
  let failure: unknown;
  let failedStatement = '';
  const texts: string[] = [];
  // ksqlDB's harness parses the statements as one script joined by newlines, so positions in its
  // messages count lines from the first statement: each text is padded to its line in that script
  let line = 0;
  try {
    for (const s of t.statements) {
      texts.push(...splitRequest(s).map((x) => '\n'.repeat(line) + x.text));
      line += s.split('\n').length;
    }
  } catch (e) { failure = e; failedStatement = t.statements.join('\n'); }
  if (!failure) {
    for (const text of texts) {
      try {
        const stmt = parseStatement(substituteVariables(text, ctx.variables), (n) => engine.metastore.types.get(n));
        if (stmt.kind === 'select') throw new KsqlStatementError('Transient queries are not supported in QTT');
        engine.execute(stmt, ctx);
      } catch (e) { failure = e; failedStatement = text; break; }
    }
  }
  if (failure) {
    if (!expected) return { name, status: 'fail', reason: `statement failed: ${failedStatement}\n  ${(failure as Error).message}` };
    if (!errorMatchesType(failure, expected.type)) return { name, status: 'fail', reason: `expected ${expected.type} but got ${(failure as Error).constructor.name}: ${(failure as Error).message}` };
    if (!errorMatchesMessage(failure, expected.message, failedStatement)) return { name, status: 'fail', reason: `expected message containing:\n  ${expected.message}\nbut was:\n  ${(failure as Error).message}` };
    return { name, status: 'pass' };
  }
  if (engine.queries.size === 0 && !expected) {
    // ksqlDB's harness requires a persistent query; some cases only check post-conditions
  }
  const exact = String(props['use.exact.numeric.comparison'] ?? 'true') !== 'false';
  try {
    for (const r of t.inputs ?? []) {
      const ds = engine.metastore.list().find((s) => s.topic === r.topic && !s.writerQueryId) ?? ownerOf(engine, r.topic);
      engine.topics.append(r.topic, {
        key: encodeKey(ds, r.key, r.window), value: encodeValue(ds, r.value), timestamp: r.timestamp === undefined ? 0 : num(r.timestamp),
        headers: recordHeaders(r),
      });
    }
    engine.drain();
  } catch (e) {
    if (expected && errorMatchesMessage(e, expected.message, '')) return { name, status: 'pass' };
    return { name, status: 'fail', reason: `processing failed: ${(e as Error).message}` };
  }
  if (expected) {
    // runtime errors surface as StreamsException in ksqlDB, wrapping the cause; ours are counted per
    // query instead, with the cause's message
    const errs = [...engine.queries.values()].map((q) => q.runtime?.stats.lastError).filter(Boolean) as string[];
    const wanted = expected.causeMessage ?? expected.message;
    if (errs.some((m) => wanted === undefined || m.includes(wanted))) return { name, status: 'pass' };
    return { name, status: 'fail', reason: `expected an exception (${expected.type ?? ''}: ${expected.message ?? ''}) but none was raised` };
  }
  const mismatch = compareOutputs(engine, t.outputs ?? [], (t.inputs ?? []).length > 0, exact);
  if (mismatch) return { name, status: 'fail', reason: mismatch };
  if (t.post) {
    const p = checkPost(engine, t.post);
    if (p) return { name, status: 'fail', reason: p };
  }
  return { name, status: 'pass' };
}

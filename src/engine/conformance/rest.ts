import { isLosslessNumber, parse as parseLossless, type LosslessNumber } from 'lossless-json';
import { request } from 'undici';
import { startLocalServer } from '../rest/server.js';
import { matches, show } from './compare.js';
import { PROTOBUF_MEDIA_TYPE } from '../rest/query-endpoints.js';
import { protoRowText } from './proto-text.js';
import { compareOutputs, encodeKey, encodeValue, ownerOf, precreateTopics, recordHeaders, skipReason, type CaseResult, type QttRecord, type QttTest } from './qtt.js';

export interface RestTest extends QttTest {
  responses?: Record<string, unknown>[];
  expectedError?: { type?: string; message?: string; status?: unknown };
  inputConditions?: { waitForActivePushQuery?: boolean };
  outputConditions?: { verifyOrder?: boolean };
  /** Run the queries again asking for protobuf rows; `queryProto` responses check those. */
  testPullWithProtoFormat?: boolean;
}

const num = (v: unknown): number => (isLosslessNumber(v) ? Number((v as LosslessNumber).value) : Number(v));

/** Partial matching of REST responses: only expected keys are checked; `key|starts_with` operators. */
function partial(expected: unknown, actual: unknown, path: string, verifyOrder: boolean): string | undefined {
  if (expected && typeof expected === 'object' && !Array.isArray(expected) && !isLosslessNumber(expected)) {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${show(actual)}`;
    for (const [rawKey, ev] of Object.entries(expected as object)) {
      const [key, op] = rawKey.split('|') as [string, string | undefined];
      const av = (actual as Record<string, unknown>)[key];
      if (op === 'starts_with') {
        if (typeof av !== 'string' || !av.startsWith(String(ev))) return `${path}.${key}: expected to start with ${show(ev)}, got ${show(av)}`;
        continue;
      }
      const r = partial(ev, av, `${path}.${key}`, verifyOrder);
      if (r) return r;
    }
    return undefined;
  }
  return matches(expected, actual) ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

function compareQuery(expected: unknown[], actual: unknown[], verifyOrder: boolean): string | undefined {
  if (expected.length !== actual.length) return `query: expected ${expected.length} entries, got ${actual.length}: ${show(actual).slice(0, 400)}`;
  const header = partial(expected[0], actual[0], 'query[0]', verifyOrder);
  if (header) return header;
  const expRows = expected.slice(1), actRows = actual.slice(1);
  if (verifyOrder) {
    for (let i = 0; i < expRows.length; i++) { const r = partial(expRows[i], actRows[i], `query[${i + 1}]`, true); if (r) return r; }
    return undefined;
  }
  const remaining = [...actRows];
  for (const e of expRows) {
    const i = remaining.findIndex((a) => partial(e, a, '', false) === undefined);
    if (i < 0) return `query: no row matches ${show(e)} among ${show(remaining).slice(0, 400)}`;
    remaining.splice(i, 1);
  }
  return undefined;
}

export async function runRestCase(name: string, t: RestTest): Promise<CaseResult> {
  const skip = skipReason(t);
  if (skip) return { name, status: 'skip', reason: skip };
  const firstQuery = t.statements.findIndex((s) => s.startsWith('SELECT '));
  const admin = firstQuery < 0 ? t.statements : t.statements.slice(0, firstQuery);
  const queries = firstQuery < 0 ? [] : t.statements.slice(firstQuery);
  const props: Record<string, unknown> = { 'ksql.streams.auto.offset.reset': 'earliest' };
  for (const [k, v] of Object.entries(t.properties ?? {})) props[k] = isLosslessNumber(v) ? (v as LosslessNumber).value : v;
  // the REST test harness's server: earliest offsets, and scalable push queries on
  const server = await startLocalServer({ port: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest', 'ksql.query.push.v2.enabled': 'true' } });
  try {
    const engine = server.engine;
    precreateTopics(engine, t);
    const post = async (path: string, body: unknown, accept = 'application/vnd.ksql.v1+json') => {
      const res = await request(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', accept }, headersTimeout: 5000, bodyTimeout: 5000 });
      const text = await res.body.text();
      let json: unknown;
      try { json = parseLossless(text); } catch { json = text; }
      return { status: res.statusCode, json };
    };
    const actual: { kind: 'admin' | 'query'; body: unknown }[] = [];
    const expectError = (r: { status: number; json: unknown }, stmt: string): CaseResult => {
      const e = t.expectedError!;
      const body = r.json as Record<string, unknown>;
      if (e.status !== undefined && num(e.status) !== r.status) return { name, status: 'fail', reason: `expected HTTP ${show(e.status)}, got ${r.status}: ${show(body)}` };
      if (e.message !== undefined && !String(body.message ?? '').includes(e.message)) return { name, status: 'fail', reason: `expected message containing:\n  ${e.message}\nbut was:\n  ${show(body.message)}` };
      if (e.type?.endsWith('KsqlStatementErrorMessage') && (body['@type'] !== 'statement_error' || !String(body.statementText ?? '').includes(stmt.trim()))) {
        return { name, status: 'fail', reason: `expected a statement_error naming the statement, got ${show(body)}` };
      }
      return { name, status: 'pass' };
    };
    if (admin.length) {
      const r = await post('/ksql', { ksql: admin.join('\n'), streamsProperties: props });
      if (r.status !== 200) {
        if (t.expectedError) return expectError(r, admin[admin.length - 1]!);
        return { name, status: 'fail', reason: `admin request failed: ${show(r.json)}` };
      }
      for (const ent of r.json as unknown[]) actual.push({ kind: 'admin', body: ent });
    }
    const produce = () => {
      for (const rec of (t.inputs ?? []) as QttRecord[]) {
        const ds = engine.metastore.list().find((s) => s.topic === rec.topic && !s.writerQueryId) ?? ownerOf(engine, rec.topic);
        engine.topics.append(rec.topic, { key: encodeKey(ds, rec.key, rec.window), value: encodeValue(ds, rec.value), timestamp: rec.timestamp === undefined ? Date.now() : num(rec.timestamp), headers: recordHeaders(rec) });
      }
      engine.drain();
    };
    if (t.inputConditions?.waitForActivePushQuery && queries.length === 1) {
      const pending = post('/query', { ksql: queries[0], streamsProperties: props });
      // the push query registers synchronously on the server before its response starts
      await waitFor(() => engine.transients.size > 0, 5000);
      produce();
      const r = await pending;
      if (r.status !== 200) { if (t.expectedError) return expectError(r, queries[0]!); return { name, status: 'fail', reason: `query failed: ${show(r.json)}` }; }
      actual.push({ kind: 'query', body: r.json });
    } else {
      produce();
      for (const q of queries) {
        const r = await post('/query', { ksql: q, streamsProperties: props });
        if (r.status !== 200) {
          if (t.expectedError) return expectError(r, q);
          return { name, status: 'fail', reason: `query failed: ${show(r.json)}` };
        }
        actual.push({ kind: 'query', body: r.json });
      }
      // ksqlDB's harness then sends every query again for protobuf rows, shown in text format
      for (const q of t.testPullWithProtoFormat ? queries : []) {
        const r = await post('/query', { ksql: q, streamsProperties: props }, PROTOBUF_MEDIA_TYPE);
        if (r.status !== 200) return { name, status: 'fail', reason: `protobuf query failed: ${show(r.json)}` };
        actual.push({ kind: 'query', body: protoRowsAsText(r.json as Record<string, unknown>[]) });
      }
    }
    if (t.expectedError) return { name, status: 'fail', reason: `expected an error (${t.expectedError.message ?? ''}) but every request succeeded` };
    if (t.outputs?.length) {
      const m = compareOutputs(engine, t.outputs, (t.inputs ?? []).length > 0, true);
      if (m) return { name, status: 'fail', reason: m };
    }
    const responses = t.responses ?? [];
    if (actual.length < responses.length) return { name, status: 'fail', reason: `expected ${responses.length} responses, got ${actual.length}` };
    for (let i = 0; i < responses.length; i++) {
      const [kind, exp] = Object.entries(responses[i]!)[0]! as [string, unknown];
      const act = actual[i]!;
      if (kind === 'admin') {
        const r = partial(exp, act.body, `responses[${i}]`, true);
        if (r) return { name, status: 'fail', reason: r };
      } else if (kind === 'query' || kind === 'queryProto') {
        const r = compareQuery(exp as unknown[], act.body as unknown[], t.outputConditions?.verifyOrder ?? false);
        if (r) return { name, status: 'fail', reason: `responses[${i}] ${r}` };
      } else return { name, status: 'skip', reason: `unknown response kind ${kind}` };
    }
    return { name, status: 'pass' };
  } finally {
    await server.close();
  }
}

/** A protobuf query response with each row's bytes printed as text against the header's protoSchema. */
function protoRowsAsText(entries: Record<string, unknown>[]): unknown[] {
  const schema = String((entries[0]?.header as { protoSchema?: unknown } | undefined)?.protoSchema ?? '');
  return entries.map((e) => {
    const bytes = (e.row as { protobufBytes?: unknown } | undefined)?.protobufBytes;
    return typeof bytes === 'string' ? { row: protoRowText(schema, Buffer.from(bytes, 'base64')) } : e;
  });
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('push query did not register');
    await new Promise((r) => setImmediate(r));
  }
}

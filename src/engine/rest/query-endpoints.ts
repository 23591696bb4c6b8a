import type http from 'node:http';
import type { Engine } from '../engine.js';
import { parseStatement, splitRequest, type SplitStatement } from '../sql/parser.js';
import { substituteIfEnabled } from '../sql/variables.js';
import { typeToString } from '../sql/types.js';
import { toJsonText } from '../serde/json-value.js';
import { KsqlRequestError, KsqlStatementError } from '../analysis/errors.js';
import { headerSchema, startPullQuery, startPushQuery, type PullResult, type PushHandle, type QueryHeader } from '../exec/select.js';
import { genericError, toErrorBody, type ErrorBody } from './errors.js';
import { requestContext, requestSyntaxError } from './ksql-endpoint.js';
import { SqlSyntaxError } from '../sql/lexer.js';
import { send } from './server.js';
import { handlePrint } from './print-topic.js';
import type { OutputColumn } from '../analysis/planner.js';
import { protobufRows, type ProtobufRows } from '../serde/protobuf-rows.js';
import { acceptedTypes } from '../util/media-types.js';

/** The push queries this server streams, by id; `closable` marks /query-stream's, which /close-query may end. */
export type PushRegistry = Map<string, { handle: PushHandle; closable: boolean }>;
type Style = 'delimited' | 'json' | 'legacy' | 'protobuf';
/** How long /query's push query waits for a row before it writes a newline. */
const KEEP_ALIVE_MS = 1000;
/** Records a pull query on a stream reads before the server turns to other requests. */
const PULL_STEP = 10_000;
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.ksql.v1+protobuf';


const STYLES: Record<string, Style> = { 'application/vnd.ksqlapi.delimited.v1': 'delimited', 'application/vnd.ksql.v1+json': 'legacy', 'application/json': 'json' };

function styleFor(accept: string | undefined, forced?: 'legacy'): Style {
  const types = acceptedTypes(accept ?? '');
  // ksqlDB answers pull queries on /query with protobuf rows when asked (and preferred); push queries stay JSON
  if (forced) return types.find((t) => t === PROTOBUF_MEDIA_TYPE || t.startsWith('application/vnd.ksql.v1+json') || t === 'application/json') === PROTOBUF_MEDIA_TYPE ? 'protobuf' : 'legacy';
  for (const t of types) { const style = STYLES[t]; if (style) return style; }
  return 'delimited';
}

// a value that cannot be written (none should be) is null, never a response cut short
const cell = (v: unknown, c: OutputColumn): string => { try { return toJsonText(v, c.type, 'rest'); } catch { return 'null'; } };
const rowText = (values: unknown[], cols: OutputColumn[]) => `[${values.map((v, i) => cell(v, cols[i]!)).join(',')}]`;

function metaText(h: QueryHeader): string {
  return JSON.stringify({ queryId: h.queryId, columnNames: h.columns.map((c) => c.name), columnTypes: h.columns.map((c) => typeToString(c.type)) });
}

/** Writes a query's header, rows and end in one of the four response styles. */
class QueryWriter {
  private count = 0;
  /** A row went out since the last keepAlive. */
  private wrote = false;
  private readonly proto: ProtobufRows | undefined;
  /** Throws when the protobuf style cannot describe a column's type. */
  constructor(private readonly res: http.ServerResponse, private readonly style: Style, private readonly header: QueryHeader) {
    this.proto = style === 'protobuf' ? protobufRows(header.columns) : undefined;
  }

  start(): void {
    const type = this.style === 'delimited' ? 'application/vnd.ksqlapi.delimited.v1' : this.proto ? PROTOBUF_MEDIA_TYPE : 'application/json';
    this.res.writeHead(200, { 'Content-Type': type });
    if (this.style === 'delimited') this.res.write(`${metaText(this.header)}\n`);
    else if (this.style === 'json') this.res.write(`[${metaText(this.header)}`);
    else {
      const proto = this.proto ? `,"protoSchema":${JSON.stringify(this.proto.schema)}` : '';
      this.res.write(`[{"header":{"queryId":${JSON.stringify(this.header.queryId)},"schema":${JSON.stringify(headerSchema(this.header))}${proto}}}`);
    }
  }

  /** Writes a row; false when the response's buffer is full (wait for 'drain'). */
  row(values: unknown[], tombstone = false): boolean {
    // /query-stream's writers drop a table's deletions (only /query marks them as tombstones)
    if (tombstone && (this.style === 'delimited' || this.style === 'json')) return true;
    this.count++;
    this.wrote = true;
    if (this.proto) return this.res.write(`,\n{"row":{"protobufBytes":"${this.proto.encode(values).toString('base64')}"}}`);
    const text = rowText(values, this.header.columns);
    if (this.style === 'delimited') return this.res.write(`${text}\n`);
    if (this.style === 'json') return this.res.write(`,${text}`);
    return this.res.write(`,\n{"row":{"columns":${text}${tombstone ? ',"tombstone":true' : ''}}}`);
  }

  /**
   * /query's push query, idle: as ksqlDB's writer does each time it has waited a second for a row, a
   * lone newline goes out (the JSON array's whitespace) unless a row went out since the last call.
   */
  keepAlive(): void {
    if (!this.wrote && !this.res.writableEnded) this.res.write('\n');
    this.wrote = false;
  }

  /**
   * Ends the answer with the error that stopped its query, as ksqlDB streams one: a generic_error
   * object (50000) in the answer's own form, `{"errorMessage": ...}` in /query's array.
   */
  fail(message: string): void {
    if (this.res.writableEnded) return;
    const error = JSON.stringify(genericError(500, 50000, message).body);
    if (this.style === 'json') this.res.end(`,${error}]`);
    else if (this.style === 'delimited') this.res.end(`${error}\n`);
    else this.res.end(`,\n{"errorMessage":${error}}]\n`);
  }

  end(finalMessage?: string): void {
    if (this.style === 'json') this.res.end(']');
    else if (this.style === 'legacy' || this.style === 'protobuf') this.res.end(`${finalMessage ? `,\n{"finalMessage":${JSON.stringify(finalMessage)}}` : ''}]\n`);
    else this.res.end();
  }
}

/**
 * How many statements a request's text holds. Each must end with its `;`, as ksqlDB's grammar has
 * them: a missing one is the parser's syntax error, as /ksql gives it.
 */
function statementCount(text: string): number {
  return splitRequest(text).filter((s) => s.text.trim() !== ';').length;
}

/** POST /query-stream and POST /query: pull queries answer at once; push queries stream until LIMIT or close. */
export function handleQuery(engine: Engine, body: Record<string, unknown>, req: http.IncomingMessage, res: http.ServerResponse, pushes: PushRegistry, forced?: 'legacy'): void {
  const legacyBody = forced === 'legacy';
  const sql = legacyBody ? body.ksql : body.sql;
  if (typeof sql !== 'string') return send(res, genericError(400, 40000, `Invalid request: the "${legacyBody ? 'ksql' : 'sql'}" field must be a string`));
  const ctx = requestContext(body, legacyBody ? 'streamsProperties' : 'properties');
  const style = styleFor(req.headers.accept, forced);
  let stmt;
  // errors quote the statement as parsed (a syntax error: the request's line that holds it), as /ksql's do
  let text = sql;
  const syntaxError = (e: SqlSyntaxError, at: SplitStatement | undefined): ErrorBody => {
    const body = requestSyntaxError(e, at, sql);
    // /query's message keeps the position, then the statement: ksqlDB leaves the parser's detail out of
    // that endpoint's message (pull-queries-against-streams.json, "error on ORDER BY")
    if (legacyBody) body.body.message = `${String(body.body.message).split('\n')[0]}\n\nStatement: ${text}`;
    return body;
  };
  try {
    const all = splitRequest(sql);
    // a lone ';' is no statement: ksqlDB's parser refuses the text there before statements are
    // counted, as /ksql does (a syntax error in a statement before it comes first)
    const lone = all.findIndex((s) => s.text.trim() === ';');
    for (const at of lone < 0 ? [] : all.slice(0, lone + 1)) {
      try { parseStatement(substituteIfEnabled(at.text, ctx.variables, ctx.properties, engine.properties)); } catch (e) {
        if (e instanceof SqlSyntaxError) return send(res, syntaxError(e, at));
        throw e;
      }
    }
    const parts = all.filter((s) => s.text.trim() !== ';');
    if (parts.length !== 1) {
      // each statement must end with its `;`, as ksqlDB's grammar has them: a missing one is the parser's syntax error
      const count = statementCount(substituteIfEnabled(sql.trim(), ctx.variables, ctx.properties, engine.properties));
      if (count !== 1) throw new KsqlStatementError(`Expected exactly one KSQL statement; found ${count} instead`);
    }
    const at = parts[0]!;
    text = at.text;
    try { stmt = parseStatement(substituteIfEnabled(text, ctx.variables, ctx.properties, engine.properties)); } catch (e) {
      if (e instanceof SqlSyntaxError) return send(res, syntaxError(e, at));
      throw e;
    }
  } catch (e) { return send(res, e instanceof SqlSyntaxError ? syntaxError(e, undefined) : toErrorBody(e, text)); }
  if (stmt.kind === 'print') return handlePrint(engine, stmt, res);
  if (stmt.kind !== 'select') {
    return send(res, toErrorBody(new KsqlStatementError(`Statement type \`${stmt.kind}\` is not supported for the ${legacyBody ? '/query' : '/query-stream'} endpoint: use /ksql`, 40000), text));
  }
  const q = stmt.query;
  if (q.emit === undefined) {
    let result;
    let w: QueryWriter;
    try {
      result = startPullQuery(engine, q, ctx.properties);
      w = new QueryWriter(res, style, result.header);
    } catch (e) { return send(res, toErrorBody(e, text)); }
    w.start();
    for (const r of result.rows) w.row(r);
    writePullRows(result, w, res, () => w.end(result.isTable ? undefined : result.limitReached() ? 'Limit Reached' : 'Query Completed'));
    return;
  }
  // the query's callbacks are made before the writer exists, and see it once it does
  // eslint-disable-next-line prefer-const
  let writer: QueryWriter | undefined;
  let handle: PushHandle;
  // a client that reads slower than rows come pauses the query until its response drains, so rows
  // wait in the topic, not in this process's memory
  let waiting = false;
  const onRow = (values: unknown[], tombstone: boolean) => {
    if (!writer || writer.row(values, tombstone) || waiting) return;
    waiting = true;
    handle.pause();
    res.once('drain', () => { waiting = false; handle.resume(); engine.drain(); });
  };
  // a client gone while its request was read (an HTTP/2 stream cancelled at once) gets no query: its
  // response's 'close' has been and gone, so a query started now would never be stopped
  if (clientGone(res)) return;
  // ksqlDB streams at most ksql.max.push.queries push queries at once
  const max = Number(engine.properties['ksql.max.push.queries'] ?? 100);
  if (pushes.size >= max) return send(res, genericError(400, 40003, 'Maximum number of push queries exceeded'));
  let idle: NodeJS.Timeout | undefined;
  try {
    handle = startPushQuery(engine, q, { ...engine.properties, ...ctx.properties }, onRow, (reason, message) => {
      pushes.delete(handle.id);
      clearInterval(idle);
      if (reason === 'error') writer?.fail(message ?? 'the query failed');
      else writer?.end(reason === 'limit' ? 'Limit Reached' : undefined);
    }, sql.trim());
  } catch (e) { return send(res, toErrorBody(e, text)); }
  pushes.set(handle.id, { handle, closable: !legacyBody });
  writer = new QueryWriter(res, style === 'protobuf' ? 'legacy' : style, handle.header);
  writer.start();
  // ksqlDB's /query writes a newline for each second it waits for a row (query.stream.disconnect.check,
  // 1000 ms); /query-stream does not
  if (legacyBody) { const w = writer; idle = setInterval(() => w.keepAlive(), KEEP_ALIVE_MS).unref(); }
  res.on('close', () => { clearInterval(idle); handle.close(); });
  engine.drain();
}

/** Whether the response can no longer reach its client (its HTTP/2 stream, or its socket, is closed). */
function clientGone(res: http.ServerResponse): boolean {
  const stream = (res as unknown as { stream?: { destroyed?: boolean; closed?: boolean } }).stream;
  if (stream) return stream.destroyed === true || stream.closed === true;
  return res.destroyed || res.socket?.destroyed === true;
}

/**
 * Writes the rows a pull query on a stream reads, a step at a time: each step's rows go out before the
 * next is read, the next waits while the client is slow to take them, and other requests are served
 * in between. A client that goes away ends the read.
 */
export function writePullRows(result: Pick<PullResult, 'more'>, w: Pick<QueryWriter, 'row'>, res: Pick<http.ServerResponse, 'once'>, end: () => void): void {
  if (!result.more) { end(); return; }
  const more = result.more;
  let gone = false;
  res.once('close', () => { gone = true; });
  // the rows of the step being written: a slow client's response holds at most one socket's buffer of
  // them, the rest wait here as values (a written row's buffer costs far more than the row)
  let rows: unknown[][] = [], next = 0;
  const step = () => {
    if (gone) return;
    if (next >= rows.length) {
      const read = more(PULL_STEP);
      if (read === null) { end(); return; }
      rows = read; next = 0;
    }
    while (next < rows.length) {
      if (!w.row(rows[next++]!)) { res.once('drain', step); return; }
    }
    setImmediate(step);
  };
  step();
}

export function handleCloseQuery(body: Record<string, unknown>, pushes: PushRegistry) {
  const id = body.queryId;
  if (typeof id !== 'string') return genericError(400, 40000, 'Invalid request: "queryId" must be a string');
  // as in ksqlDB, only /query-stream's queries are known here; /query's end when their response does
  const h = pushes.get(id);
  if (!h?.closable) return toErrorBody(new KsqlRequestError(`No query with id ${id}`));
  h.handle.close();
  return { status: 200, body: {} };
}

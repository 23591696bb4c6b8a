import { parseJsonAsWritten, parseJsonExact, stringifyJsonExact } from '../serde/json-exact.js';
import { fitsLong } from '../util/long.js';
import { Decimal } from '../util/decimal.js';
import { convert } from '../functions/values.js';
import { T, typeToString, type SqlType } from '../sql/types.js';
import type http from 'node:http';
import type { Engine } from '../engine.js';
import { serdesOf } from '../catalog/metastore.js';
import { keyColumns, valueColumns } from '../catalog/schema.js';
import { fromJson } from '../serde/json-value.js';
import { own } from '../util/own.js';
import { drainKept, type Journal } from '../storage/journal.js';
import { preferredOf } from '../util/media-types.js';

/**
 * POST /inserts-stream: the first JSON line names the target, each further line is a row; every row is
 * acknowledged with {"status":"ok","seq":n} or an error object, and the stream stays open for more rows.
 * The acknowledgements are delimited lines, or with Accept: application/json one JSON array, written
 * as they come (`[`, then `,` between them, `]` at the end), as ksqlDB's two inserts response writers do.
 */
/** The longest row line taken (10 MB, the body limit of the other endpoints). */
const MAX_LINE = 10 * 1024 * 1024;

export function handleInsertsStream(engine: Engine, req: http.IncomingMessage, res: http.ServerResponse, journal?: Journal, open?: Set<() => void>): void {
  void journal;
  // (no Accept, or none of the two, answers in delimited lines: the server checked the header first)
  const json = preferredOf(req.headers.accept, ['application/vnd.ksqlapi.delimited.v1', 'application/json']) === 'application/json';
  // the answer's head goes out once the target is known good: a target refused is a 400
  const start = () => { if (!res.headersSent) res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/vnd.ksqlapi.delimited.v1' }); };
  let buf = '';
  let target: string | undefined;
  let seq = 0;
  let acked = 0;
  const ack = (o: unknown) => {
    start();
    const text = JSON.stringify(o);
    res.write(json ? `${acked === 0 ? '[' : ','}${text}` : `${text}\n`);
    acked++;
  };
  /** Ends the answer (a JSON array is closed: `[]` when nothing was acknowledged). */
  const finish = () => {
    if (res.writableEnded) return;
    start();
    res.end(json ? (acked === 0 ? '[]' : ']') : undefined);
  };
  // a server that stops ends the answer: the rows acknowledged so far are all it took; an HTTP/2
  // stream whose client still sends is then closed with NO_ERROR (a complete answer ends it, RFC
  // 7540 8.1), not left half open for the session's close to cancel
  const stop = () => {
    finish();
    const stream = (res as unknown as { stream?: { writableFinished: boolean; close(code: number): void; once(e: 'finish', f: () => void): void } }).stream;
    if (!stream) return;
    if (stream.writableFinished) stream.close(0); else stream.once('finish', () => stream.close(0));
  };
  if (open) { open.add(stop); res.once('close', () => open.delete(stop)); }
  const error = (message: string, n: number) => ack({ '@type': 'generic_error', error_code: 40000, message, status: 'error', seq: n });
  const handleLine = (line: string) => {
    if (!line.trim() || res.writableEnded) return;
    let obj: unknown;
    // (BIGINT values beyond 2^53 are read exactly)
    // a target the server will not insert into is refused before any row, with HTTP 400, as ksqlDB's
    // endpoint refuses it while it sets the stream up (streams only: "Cannot insert into a table")
    const refuse = (message: string, code = 40000) => {
      if (res.headersSent) { error(message, 0); finish(); return; }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ '@type': 'generic_error', error_code: code, message }));
    };
    try { obj = parseJsonExact(line); } catch {
      if (target === undefined) { refuse('Invalid JSON in inserts stream'); return; }
      error('Invalid JSON in inserts stream', seq++);
      return;
    }
    if (target === undefined) {
      const named = (obj as Record<string, unknown> | null)?.target;
      if (typeof named !== 'string') { refuse('Invalid request: the first line must name the "target" stream or table as a string'); return; }
      // as ksqlDB reads it: a name that needs no quotes is upper-cased, one that does is taken as it is
      target = /^[A-Za-z_][A-Za-z0-9_@]*$/.test(named) ? named.toUpperCase() : named;
      const ds = engine.metastore.get(target);
      if (!ds) { refuse(`No such stream: ${target}`, 40001); return; }
      if (ds.type === 'TABLE') { refuse('Cannot insert into a table', 40001); return; }
      // and the target rules of INSERT INTO ... VALUES
      const refused = ds.isSource ? `Cannot insert values into read-only ${ds.type.toLowerCase()}: ${ds.name}`
        : ds.windowInfo ? 'Cannot insert values into windowed stream/table!' : undefined;
      if (refused) { refuse(refused); return; }
      start();
      res.flushHeaders();
      return;
    }
    const ds = engine.metastore.get(target);
    const n = seq++;
    if (!ds) {
      // dropped while the stream was open: this row and any later get an answer, not silence
      error(`Cannot insert values into an unknown stream/table: \`${target}\``, n);
      finish();
      return;
    }
    const fail = (msg: string) => error(`Failed to insert values into '${ds.name}'. ${msg}`, n);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) { fail('A row must be a JSON object of column names and values'); return; }
    try {
      const row = byColumnName(obj as Record<string, unknown>);
      for (const name of Object.keys(row)) {
        if (name === 'ROWPARTITION' || name === 'ROWOFFSET') throw new Error(`Inserting into column \`${name}\` is not allowed.`);
        if (name === 'ROWTIME') continue;
        const col = ds.columns.find((c) => c.name === name);
        if (!col) throw new Error(`Column name \`${name}\` does not exist.`);
        if (col.ns === 'HEADER') throw new Error(`Cannot insert into HEADER columns: ${col.name}`);
        checkScalar(row[name], col.type.kind, col.name);
      }
      const keys = keyColumns(ds.columns), values = valueColumns(ds.columns);
      const { key: ks, value: vs } = serdesOf(ds);
      // a DECIMAL is checked as written (a double would have rounded its digits away already)
      const writtenRow = ds.columns.some((c) => c.type.kind === 'DECIMAL') ? parseJsonAsWritten(line) as Record<string, unknown> | undefined : undefined;
      const asWritten = writtenRow && typeof writtenRow === 'object' ? byColumnName(writtenRow) : undefined;
      const valueOf = (c: { name: string; type: SqlType }) => {
        const v = own(row, c.name) ?? null;
        const written = c.type.kind === 'DECIMAL' && asWritten ? own(asWritten, c.name) : undefined;
        const lossless = written !== null && typeof written === 'object' && 'isLosslessNumber' in written;
        // (a DECIMAL's check on its written digits; the value goes on as read)
        if (lossless) { apiValue(Decimal.parse(String(written)), c.type, c.name); return fromJson(v, c.type, c.name); }
        return fromJson(apiValue(v, c.type, c.name), c.type, c.name);
      };
      const kv = keys.map(valueOf);
      const vv = values.map(valueOf);
      if (ds.type === 'TABLE' && kv.some((k) => k === null)) throw new Error(`Value for primary key column(s) ${keys.map((k) => k.name).join(', ')} is required for tables`);
      const rowtime = own(row, 'ROWTIME');
      if (rowtime !== undefined && rowtime !== null && !Number.isSafeInteger(rowtime)) throw new Error(`Expected type BIGINT for field \`ROWTIME\` but got ${stringifyJsonExact(rowtime)}`);
      // (the key as its format writes it: one NULL column is no key, several are a key of NULLs)
      engine.topics.append(ds.topic, { key: kv.length ? ks.serialize(kv) : null, value: vs.serialize(vv), timestamp: typeof rowtime === 'number' ? rowtime : Date.now() });
      drainKept(engine);
      ack({ status: 'ok', seq: n });
    } catch (e) {
      fail((e as Error).message);
    }
  };
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    if (res.writableEnded) return;
    // only the new chunk is searched for line ends, so a long line costs its length, not its square
    let from = 0, i;
    while ((i = chunk.indexOf('\n', from)) >= 0) { handleLine(buf + chunk.slice(from, i)); buf = ''; from = i + 1; }
    buf += chunk.slice(from);
    // a line is one row: the other endpoints' body limit bounds it, and the stream ends past it
    if (buf.length > MAX_LINE) { error(`Invalid request: a row line is longer than ${MAX_LINE} characters`, seq++); buf = ''; finish(); req.resume(); }
  });
  req.on('end', () => { handleLine(buf); buf = ''; finish(); });
}

/**
 * A row's JSON value as ksqlDB's coercer takes it for its column, as INSERT VALUES does: TIMESTAMP,
 * DATE and TIME from ISO text too (the Java client sends them so), and a DECIMAL only when it fits
 * the column's scale without rounding (it was rounded).
 */
function apiValue(v: unknown, type: SqlType, name: string): unknown {
  if (v === null || v === undefined) return v;
  if ((type.kind === 'TIMESTAMP' || type.kind === 'DATE' || type.kind === 'TIME') && typeof v === 'string') {
    try { return convert(v, T.STRING, type); } catch { throw new Error(`Expected type ${typeToString(type)} for field \`${name}\` but got ${stringifyJsonExact(v)}`); }
  }
  if (type.kind === 'DECIMAL' && (typeof v === 'number' || typeof v === 'bigint' || v instanceof Decimal)) {
    const d = v instanceof Decimal ? v : typeof v === 'number' ? Decimal.fromNumber(v) : new Decimal(v, 0);
    if (d.scale > type.scale && d.unscaled % 10n ** BigInt(d.scale - type.scale) !== 0n) {
      throw new Error(`Cannot fit decimal '${d.toString()}' into ${typeToString(type)} without rounding. (Requires ${d.precision},${d.scale})`);
    }
  }
  return v;
}

/** A JSON value for a scalar column must be of its kind: no silent truncation of 1.5 into an INTEGER. */
function checkScalar(v: unknown, kind: string, name: string): void {
  if (v === null || v === undefined) return;
  const bad = () => new Error(`Expected type ${kind} for field \`${name}\` but got ${stringifyJsonExact(v)}`);
  switch (kind) {
    case 'INTEGER': if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw bad(); break;
    case 'BIGINT': if (typeof v === 'bigint' ? !fitsLong(v) : typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(); break;
    case 'DOUBLE': if (typeof v !== 'number' && typeof v !== 'bigint') throw bad(); break;
    case 'BOOLEAN': if (typeof v !== 'boolean') throw bad(); break;
    default: break;
  }
}

/**
 * A row's fields by the column each names, as ksqlDB's inserts endpoint reads the names: each one a
 * column reference, so an unquoted name is upper-cased and a quoted one (`x` or "x") kept as it is;
 * a name that is no identifier is refused. (A name given twice: the last wins.)
 */
function byColumnName(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, v] of Object.entries(row)) out[columnReference(key)] = v;
  return out;
}

function columnReference(key: string): string {
  const quoted = /^`((?:[^`]|``)+)`$/.exec(key) ?? /^"((?:[^"]|"")+)"$/.exec(key);
  if (quoted) return quoted[1]!.replace(/``|""/g, (m) => m[0]!);
  if (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(key) || /^[0-9]+[A-Za-z_][A-Za-z0-9_@]*$/.test(key)) return key.toUpperCase();
  throw new Error(`Invalid column name. Column names must be valid identifiers. Got: ${key}`);
}

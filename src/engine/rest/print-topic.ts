import type http from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Engine } from '../engine.js';
import type { Statement } from '../sql/ast.js';
import type { TopicRecord } from '../storage/topics.js';
import { genericError } from './errors.js';
import { send } from './server.js';
import { describeFramed } from './print-sr.js';
import type { SchemaRegistry } from '../schema-registry/registry.js';

type Print = Extract<Statement, { kind: 'print' }>;

function describeBytes(b: Buffer | null, registry: SchemaRegistry): { format: string; text: string } {
  if (b === null) return { format: 'NONE', text: '<null>' };
  const framed = describeFramed(b, registry);
  if (framed) return framed;
  const s = b.toString('utf8');
  // JSON text is text too: ksqlDB names both formats that read it
  if (/^\s*[[{]/.test(s)) { try { JSON.parse(s); return { format: 'JSON or KAFKA_STRING', text: s }; } catch { /* not JSON */ } }
  /* eslint-disable no-control-regex */
  // four or eight bytes that are not plain text (a control character, or no UTF-8) are a number:
  // -1 is ffffffff, 3.3 holds a line feed
  const plainText = isUtf8(b) && !/[\x00-\x1f\x7f]/.test(s);
  if (b.length === 4 && !plainText) return { format: 'KAFKA_INT', text: String(b.readInt32BE(0)) };
  if (b.length === 8 && !plainText) return { format: 'KAFKA_BIGINT or KAFKA_DOUBLE', text: String(b.readBigInt64BE(0)) };
  // text may run over lines and tabs, but no other control characters
  if (isUtf8(b) && !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)) return { format: 'KAFKA_STRING', text: s };
  /* eslint-enable no-control-regex */
  return { format: 'UNRECOGNIZED_BYTES', text: b.toString('hex') };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function rowtime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} Z`;
}

/** PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n]: the topic's records as text lines, as the ksqlDB CLI shows them. */
export function handlePrint(engine: Engine, stmt: Print, res: http.ServerResponse): void {
  const topic = engine.topics.get(stmt.topic);
  if (!topic) return send(res, genericError(400, 40001, `Could not find topic '${stmt.topic}', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.`));
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  let seen = 0, printed = 0, headerDone = false, done = false;
  const interval = Math.max(1, stmt.interval ?? 1);
  const finish = () => { if (!done) { done = true; res.end(); } };
  const write = (r: TopicRecord) => {
    if (done || r.topic !== stmt.topic) return;
    if (seen++ % interval !== 0) return;
    const k = describeBytes(r.key, engine.registry), v = describeBytes(r.value, engine.registry);
    if (!headerDone) { res.write(`Key format: ${k.format}\nValue format: ${v.format}\n`); headerDone = true; }
    res.write(`rowtime: ${rowtime(r.timestamp)}, key: ${k.text}, value: ${v.text}, partition: ${r.partition}\n`);
    printed++;
    if (stmt.limit !== undefined && printed >= stmt.limit) finish();
  };
  if (stmt.fromBeginning) for (const r of topic.records()) write(r);
  if (stmt.limit !== undefined && printed >= stmt.limit) return finish();
  const off = engine.topics.onAppend((r) => write(r));
  res.on('close', () => { done = true; off(); });
}

import type http from 'node:http';
import type { Engine } from '../engine.js';
import { serdesOf } from '../catalog/metastore.js';
import { keyColumns, valueColumns } from '../catalog/schema.js';
import { fromJson, lookupField } from '../serde/json-value.js';
import type { Journal } from '../storage/journal.js';

/**
 * POST /inserts-stream: the first JSON line names the target, each further line is a row; every row is
 * acknowledged with {"status":"ok","seq":n} or an error object, and the stream stays open for more rows.
 */
export function handleInsertsStream(engine: Engine, req: http.IncomingMessage, res: http.ServerResponse, journal?: Journal): void {
  void journal;
  res.writeHead(200, { 'Content-Type': 'application/vnd.ksqlapi.delimited.v1' });
  let buf = '';
  let target: string | undefined;
  let seq = 0;
  const ack = (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
  const handleLine = (line: string) => {
    if (!line.trim()) return;
    let obj: Record<string, unknown>;
    try { obj = JSON.parse(line) as Record<string, unknown>; } catch {
      ack({ '@type': 'generic_error', error_code: 40000, message: 'Invalid JSON in inserts stream', status: 'error', seq: seq++ });
      return;
    }
    if (target === undefined) {
      target = String(obj.target ?? '');
      if (!engine.metastore.get(target)) {
        ack({ '@type': 'generic_error', error_code: 40000, message: `Cannot insert values into an unknown stream/table: \`${target}\``, status: 'error', seq: 0 });
        res.end();
      }
      return;
    }
    const ds = engine.metastore.get(target);
    const n = seq++;
    if (!ds) return;
    try {
      const keys = keyColumns(ds.columns), values = valueColumns(ds.columns);
      const { key: ks, value: vs } = serdesOf(ds);
      const kv = keys.map((c) => fromJson(lookupField(obj, c.name) ?? null, c.type, c.name));
      const vv = values.map((c) => fromJson(lookupField(obj, c.name) ?? null, c.type, c.name));
      if (ds.type === 'TABLE' && kv.some((k) => k === null)) throw new Error(`Value for primary key column(s) ${keys.map((k) => k.name).join(', ')} is required for tables`);
      const rowtime = lookupField(obj, 'ROWTIME');
      engine.topics.append(ds.topic, { key: kv.every((k) => k === null) ? null : ks.serialize(kv), value: vs.serialize(vv), timestamp: typeof rowtime === 'number' ? rowtime : Date.now() });
      engine.drain();
      ack({ status: 'ok', seq: n });
    } catch (e) {
      ack({ '@type': 'generic_error', error_code: 40000, message: `Failed to insert values into '${ds.name}'. ${(e as Error).message}`, status: 'error', seq: n });
    }
  };
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { handleLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
  });
  req.on('end', () => { handleLine(buf); buf = ''; if (!res.writableEnded) res.end(); });
}

// The floor for a Kafka broker written for Node: a process that answers a producer and keeps
// nothing. It serves ApiVersions, Metadata (v1-v2: one broker, the topics named on the command line,
// 4 partitions each) and Produce (v3-v7, acks -1 or 1): each batch's record count moves the
// partition's end offset on, and the records are dropped unread (no CRC check, no log). It prints
// its bootstrap address on one line, then serves until its standard input closes.
//
// bench/kafka-produce.mjs runs it beside the local listener and librdkafka's mock cluster: what this
// reaches is what the Node runtime leaves for any listener on the same machine.
// Run: node bench/noop-broker.mjs TOPIC...
import { createServer } from 'node:net';

const PARTITIONS = 4;
const topics = new Map(process.argv.slice(2).map((t) => [t, new Array(PARTITIONS).fill(0)]));

/** A growing response body. */
class Out {
  parts = [];
  int8(v) { const b = Buffer.alloc(1); b.writeInt8(v); this.parts.push(b); return this; }
  int16(v) { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); return this; }
  int32(v) { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); return this; }
  int64(v) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); this.parts.push(b); return this; }
  string(s) { if (s === null) return this.int16(-1); const b = Buffer.from(s); this.int16(b.length); this.parts.push(b); return this; }
  array(xs, f) { this.int32(xs.length); for (const x of xs) f(this, x); return this; }
  buffer() { return Buffer.concat(this.parts); }
}

/** A request body being read. */
class In {
  constructor(buf, pos) { this.buf = buf; this.pos = pos; }
  int16() { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32() { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  string() { const n = this.int16(); if (n < 0) return null; const s = this.buf.toString('utf8', this.pos, this.pos + n); this.pos += n; return s; }
  bytes() { const n = this.int32(); if (n < 0) return null; const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  array(f) { const n = this.int32(); const out = []; for (let i = 0; i < n; i++) out.push(f(this)); return out; }
}

let port = 0;

function apiVersions(version) {
  const out = new Out().int16(0).array([[0, 3, 7], [3, 1, 2], [18, 0, 2]], (o, [k, lo, hi]) => o.int16(k).int16(lo).int16(hi));
  return version >= 1 ? out.int32(0) : out;
}

function metadata(version, r) {
  const asked = r.array((x) => x.string());
  const names = asked.length ? asked : [...topics.keys()];
  const out = new Out().array([0], (o) => { o.int32(0).string('127.0.0.1').int32(port).string(null); });
  if (version >= 2) out.string('noop-broker');
  out.int32(0);
  return out.array(names, (o, name) => {
    const known = topics.has(name);
    o.int16(known ? 0 : 3).string(name).int8(0);
    o.array(known ? [0, 1, 2, 3] : [], (p, i) => p.int16(0).int32(i).int32(0).array([0], (q) => q.int32(0)).array([0], (q) => q.int32(0)));
  });
}

function produce(version, r) {
  r.string(); // transactional id
  const acks = r.int16();
  r.int32(); // timeout
  const answers = r.array((t) => {
    const name = t.string();
    return [name, t.array((p) => {
      const index = p.int32(), records = p.bytes();
      const ends = topics.get(name);
      if (!ends || index >= PARTITIONS) return [index, 3, -1];
      const base = ends[index];
      // batches back to back: each one's record count is at byte 57 of it
      for (let pos = 0; records && pos + 61 <= records.length; pos += 12 + records.readInt32BE(pos + 8)) ends[index] += records.readInt32BE(pos + 57);
      return [index, 0, base];
    })];
  });
  // acks=0: the producer waits for no answer
  if (acks === 0) return 'none';
  const out = new Out().array(answers, (o, [name, parts]) => {
    o.string(name).array(parts, (p, [index, error, base]) => {
      p.int32(index).int16(error).int64(base);
      if (version >= 2) p.int64(-1);
      if (version >= 5) p.int64(0);
    });
  });
  return out.int32(0);
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  // chunks are kept until a whole frame is there, then joined once
  let parts = [], partsLength = 0, pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    parts.push(chunk); partsLength += chunk.length;
    if (partsLength < 4) return;
    const first = parts[0].length >= 4 ? parts[0] : Buffer.concat(parts);
    if (partsLength < 4 + first.readInt32BE(0)) return;
    pending = parts.length === 1 ? parts[0] : Buffer.concat(parts, partsLength);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      const r = new In(frame, 0);
      const key = r.int16(), version = r.int16(), correlationId = r.int32();
      r.string(); // client id
      const body = key === 18 ? apiVersions(version) : key === 3 ? metadata(version, r) : key === 0 ? produce(version, r) : null;
      if (!body) { socket.destroy(); return; }
      if (body === 'none') continue;
      const payload = body.buffer();
      const head = Buffer.alloc(8);
      head.writeInt32BE(4 + payload.length, 0);
      head.writeInt32BE(correlationId, 4);
      socket.write(Buffer.concat([head, payload]));
    }
    parts = pending.length ? [pending] : []; partsLength = pending.length;
  });
  socket.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  console.log(`127.0.0.1:${port}`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));

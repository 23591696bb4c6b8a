import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFrames } from '../../src/engine/kafka/frames.js';

// Frames read from a real socket, written in awkward pieces: the reader must hand over exactly the
// frames that were sent, whatever the chunking, and drop the connection on a size out of bounds.
let server: Server | undefined;
afterEach(async () => { if (server) await new Promise((r) => server!.close(r)); server = undefined; });

let chunks = false;
async function serve(max = 100 * 1024 * 1024): Promise<{ port: number; frames: Buffer[]; dropped: Promise<void>; got: (n: number) => Promise<void> }> {
  const frames: Buffer[] = [];
  let waiter: (() => void) | undefined, want = 0;
  let dropped!: () => void;
  const droppedP = new Promise<void>((r) => { dropped = r; });
  server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
    readFrames(socket, {
      least: () => 8, max,
      frame: (f) => { frames.push(Buffer.from(f)); if (frames.length >= want) waiter?.(); },
      bad: () => { socket.destroy(); dropped(); },
    }, { chunks });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port, frames, dropped: droppedP,
    got: (n) => new Promise<void>((r) => { want = n; waiter = r; if (frames.length >= n) r(); }),
  };
}

const framed = (body: Buffer) => { const h = Buffer.alloc(4); h.writeInt32BE(body.length); return Buffer.concat([h, body]); };

describe.each([
  { path: 'reads into the connection\'s own buffer', plain: false },
  { path: 'joins socket chunks (where Node lacks onread fields)', plain: true },
])('Kafka frames from a socket: $path', ({ plain }) => {
  beforeEach(() => { chunks = plain; });
  it('hands over each frame whole, whether it comes byte by byte, several at once, or larger than the read buffer', async () => {
    const s = await serve();
    const bodies = [randomBytes(8), randomBytes(1000), randomBytes(100_000), randomBytes(3 * 1024 * 1024), randomBytes(70_000), randomBytes(9)];
    const wire = Buffer.concat(bodies.map(framed));
    const c = connect(s.port, '127.0.0.1');
    await once(c, 'connect');
    // the first two frames a byte at a time, then the rest in uneven pieces
    const firstTwo = 4 + 8 + 4 + 1000;
    for (let i = 0; i < firstTwo; i++) { c.write(wire.subarray(i, i + 1)); if (i % 97 === 0) await new Promise((r) => setImmediate(r)); }
    for (let i = firstTwo; i < wire.length;) { const n = 1 + ((i * 7919) % 150_000); c.write(wire.subarray(i, i + n)); i += n; }
    await s.got(bodies.length);
    expect(s.frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
    c.destroy();
  });

  it('keeps frames apart: a frame handed over is not overwritten by later reads', async () => {
    const s = await serve();
    const bodies = Array.from({ length: 50 }, (_v, i) => randomBytes(20_000 + i * 997));
    const c = connect(s.port, '127.0.0.1');
    await once(c, 'connect');
    c.write(Buffer.concat(bodies.map(framed)));
    await s.got(bodies.length);
    expect(s.frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
    c.destroy();
  });

  it('reads frames the sink calls reusable into memory used again only once they are handled', async () => {
    // frames are kept as handed over (not copied), and marked handled some while later: a frame not yet
    // handled must keep its bytes while later frames arrive; a handled one's memory serves later frames
    const held: { frame: Buffer; body: Buffer; done: () => void }[] = [];
    let expected: Buffer[] = [];
    let waiter: (() => void) | undefined, want = 0;
    const mismatches: number[] = [];
    server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
      readFrames(socket, {
        least: () => 8, max: 1 << 20,
        reusable: (apiKey) => apiKey === 0,
        frame: (frame, done) => {
          const body = expected[held.length]!;
          held.push({ frame, body, done });
          // every frame still held has its own bytes; the oldest three are then marked handled
          held.forEach((h, i) => { if (h.frame.length && !h.frame.equals(h.body)) mismatches.push(i); });
          if (held.length % 4 === 0) for (const h of held.slice(-4, -1)) { h.done(); h.done(); h.frame = Buffer.alloc(0); }
          if (held.length >= want) waiter?.();
        },
        bad: () => socket.destroy(),
      }, { chunks });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // requests with API key 0 (produce) and others, of sizes around the reuse steps
    expected = Array.from({ length: 200 }, (_v, i) => { const b = randomBytes(8 + ((i * 7919) % 90_000)); b.writeInt16BE(i % 3 === 0 ? 3 : 0, 0); return b; });
    const c = connect((server.address() as { port: number }).port, '127.0.0.1');
    await once(c, 'connect');
    const got = new Promise<void>((r) => { want = expected.length; waiter = r; });
    for (let i = 0; i < expected.length; i += 10) { c.write(Buffer.concat(expected.slice(i, i + 10).map(framed))); await new Promise((r) => setImmediate(r)); }
    await got;
    expect(mismatches).toEqual([]);
    expect(held.map((h) => h.frame.length ? h.frame.equals(h.body) : true).every(Boolean)).toBe(true);
    c.destroy();
  });

  it('drops the connection on a size below the least or above the maximum', async () => {
    for (const size of [3, 2_000_000]) {
      const s = await serve(1_000_000);
      const c = connect(s.port, '127.0.0.1');
      c.on('error', () => undefined);
      await once(c, 'connect');
      const head = Buffer.alloc(4); head.writeInt32BE(size);
      c.write(head);
      await s.dropped;
      await once(c, 'close');
      await new Promise((r) => server!.close(r)); server = undefined;
    }
  });
});

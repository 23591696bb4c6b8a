import { Socket } from 'node:net';

// Kafka requests are size-prefixed frames. A producer's requests are large (100 records of 1 KB are
// 100 KB), and a socket's 'data' events hand them over in 64 KB chunks, each a new buffer, which
// the frame then copies together. Here the socket reads straight into a slab this connection owns:
// a frame arrives in one piece, nothing is copied, and the slab's memory is shared by the frames
// (and the stored record batches they hold) until none is left. Node offers this as the `onread`
// option of sockets it connects; for sockets a server accepts, the same fields are set on the
// accepted socket before it starts reading. Where this Node lacks them, chunks are joined as before.

/** Requests are never smaller than their header; a bare SASL token (after SaslHandshake v0) may be. */
export interface FrameSink {
  /** The smallest valid frame size now. */
  least(): number;
  /** Largest frame allowed (Kafka's socket.request.max.bytes). */
  readonly max: number;
  /**
   * A frame; `done` is called once it has been handled. A frame `reusable` said yes to is in memory
   * the next frames are read into after `done`: its handler keeps no view of it.
   */
  frame(frame: Buffer, done: () => void): void;
  /** Whether a request with this API key may be read into reused memory (its handler copies what it keeps). */
  reusable?(apiKey: number): boolean;
  /** A frame size out of bounds: the connection is dropped. */
  bad(): void;
}

const MIN_READ = 64 * 1024;
const READ_BUFFER = 256 * 1024;
/** Frame memory a connection keeps for reuse: as many frames as may wait, of at most 1 MB each. */
const SPARE_FRAMES = 8;
const MAX_SPARE = 1024 * 1024;
/** A reusable frame at least this large is read straight into its memory. */
const DIRECT_READ = 16 * 1024;
const noop = () => undefined;

interface OnreadFields { buffer: symbol; callback: symbol; generator: symbol }
let fields: OnreadFields | null | undefined;

/** The symbols under which Node keeps a socket's `onread` option, found from a socket made with one. */
function onreadFields(): OnreadFields | null {
  if (fields !== undefined) return fields;
  const gen = () => Buffer.alloc(1), cb = () => undefined;
  // (@types/node types `onread` on connect options only; the constructor takes it too)
  const socket = new Socket({ onread: { buffer: gen, callback: cb } } as ConstructorParameters<typeof Socket>[0]);
  const probe = socket as unknown as Record<symbol, unknown>;
  const find = (v: unknown) => Object.getOwnPropertySymbols(probe).find((s) => probe[s] === v);
  const buffer = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kBuffer' && probe[s] === true);
  const callback = find(cb), generator = find(gen);
  socket.destroy();
  fields = buffer && callback && generator ? { buffer, callback, generator } : null;
  return fields;
}

/**
 * Reads frames from an accepted socket that has not started reading (the server was created with
 * `pauseOnConnect`), then starts it. `chunks` takes the plain path (for its tests).
 */
export function readFrames(socket: Socket, sink: FrameSink, opts: { chunks?: boolean } = {}): void {
  const f = opts.chunks ? null : onreadFields();
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle;
  if (!f || typeof handle?.useUserBuffer !== 'function') { readChunks(socket, sink); socket.resume(); return; }
  // unconsumed bytes are buf[start, end); the buffer is reused, so its pages stay mapped
  const buf = Buffer.allocUnsafe(READ_BUFFER);
  let start = 0, end = 0, closed = false;
  // a frame not in the buffer yet is read straight into its memory when it is larger than the buffer,
  // or a large one of an API whose frames take reused memory (a producer's): no copy of it is made
  let direct: { frame: Buffer; done: () => void; filled: number } | undefined;
  // memory of handled frames (of the APIs the sink allows), used again for the next ones: a producer
  // sends 100 KB frames, and new memory for each makes V8 collect its whole heap every 64 MB
  const spare: Buffer[] = [];
  const frameMemory = (size: number, apiKey: number | undefined): { frame: Buffer; done: () => void } => {
    if (apiKey === undefined || size > MAX_SPARE || !sink.reusable?.(apiKey)) return { frame: Buffer.allocUnsafe(size), done: noop };
    const i = spare.findIndex((m) => m.length >= size);
    // (in steps of 16 KB, so a connection's frames of about one size share their memory)
    const memory = i >= 0 ? spare.splice(i, 1)[0]! : Buffer.allocUnsafe((size + 0x3fff) & ~0x3fff);
    let handled = false;
    return {
      frame: memory.subarray(0, size),
      done: () => {
        if (handled) return;
        handled = true;
        if (spare.length < SPARE_FRAMES) spare.push(memory);
      },
    };
  };
  /** The memory the next read fills. */
  const next = (): Buffer => {
    if (direct) return direct.frame.subarray(direct.filled);
    if (start === end) start = end = 0;
    else if (buf.length - end < MIN_READ) { buf.copyWithin(0, start, end); end -= start; start = 0; }
    return buf.subarray(end);
  };
  const onBytes = (n: number): boolean => {
    if (closed) return false;
    if (direct) {
      direct.filled += n;
      if (direct.filled === direct.frame.length) { const d = direct; direct = undefined; sink.frame(d.frame, d.done); }
      return true;
    }
    end += n;
    while (end - start >= 4) {
      const size = buf.readInt32BE(start);
      if (size < sink.least() || size > sink.max) { closed = true; sink.bad(); return false; }
      const have = end - start - 4;
      const apiKey = have >= 2 && size >= 2 ? buf.readInt16BE(start + 4) : undefined;
      if (have >= size) {
        // the frame gets memory apart from the read buffer: it waits while earlier frames are handled
        const m = frameMemory(size, apiKey);
        buf.copy(m.frame, 0, start + 4, start + 4 + size);
        start += 4 + size;
        sink.frame(m.frame, m.done);
        continue;
      }
      if (4 + size > buf.length || (size >= DIRECT_READ && apiKey !== undefined && sink.reusable?.(apiKey))) {
        const m = frameMemory(size, apiKey);
        buf.copy(m.frame, 0, start + 4, end);
        direct = { ...m, filled: have };
        start = end = 0;
      }
      break;
    }
    return true;
  };
  const s = socket as unknown as Record<symbol, unknown>;
  s[f.generator] = next;
  s[f.callback] = onBytes;
  const first = next();
  s[f.buffer] = first;
  handle.useUserBuffer(first);
  socket.resume();
}

/** The plain path: 'data' chunks are kept until a whole frame is there, then joined once. */
function readChunks(socket: Socket, sink: FrameSink): void {
  let parts: Buffer[] = [], partsLength = 0;
  socket.on('data', (chunk: Buffer) => {
    parts.push(chunk); partsLength += chunk.length;
    if (partsLength < 4) return;
    // nothing is joined until the first frame is whole
    const size = (parts[0]!.length >= 4 ? parts[0]! : Buffer.concat(parts)).readInt32BE(0);
    if (size < sink.least() || size > sink.max) { sink.bad(); return; }
    if (partsLength < 4 + size) return;
    let pending = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength);
    while (pending.length >= 4) {
      const n = pending.readInt32BE(0);
      if (n < sink.least() || n > sink.max) { sink.bad(); return; }
      if (pending.length < 4 + n) break;
      sink.frame(pending.subarray(4, 4 + n), noop);
      pending = pending.subarray(4 + n);
    }
    parts = pending.length ? [pending] : []; partsLength = pending.length;
  });
}

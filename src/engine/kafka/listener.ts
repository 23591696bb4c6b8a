import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { Engine } from '../engine.js';
import { Reader, WireError, Writer } from './wire.js';
import { readFrames } from './frames.js';
import { APIS, plainTokenProblem, type ApiContext } from './apis.js';
import { Broker } from './broker.js';
import { GroupCoordinator } from './groups.js';
import { queryConsumerGroup, queryGroupIds } from '../exec/entities.js';
import { InternalCompactor } from './internal-compaction.js';
import { TransactionCoordinator, isSavedTransaction, type SavedTransaction } from './transactions.js';

/** Where transactional ids' state lives: the internal topic a broker keeps it in. */
const TRANSACTIONS_TOPIC = '__transaction_state';

/** Kafka's socket.request.max.bytes: a larger frame closes the connection. */
const MAX_REQUEST = 100 * 1024 * 1024;
const UNSUPPORTED_VERSION = 35;
/** Requests read ahead of the one being answered before a connection stops being read. */
const MAX_PENDING = 8;
/** Whether a listen address is every address of the machine. */
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '';

/** Resolves once the socket's buffered output has gone out, or the socket is closed. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { socket.off('drain', done); socket.off('close', done); resolve(); };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

export interface KafkaListenerOptions {
  engine: Engine;
  port: number;
  host: string;
  clusterId: string;
  /** Runs the queries after a produce (the REST server drains the same way after a request). */
  afterWrite: () => void;
  /** Require SASL/PLAIN with these credentials before any other request. */
  saslPlain?: { username: string; password: string };
  /** Serve TLS with this certificate and key (PEM): Kafka's SSL listener, SASL_SSL with saslPlain. */
  tls?: { cert: Buffer; key: Buffer };
  /** Kafka's connections.max.idle.ms: a connection with nothing read or written this long is closed (default 10 minutes). */
  idleMs?: number;
}

/** Kafka's default connections.max.idle.ms. */
export const DEFAULT_IDLE_MS = 600_000;

export interface KafkaListener { port: number; close(): Promise<void> }

/**
 * A Kafka protocol listener over the engine's topics: a one-node cluster that kafkajs and
 * librdkafka can produce to, consume from in groups, and administer. Each connection's requests
 * are answered one at a time, in order, as a broker does. A malformed or oversized frame, or an
 * API it does not serve, closes that connection; the listener and the engine go on.
 */
export async function startKafkaListener(opts: KafkaListenerOptions): Promise<KafkaListener> {
  const broker = new Broker(opts.engine.topics, opts.afterWrite);
  // the broker's own topics are compacted as Kafka's log cleaner compacts them
  const compactor = new InternalCompactor(opts.engine.topics);
  const groups = new GroupCoordinator(opts.engine.topics, compactor);
  // the clients' consumer groups count among a topic's consumers (SHOW TOPICS EXTENDED)
  opts.engine.externalConsumers = () => groups.consumerAssignments();
  // and the queries' groups show as consumer groups, as ksqlDB's Kafka Streams consumers do
  groups.hosted = { ids: () => queryGroupIds(opts.engine), get: (id) => queryConsumerGroup(opts.engine, id) };
  const topics = opts.engine.topics;
  // transactional ids' producer ids and epochs are kept in __transaction_state, as Kafka keeps them,
  // so with --data-dir a producer goes on after a restart; the topic is made on first use
  const saved = new Map<string, SavedTransaction>();
  for (const r of topics.get(TRANSACTIONS_TOPIC)?.partitions[0]?.all() ?? []) {
    // (a record not of the coordinator's shape, which only a client could have written, is passed over)
    if (r.key && r.value) { try { const s = JSON.parse(r.value.toString('utf8')) as unknown; if (isSavedTransaction(s)) saved.set(r.key.toString('utf8'), s); } catch { /* not ours */ } }
  }
  const transactions = new TransactionCoordinator({
    append: (topic, partition, batch) => { topics.appendBatch(topic, partition, batch); },
    commitOffset: (groupId, topic, partition, offset, metadata) => groups.commitFromTransaction(groupId, topic, partition, offset, metadata),
    hasPartition: (topic, partition) => topics.get(topic)?.partitions[partition] !== undefined,
    atomically: (fn) => { topics.atomically(fn); },
    newProducerId: () => broker.initProducerId().producerId,
    written: () => broker.written(),
    save: (id, state) => {
      if (!topics.has(TRANSACTIONS_TOPIC)) topics.create(TRANSACTIONS_TOPIC, { partitions: 1, replicas: 1, cleanupPolicy: 'compact' });
      topics.append(TRANSACTIONS_TOPIC, { key: Buffer.from(id), value: Buffer.from(JSON.stringify(state)), timestamp: Date.now(), partition: 0 }, 'external');
      compactor.wrote(TRANSACTIONS_TOPIC);
    },
  }, saved);
  topics.onTopic((e) => { if (e.op === 'delete') transactions.forgetTopic(e.name); });
  broker.transactions = transactions;
  const waiters = new Set<() => void>();
  opts.engine.topics.onData(() => { if (waiters.size) for (const w of [...waiters]) w(); });
  const waitForData = (ms: number) => new Promise<void>((resolve) => {
    const done = () => { clearTimeout(t); waiters.delete(done); resolve(); };
    const t = setTimeout(done, Math.max(0, ms));
    // a long poll does not keep a stopping server alive
    t.unref();
    waiters.add(done);
  });
  const sockets = new Set<Socket>();
  let port = opts.port;

  // sockets start reading once readFrames has set them up; a TLS socket reads its handshake first,
  // so it takes the plain path of joined chunks
  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    // an idle connection is closed, as a broker closes it (clients connect again when they need to);
    // a request half sent and never finished is idle too, one being answered (a fetch waiting for
    // data) is not
    const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    // (with requests waiting the timer is set again: their answer is the next activity)
    socket.setTimeout(idleMs);
    socket.on('timeout', () => { if (pending > 0) socket.setTimeout(idleMs); else socket.destroy(); });
    const creds = opts.saslPlain;
    // listening on every address, the broker is named by the one this client reached (Kafka refuses
    // to advertise 0.0.0.0, which sends a client on another host back to itself)
    const plain = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');
    const advertised = isWildcard(opts.host) && socket.localAddress ? plain(socket.localAddress) : opts.host;
    const clientHost = plain(socket.remoteAddress) || '127.0.0.1';
    const sasl: ApiContext['sasl'] = { authenticated: !creds, check: creds ? (u, p) => safeEqual(u, creds.username) && safeEqual(p, creds.password) : undefined };
    let chain = Promise.resolve();
    let pending = 0;
    const drop = () => { socket.destroy(); };
    readFrames(socket, {
      // a request has at least its header; a bare SASL token (after SaslHandshake v0) may be shorter
      least: () => (sasl.rawTokenNext ? 0 : 8),
      max: MAX_REQUEST,
      frame: (frame, done) => {
        // requests are answered one at a time: past a few waiting, the connection is not read until
        // they are, as a broker stops reading a connection whose answers wait to go out
        if (++pending > MAX_PENDING && !socket.isPaused()) socket.pause();
        chain = chain.then(() => handle(frame)).finally(done).then(() => { if (--pending <= MAX_PENDING / 2 && socket.isPaused() && !socket.destroyed) socket.resume(); }).catch(drop);
      },
      // a Produce request's records are copied into the log (and a bare SASL token, which may read
      // as any key, keeps nothing): its frame's memory serves the next one
      reusable: (apiKey) => apiKey === 0,
      bad: drop,
    }, { chunks: opts.tls !== undefined });
    socket.on('error', () => undefined);
    socket.on('close', () => { sockets.delete(socket); });

    // set once an answer ended the connection: requests read after it are not answered
    let closing = false;
    const handle = async (frame: Buffer) => {
      if (socket.destroyed || closing) return;
      if (sasl.rawTokenNext) {
        // after a SaslHandshake v0 the frame is the bare PLAIN token; success is an empty token back
        sasl.rawTokenNext = false;
        if (plainTokenProblem(sasl, frame) !== undefined) throw new WireError('SASL/PLAIN authentication failed');
        socket.write(Buffer.alloc(4));
        return;
      }
      const r = new Reader(frame);
      const key = r.int16(), version = r.int16(), correlationId = r.int32();
      const clientId = r.nullableString() ?? '';
      const api = APIS.find((a) => a.key === key);
      if (!api) throw new WireError(`unknown API key ${key}`);
      // a flexible version's request header (v2) ends with tagged fields; ApiVersions v3 is flexible too
      const flexible = key === 18 ? version >= 3 : api.flexible !== undefined && version >= api.flexible;
      if (flexible) r.tags();
      // with SASL on, only the handshake comes before authentication; anything else closes the connection
      if (!sasl.authenticated && ![17, 18, 36].includes(key)) throw new WireError(`${api.name} before SASL authentication`);
      let body: Writer | null;
      let ctx: ApiContext | undefined;
      if (version < api.min || version > api.max) {
        // a client asks for ApiVersions at its newest version first: answer in v0 with the range we serve
        if (key !== 18) throw new WireError(`${api.name} v${version} is not supported`);
        body = new Writer().int16(UNSUPPORTED_VERSION).array([api], (w, a) => w.int16(a.key).int16(a.min).int16(a.max));
      } else {
        ctx = { broker, groups, transactions, clusterId: opts.clusterId, host: advertised, port, clientId, clientHost, waitForData, sasl };
        body = await api.handle(version, r, ctx);
      }
      if (body === null || socket.destroyed) { if (ctx?.closeAfter) socket.destroy(); return; }
      const payload = body.toBuffer();
      // a flexible response's header (v1) carries tagged fields after the correlation id, but for ApiVersions
      const tagged = flexible && key !== 18 ? 1 : 0;
      const head = Buffer.alloc(8 + tagged);
      head.writeInt32BE(4 + tagged + payload.length, 0);
      head.writeInt32BE(correlationId, 4);
      // (an answer after which the connection closes goes out first: end() flushes it)
      if (ctx?.closeAfter) { closing = true; socket.end(Buffer.concat([head, payload], head.length + payload.length)); return; }
      // an answer the client does not take yet holds up the next one
      if (!socket.write(Buffer.concat([head, payload], head.length + payload.length))) await drained(socket);
    };
  };
  const server: Server = opts.tls
    ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: 10_000 }, accept)
    : createServer({ pauseOnConnect: true }, accept);
  // every connection is known from its first byte, a TLS one still in its handshake too, so close() ends it
  server.on('connection', (socket: Socket) => { sockets.add(socket); socket.on('close', () => { sockets.delete(socket); }); });
  // a client that fails the TLS handshake is dropped; the listener goes on
  server.on('tlsClientError', (_e, socket: Socket) => { socket.destroy(); });
  server.listen(opts.port, opts.host);
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
  return {
    port,
    async close() {
      groups.close();
      transactions.close();
      // fetches waiting for data end now: their connections go
      for (const w of [...waiters]) w();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Engine, type ExecContext } from '../engine.js';
import { genericError, toErrorBody, type ErrorBody } from './errors.js';
import { handleKsql, handleTerminateCluster } from './ksql-endpoint.js';
import { handleQuery, handleCloseQuery, type PushRegistry } from './query-endpoints.js';
import { acceptedTypes } from '../util/media-types.js';
import { handleInsertsStream } from './inserts-endpoint.js';
import { drainKept, Journal, JournalBroken } from '../storage/journal.js';
import { startKafkaListener, type KafkaListener } from '../kafka/listener.js';
import { startRegistryListener, type RegistryListener } from '../schema-registry/server.js';
import { basicAuthHeader, credentialsMatch } from '../util/basic-auth.js';
import { urlHost } from '../util/url-host.js';

export interface LocalServerOptions {
  /** Port to listen on; 0 picks a free one. Default 8088. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Directory for the command log and topic data; in memory when absent. */
  dataDir?: string;
  /** A data dir's journal over this many bytes is compacted, at start-up and while running (default 64 MiB; -1: never). */
  journalCompactBytes?: number;
  /** Told of what goes wrong without stopping the server (a journal compaction that failed). */
  warn?: (message: string) => void;
  /** `user:password` to require HTTP Basic auth. */
  basicAuth?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Property defaults, e.g. `ksql.streams.auto.offset.reset`. */
  properties?: Record<string, string>;
  /** The broker's log.retention.bytes per topic partition. Default -1: keep every record. */
  logRetentionBytes?: number;
  /** Also serve the Kafka protocol on this port (0 picks a free one); off when absent. */
  kafkaPort?: number;
  /** `user:password` that Kafka clients must present with SASL/PLAIN. */
  kafkaSaslPlain?: string;
  /** The Kafka listener serves TLS with tlsCert and tlsKey (SSL, or SASL_SSL with kafkaSaslPlain). */
  kafkaTls?: boolean;
  /** The Kafka listener's connections.max.idle.ms. */
  kafkaIdleMs?: number;
  /**
   * How long a connection may take to send a request's first byte and its headers (default 60 s),
   * and its whole request (default 5 minutes; a push query's answer may stream for as long as it
   * likes): Node's headersTimeout and requestTimeout. Past them the connection is closed.
   */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Port of the Schema Registry REST API (0 picks a free one); not served when absent. */
  schemaRegistryPort?: number;
}

export interface LocalServer {
  url: string; port: number; engine: Engine;
  /** The bytes of a torn last journal line the start dropped (its input is processed again), or 0. */
  droppedJournalBytes: number;
  /** `host:port` of the Kafka listener, when it runs. */
  kafkaBootstrap?: string;
  /** The Schema Registry's URL, when `schemaRegistryPort` was given. */
  schemaRegistryUrl?: string;
  close(): Promise<void>;
}

/**
 * The largest request body taken. ksqlDB sets none; a migration of seed data (hundreds of thousands of
 * INSERT VALUES, tens of MB) goes as one request, so the bound is well above that, and is there only so
 * that one request cannot take the process's memory (a body costs about 70 times its size while it runs).
 */
const MAX_BODY = 64 * 1024 * 1024;
/** ksql.server.command.response.timeout.ms: how long a request waits for the command it names. */
const COMMAND_TIMEOUT_MS = 5000;
export const SERVER_VERSION = '7.6.0';
/** Paths ksqlDB serves without authentication, whatever its settings. */
const OPEN_PATHS = new Set(['/healthcheck', '/v1/metadata', '/v1/metadata/id']);
/**
 * The media types each endpoint answers in (an Accept naming none of them gets 406, as the routes
 * ksqlDB declares what they produce): /query-stream writes delimited rows, JSON, or the /query shape.
 */
const PRODUCES: Record<string, RegExp | undefined> = {
  '/ksql': /^(application\/(vnd\.ksql\.v1\+json|json|\*)|\*\/\*)$/,
  '/query': /^(application\/(vnd\.ksql\.v1\+(json|protobuf)|json|\*)|\*\/\*)$/,
  '/query-stream': /^(application\/(vnd\.ksqlapi\.delimited\.v1|vnd\.ksql\.v1\+json|json|\*)|\*\/\*)$/,
  '/inserts-stream': /^(application\/(vnd\.ksqlapi\.delimited\.v1|json|\*)|\*\/\*)$/,
};

/** The certificate and key cannot serve TLS: a file that cannot be read, is no PEM, or a key that is not the certificate's. */
export class TlsFilesError extends Error {}

/** Reads the certificate and key once, and checks that they make a TLS context. */
function readTlsFiles(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const read = (file: string) => { try { return readFileSync(file); } catch (e) { throw new TlsFilesError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); } };
  const files = { cert: read(certFile), key: read(keyFile) };
  try { createSecureContext(files); } catch (e) {
    const why = (e as Error).message;
    throw new TlsFilesError(/key values mismatch/.test(why) ? `the key in ${keyFile} is not the key of the certificate in ${certFile}`
      : /PEM|no start line|bad decrypt|asn1|DECODER|unsupported/i.test(why) ? `${certFile} and ${keyFile} must be a PEM certificate and its PEM private key (${why.replace(/^error:[0-9A-F]+:/, '')})` : why);
  }
  return files;
}

/** Starts the local ksqlDB-compatible server and resolves once it listens. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  // the certificate and key, read once and checked before anything starts: the REST API, the
  // registry and (with --kafka-tls) the Kafka listener serve them
  const tls = options.tlsCert && options.tlsKey ? readTlsFiles(options.tlsCert, options.tlsKey) : undefined;
  // the server answers between drains of at most 50,000 records (see Engine.drain)
  const engine = new Engine({ properties: options.properties, logRetentionBytes: options.logRetentionBytes, drainLimit: 50_000 });
  // before the journal's replay, as a stock server's log is the first command of its command topic:
  // what the data dir's statements build on it is replayed over it, and its topic gets its records back;
  // and again after it, as a stock server makes the log at start-up when it is missing (dropped)
  engine.startProcessingLog();
  const compactAboveBytes = options.journalCompactBytes === -1 ? Infinity : options.journalCompactBytes;
  const journal = options.dataDir ? await Journal.open(options.dataDir, engine, { compactAboveBytes, warn: options.warn }) : undefined;
  if (journal) engine.startProcessingLog();
  // once the journal cannot be written, no client's record is taken in (by REST or Kafka): one that
  // is not kept is not held either
  if (journal) engine.topics.refusal = () => (journal.broken ? new JournalBroken(journal.broken) : undefined);
  const pushes: PushRegistry = new Map();
  /** Requests in progress, aborted when the server stops: those still waiting (an ASSERT's TIMEOUT) give up. */
  const waitingRequests = new Set<AbortController>();
  /** Ends each /inserts-stream answer still open, when the server stops. */
  const openInserts = new Set<() => void>();
  const clusterId = journal?.clusterId ?? randomId();
  let port = 0;
  const auth = options.basicAuth ? basicAuthHeader(options.basicAuth) : undefined;

  /** Responses not yet finished: a stopping server lets them end before it closes their connections. */
  const active = new Set<http.ServerResponse>();
  /** HTTP/2 sessions, told to go away (GOAWAY) when the server stops, once their streams have ended. */
  const sessions = new Set<http2.Http2Session>();
  let closing = false;
  const shuttingDown = () => genericError(503, 50303, 'The server is shutting down');
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    active.add(res);
    const done = () => active.delete(res);
    res.once('finish', done);
    res.once('close', done);
    // a request on a connection kept open while the server stops is told so, as ksqlDB does
    if (closing) { send(res, shuttingDown()); return; }
    void route(req, res).catch((e) => {
      if (!res.headersSent) send(res, toErrorBody(e));
      else res.end();
    });
  };

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    // a request target URL cannot read (`//`, `http://[`) is the client's error
    try { url = new URL(req.url ?? '/', 'http://localhost'); } catch { return send(res, genericError(400, 40000, `Invalid request: malformed request target '${String(req.url).slice(0, 200)}'`)); }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    // the health check and the server metadata stay open, as ksqlDB always leaves them, so
    // orchestrators and scripts can probe a secured server
    if (auth && !OPEN_PATHS.has(path) && !credentialsMatch(req.headers.authorization, auth)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="KsqlServer"');
      return send(res, genericError(401, 40100, 'Unauthorized'));
    }
    if (req.method === 'GET') {
      const serverClusterId = () => ({ id: '', scope: { path: [], clusters: { 'kafka-cluster': clusterId, 'ksql-cluster': engine.properties['ksql.service.id'] } } });
      switch (path) {
        case '/': res.writeHead(307, { Location: '/info' }); res.end(); return;
        case '/info': return sendJson(res, 200, { KsqlServerInfo: { version: SERVER_VERSION, kafkaClusterId: clusterId, ksqlServiceId: engine.properties['ksql.service.id'], serverStatus: 'RUNNING' } });
        case '/healthcheck': {
          // a data dir that can no longer be written leaves the server unhealthy: it takes no writes
          const ok = !journal?.broken;
          return sendJson(res, ok ? 200 : 503, { isHealthy: ok, details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: ok } }, serverState: 'READY' });
        }
        case '/status': return sendJson(res, 200, { commandStatuses: Object.fromEntries(engine.commands.map((c) => [c.id, c.status])) });
        case '/clusterStatus': return sendJson(res, 200, { clusterStatus: { [`${options.host ?? '127.0.0.1'}:${port}`]: { hostAlive: true, lastStatusUpdateMs: Date.now(), activeStandbyPerQuery: {}, hostStoreLags: { stateStoreLags: {}, updateTimeMs: Date.now() } } } });
        // ksqlDB's ServerMetadata and ServerClusterId: the Kafka and ksqlDB clusters as a scope
        case '/v1/metadata': return sendJson(res, 200, { version: SERVER_VERSION, clusterId: serverClusterId() });
        case '/v1/metadata/id': return sendJson(res, 200, serverClusterId());
      }
      // whether a client may set a property in its requests: ksqlDB refuses only those its
      // ksql.properties.overrides.denylist names, empty unless configured, as it is here
      if (path.startsWith('/is_valid_property/') && path.length > '/is_valid_property/'.length) return sendJson(res, 200, true);
      if (path.startsWith('/status/')) {
        let id: string;
        try { id = decodeURIComponent(path.slice('/status/'.length)); } catch { return send(res, genericError(400, 40000, 'Invalid request: malformed percent-encoding in the command id')); }
        const c = [...engine.commands].reverse().find((x) => x.id === id);
        if (!c) return send(res, genericError(404, 40400, `Command not found: ${id}`));
        return sendJson(res, 200, { status: c.status, message: c.message, queryId: c.queryId });
      }
    }
    if (req.method === 'POST' && journal?.broken && ['/ksql', '/inserts-stream', '/ksql/terminate'].includes(path)) {
      return send(res, genericError(503, 50300, new JournalBroken(journal.broken).message));
    }
    if (req.method === 'POST' && ['/ksql', '/query', '/query-stream', '/close-query', '/inserts-stream', '/ksql/terminate'].includes(path)) {
      const types = PRODUCES[path];
      if (types) {
        const accept = String(req.headers.accept ?? '*/*');
        // each media type whole (parameters aside), in any case, as media types are compared; one the client gives q=0 it refuses
        if (!acceptedTypes(accept).some((a) => types.test(a))) {
          return send(res, genericError(406, 40600, `Unsupported media type: ${accept}`));
        }
      }
      if (path === '/inserts-stream') {
        // as a real server: this endpoint is HTTP/2 only (/query-stream takes HTTP/1.1 since 0.24)
        if (req.httpVersionMajor !== 2) return send(res, genericError(400, 40004, 'This endpoint is only available when using HTTP2'));
        return handleInsertsStream(engine, req, res, journal, openInserts);
      }
      let raw: string;
      try { raw = await readBody(req); } catch (e) {
        // (what is still to come of the body is read and dropped once the answer is out, so a client
        // still sending it reads the answer, not a reset)
        if ((e as Error).message === 'too large') return send(res, genericError(413, 41300, `Request body exceeds the limit of ${MAX_BODY} bytes`));
        throw e;
      }
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
        body = parsed as Record<string, unknown>;
      } catch (e) {
        return send(res, genericError(400, 40000, `Invalid JSON in request: ${(e as Error).message}`));
      }
      // read-after-write: a request naming a command sequence number runs once that command has
      // executed here, or answers 503 after ksql.server.command.response.timeout.ms (5 s)
      const csn = body.commandSequenceNumber;
      if ((path === '/ksql' || path === '/query') && csn !== undefined && csn !== null) {
        if (typeof csn !== 'number' || !Number.isInteger(csn)) return send(res, genericError(400, 40000, 'Invalid request: "commandSequenceNumber" must be a whole number'));
        for (const deadline = Date.now() + COMMAND_TIMEOUT_MS; engine.nextOffset <= csn;) {
          if (Date.now() >= deadline) return send(res, genericError(503, 50301, `Timed out while waiting for a previous command to execute. command sequence number: ${csn}`));
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      switch (path) {
        case '/ksql': {
          // a request that waits (an ASSERT) stops waiting when its client leaves or the server stops
          // (one controller per request, dropped when it ends: signals derived from a long-lived one
          // with AbortSignal.any are kept until that one aborts, on Node 20)
          const waiting = new AbortController();
          res.once('close', () => waiting.abort());
          waitingRequests.add(waiting);
          try {
            let answer;
            try { answer = await handleKsql(engine, body, journal, waiting.signal); } catch (e) { if (!closing) throw e; answer = shuttingDown(); }
            // (one the stopping server cut short is answered so: it did not fail on its own)
            return send(res, closing && waiting.signal.aborted ? shuttingDown() : answer);
          } finally { waitingRequests.delete(waiting); }
        }
        case '/query': case '/query-stream': return handleQuery(engine, body, req, res, pushes, path === '/query' ? 'legacy' : undefined);
        case '/close-query': {
          const closed = handleCloseQuery(body, pushes);
          // a query closed is answered with no body, as ksqlDB's handler ends the response
          if (closed.status === 200) { res.writeHead(200, { 'Content-Length': 0 }); res.end(); return; }
          return send(res, closed);
        }
        case '/ksql/terminate': return send(res, await handleTerminateCluster(engine, body, journal));
      }
    }
    if (['/ksql', '/query', '/query-stream', '/close-query', '/inserts-stream'].includes(path)) {
      return send(res, genericError(405, 40500, `Method ${req.method} not allowed on ${path}`));
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found');
  }

  // One port speaks HTTP/1.1 and HTTP/2: TLS negotiates by ALPN; cleartext is told apart by the
  // HTTP/2 connection preface ("PRI * HTTP/2.0"), so clients may use h2c with prior knowledge.
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  /** Stops the HTTP/1.1 server's timeout checks (it never listens itself). */
  let stopChecks = () => undefined as void;
  const headersTimeout = options.headersTimeoutMs ?? 60_000;
  if (tls) {
    // as on the cleartext port: a connection that does not finish its handshake when its headers are
    // due is closed, and so is an HTTP/1.1 one that sends no whole request by then
    const secure = http2.createSecureServer({ ...tls, allowHTTP1: true, handshakeTimeout: headersTimeout }, handler as never);
    secure.on('secureConnection', (socket: net.Socket & { alpnProtocol?: string | false }) => { if (socket.alpnProtocol !== 'h2') socket.setTimeout(headersTimeout, () => socket.destroy()); });
    // (between requests a kept-alive HTTP/1.1 connection is closed after 5 s, as the cleartext port's keepAliveTimeout)
    secure.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.httpVersionMajor !== 1) return;
      const socket = req.socket;
      socket.setTimeout(0);
      res.once('finish', () => { if (!socket.destroyed) socket.setTimeout(5000, () => socket.destroy()); });
    });
    secure.on('session', (session: http2.Http2Session) => { sessions.add(session); session.once('close', () => sessions.delete(session)); });
    server = secure;
  } else {
    const h1 = http.createServer({
      headersTimeout, requestTimeout: options.requestTimeoutMs ?? 300_000,
      connectionsCheckingInterval: Math.min(30_000, Math.max(10, Math.floor(headersTimeout / 4))),
    }, handler);
    h1.keepAliveTimeout = 5000;
    stopChecks = () => { h1.close(() => undefined); };
    // Node checks these timeouts on a server that emitted 'listening'; connections come to this one
    // from the net server below, which listens in its place
    h1.emit('listening');
    const h2 = http2.createServer({}, handler as never);
    h2.on('session', (session: http2.Http2Session) => { sessions.add(session); session.once('close', () => sessions.delete(session)); });
    server = net.createServer((socket) => {
      // a connection reset before its first byte (a port scan, a TCP health check) ends only itself;
      // one that sends nothing is closed when its headers would have been due
      socket.on('error', () => socket.destroy());
      socket.setTimeout(headersTimeout, () => socket.destroy());
      socket.once('data', (chunk: Buffer) => {
        socket.setTimeout(0);
        socket.pause();
        if (chunk.subarray(0, 3).toString('latin1') !== 'PRI') {
          socket.unshift(chunk);
          h1.emit('connection', socket);
          socket.resume();
          return;
        }
        // http2 reads a native socket's handle directly, so the bytes already read are replayed through a duplex
        const duplex = new Duplex({
          read() { socket.resume(); },
          write(data, encoding, cb) { socket.write(data, encoding, cb); },
          final(cb) { socket.end(); cb(); },
          destroy(err, cb) { socket.destroy(err ?? undefined); cb(err); },
        });
        duplex.push(chunk);
        socket.on('data', (d: Buffer) => { if (!duplex.push(d)) socket.pause(); });
        socket.on('end', () => duplex.push(null));
        socket.on('close', () => duplex.destroy());
        socket.on('error', (e) => duplex.destroy(e));
        h2.emit('connection', duplex);
      });
    });
  }
  // small writes (an HTTP/2 frame, a row) go out at once: Nagle's algorithm would hold each behind the
  // client's delayed ACK, about 40 ms a request on h2c (Node's HTTP/1.1 server sets this itself)
  server.on('connection', (s: net.Socket) => { s.setNoDelay(true); sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('secureConnection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const host = options.host ?? '127.0.0.1';
  let registry: RegistryListener | undefined;
  let kafka: KafkaListener | undefined;
  /**
   * Stops the listeners, the port's connections and the journal. After a listener that could not
   * start (`quiet`) their errors are passed over: what started stops, and no half-started server
   * keeps a port, the data dir's lock or the process alive.
   */
  const stopAll = async (quiet: boolean) => {
    const settle = (p: Promise<void> | undefined) => (quiet ? p?.catch(() => undefined) : p);
    await settle(kafka?.close());
    await settle(registry?.close());
    // (a server that stops has closed its listener already: its connections go all the same)
    const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    for (const s of sockets) s.destroy();
    await closed;
    stopChecks();
    await settle(journal?.close());
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8088, host, () => { server.off('error', reject); resolve(); });
    });
    port = (server.address() as AddressInfo).port;
    engine.hostAddress = `${options.host ?? '127.0.0.1'}:${port}`;
    if (options.schemaRegistryPort !== undefined) {
      // the registry holds the same data as the server: it takes the same credentials and TLS
      try { registry = await startRegistryListener(engine.registry, options.schemaRegistryPort, host, { basicAuth: options.basicAuth, tls }); } catch (e) {
        throw Object.assign(e as Error, { listener: 'schema-registry' });
      }
      // SHOW PROPERTIES names the registry, as a ksqlDB server configured with one does
      engine.properties['ksql.schema.registry.url'] = registry.url;
    }
    if (options.kafkaPort !== undefined) {
      const sasl = options.kafkaSaslPlain?.match(/^([^:]+):(.+)$/);
      try {
        kafka = await startKafkaListener({ engine, port: options.kafkaPort, host, clusterId, afterWrite: () => { drainKept(engine); }, saslPlain: sasl ? { username: sasl[1]!, password: sasl[2]! } : undefined,
          tls: options.kafkaTls ? tls : undefined, idleMs: options.kafkaIdleMs });
      } catch (e) {
        throw Object.assign(e as Error, { listener: 'kafka' });
      }
    }
  } catch (e) {
    await stopAll(true);
    throw e;
  }
  const scheme = options.tlsCert ? 'https' : 'http';
  // a server on every interface is reached by its loopback address
  const hostInUrl = urlHost(host);
  return {
    url: `${scheme}://${hostInUrl}:${port}`,
    port,
    engine,
    droppedJournalBytes: journal?.droppedBytes ?? 0,
    kafkaBootstrap: kafka ? `${hostInUrl}:${kafka.port}` : undefined,
    schemaRegistryUrl: registry?.url,
    async close() {
      // requests in progress get their answers: those waiting give up (503, shutting down), push
      // queries end as at their LIMIT, inserts streams with the rows taken, and each response may finish (for at most a second, as a
      // client that reads nothing would hold it) before the connections close; HTTP/2 sessions are
      // told to go away
      closing = true;
      for (const w of waitingRequests) w.abort();
      for (const p of pushes.values()) p.handle.close();
      for (const end of [...openInserts]) end();
      if (server.listening) server.close();
      await Promise.race([
        // (an HTTP/2 answer ended while its request is still open, an inserts stream's, finishes only
        // with the stream: ended is enough there, as the session's close below waits for its data)
        Promise.all([...active].map((r) => new Promise<void>((resolve) => {
          if (r.destroyed || r.writableFinished || ('stream' in r && r.writableEnded)) { resolve(); return; }
          r.once('finish', () => resolve());
          r.once('close', () => resolve());
          if ('stream' in r) (r as unknown as http2.Http2ServerResponse).stream.once('finish', () => resolve());
        }))),
        new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
      await Promise.race([
        Promise.all([...sessions].map((session) => new Promise<void>((resolve) => session.close(() => resolve())))),
        new Promise<void>((resolve) => setTimeout(resolve, 200).unref()),
      ]);
      await stopAll(false);
    },
  };
}

function randomId(): string {
  return Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('base64url').slice(0, 22);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    // a body declared larger than the limit is refused at once, not after it was sent
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY) { reject(new Error('too large')); return; }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { if (!failed) { failed = true; reject(new Error('too large')); } return; }
      chunks.push(c);
    });
    req.on('end', () => { if (!failed) resolve(Buffer.concat(chunks).toString('utf8')); });
    req.on('error', reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function send(res: http.ServerResponse, r: ErrorBody | { status: number; body: unknown; raw?: string }): void {
  if ('raw' in r && r.raw !== undefined) {
    res.writeHead(r.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(r.raw) });
    res.end(r.raw);
    return;
  }
  sendJson(res, r.status, r.body);
}

export type { ExecContext };

import http2 from 'node:http2';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Agent, fetch } from 'undici';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function healthy(url: string): Promise<boolean> {
  try { return (await fetch(`${url}/healthcheck`)).ok; } catch { return false; }
}

export interface Running {
  url: string; proc: ChildProcess; output: () => string;
  /** Waits until the output matches: a line may arrive after /healthcheck has answered. */
  outputMatching(pattern: RegExp, ms?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `start` again (up to three more times) when it fails on a port another test took between
 * freePort() and the server's listen: free ports are picked, not reserved, and test files run in
 * parallel.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try { return await start(); } catch (e) {
      if (attempt >= 3 || !/is already in use/.test((e as Error).message)) throw e;
    }
  }
}

/** Starts `ksql-migrate server` as a child process and waits for /healthcheck. */
export function startServerProcess(args: string[] = [], opts: { tls?: boolean; nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Running> {
  // (the REST port is picked here: one another test took meanwhile is picked again)
  return retryOnPortClash(() => startOnce(args, opts));
}

async function startOnce(args: string[], opts: { tls?: boolean; nodeArgs?: string[]; env?: NodeJS.ProcessEnv }): Promise<Running> {
  const port = await freePort();
  // the Kafka listener only when a test asks for it, and the Schema Registry on a free port: parallel
  // servers would all want ports 9092 and 8081
  const kafka = args.includes('--kafka-port') ? [] : ['--no-kafka'];
  const sr = args.includes('--schema-registry-port') ? [] : ['--schema-registry-port', '0'];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'server', '--port', String(port), ...kafka, ...sr, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${out}`);
    if (opts.tls ? /listening on https/.test(out) : await healthy(url)) break;
    if (Date.now() > deadline) throw new Error(`server did not become healthy: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url, proc, output: () => out,
    async outputMatching(pattern: RegExp, ms = 10_000) {
      for (const deadline = Date.now() + ms; !pattern.test(out) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
      return out;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      const [code] = await once(proc, 'exit');
      return code as number | null;
    },
  };
}

/**
 * A connection per request: tests block their event loop in spawnSync while the server closes idle
 * keep-alive connections, so a pooled one may be reused just after its close, before the client saw it.
 */
const freshConnections = new Agent({ pipelining: 0 });

export async function ksql(url: string, sql: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/ksql`, {
    dispatcher: freshConnections,
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' }, ...extra }),
  });
  return { status: r.status, body: await r.json() };
}

/** A pull or push query over /query-stream (delimited): the header and the rows. */
export async function queryStream(url: string, sql: string): Promise<{ status: number; header: any; rows: unknown[][]; raw: string }> {
  const r = await fetch(`${url}/query-stream`, {
    dispatcher: freshConnections,
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/vnd.ksqlapi.delimited.v1' },
    body: JSON.stringify({ sql, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }),
  });
  const raw = await r.text();
  if (r.status !== 200) return { status: r.status, header: JSON.parse(raw), rows: [], raw };
  const lines = raw.split('\n').filter(Boolean);
  return { status: r.status, header: JSON.parse(lines[0]!), rows: lines.slice(1).map((l) => JSON.parse(l)), raw };
}

/** An /inserts-stream request over HTTP/2 (cleartext, prior knowledge), as ksqlDB serves that endpoint: lines are written as `write` is called. */
export function insertsStreamRequest(url: string, accept?: string): { write(text: string): void; end(): void; response: Promise<{ status: number; text: string; type?: string }>; onData(f: (chunk: string) => void): void } {
  // (a session may hold more than its default 10 MB: a test writes a line longer than that at once)
  const session = http2.connect(url, { maxSessionMemory: 64 });
  session.on('error', () => undefined);
  const req = session.request({ ':method': 'POST', ':path': '/inserts-stream', 'content-type': 'application/vnd.ksqlapi.delimited.v1', ...(accept === undefined ? {} : { accept }) });
  let status = 0, text = '', type: string | undefined;
  const listeners: ((chunk: string) => void)[] = [];
  req.setEncoding('utf8');
  req.on('data', (d: string) => { text += d; for (const l of listeners) l(d); });
  const response = new Promise<{ status: number; text: string; type?: string }>((resolve, reject) => {
    req.on('response', (h) => { status = Number(h[':status']); type = h['content-type']; });
    req.on('end', () => { session.close(); resolve({ status, text, type }); });
    req.on('error', (e) => { session.close(); reject(e); });
  });
  return { write: (t) => { req.write(t); }, end: () => { req.end(); }, response, onData: (f) => { listeners.push(f); } };
}

/** Sends `body` to /inserts-stream over HTTP/2 in one go: the status and the acks' text. */
export function insertsStream(url: string, body: string, accept?: string): Promise<{ status: number; text: string; type?: string }> {
  const r = insertsStreamRequest(url, accept);
  r.write(body);
  r.end();
  return r.response;
}

/**
 * A query sent on a socket of its own and read by hand, so a test can stop reading part way (the
 * server then has a slow client) and read again. `text()` is what arrived while it was read.
 */
export async function rawQuery(url: string, path: '/query' | '/query-stream', body: unknown, opts: { accept?: string; close?: boolean } = {}) {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const json = JSON.stringify(body);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${opts.accept ? `Accept: ${opts.accept}\r\n` : ''}Content-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(json)}\r\n${opts.close ? 'Connection: close\r\n' : ''}\r\n${json}`);
  let received = '';
  const onData = (d: Buffer) => { received += d.toString('latin1'); };
  socket.on('data', onData);
  return {
    socket,
    text: () => received,
    /** Resolves once what arrived holds `part`. */
    async waitFor(part: string): Promise<void> { while (!received.includes(part)) await once(socket, 'data'); },
    stopReading(): void { socket.off('data', onData); socket.pause(); },
    readAgain(): void { socket.on('data', onData); socket.resume(); },
  };
}

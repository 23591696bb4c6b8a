import { Agent, request, type Dispatcher } from 'undici';
import { HealthCheck, KsqlError, KsqlResponse, QueryStreamHeader, ServerInfo } from './entities.js';
import { z } from 'zod';

export interface ClientOptions {
  url: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Skip TLS certificate checks (a warning is the caller's to print). */
  insecure?: boolean;
  /** false: the certificate need not name the host (it is still verified against the trusted CAs). */
  verifyHost?: boolean;
  /** PEM contents: a CA to trust, and a client certificate and key for mutual TLS. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Observes each request (for --verbose); bodies never carry credentials. */
  onRequest?: (method: string, path: string, body: string) => void;
  /** Retries for connection errors and 503s on requests that are safe to repeat (default 3). */
  retries?: number;
  /** streamsProperties sent with every /ksql request and as properties with queries. */
  properties?: Record<string, unknown>;
  /** How long connecting (TLS included) may take (undici's default: 10 s). */
  connectTimeoutMs?: number;
}

/** The server could not be reached (refused, DNS, TLS, timeout). */
export class UnreachableError extends Error {
  /**
   * `mayHaveRun`: the request may have reached the server and run (the connection broke or the time
   * ran out after it was sent, or something else answered for it), as opposed to one that never went
   * out (connection refused, a host name that does not resolve, a TLS or connect failure).
   */
  constructor(message: string, readonly mayHaveRun = true) { super(message); }
}
/** 401/403. */
export class AuthError extends Error {}
/** ksqlDB answered with an error entity. */
export class ServerError extends Error {
  constructor(readonly status: number, readonly body: { error_code?: number; message?: string; statementText?: string; '@type'?: string }) {
    super(body.message ?? `HTTP ${status}`);
  }

  /**
   * The message on one line: its first paragraph, lines joined. ksqlDB puts what to do on the lines
   * after the first ("The following queries read from this source: ..."), and lists of possible
   * causes after a blank line.
   */
  get brief(): string { return briefMessage(this.message); }
}

/** A message's first paragraph on one line. */
export function briefMessage(message: string): string {
  const lines: string[] = [];
  for (const l of message.split('\n')) { if (!l.trim()) { if (lines.length) break; continue; } lines.push(l.trim()); }
  return lines.join(' ');
}

export interface QueryResult { columnNames: string[]; columnTypes: string[]; rows: unknown[][] }

/** The only code that speaks HTTP to ksqlDB. */
export class KsqlClient {
  private seq: number | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  constructor(private readonly opts: ClientOptions) {
    const tls = opts.insecure || opts.ca || opts.cert || opts.verifyHost === false;
    const connectTimeout = opts.connectTimeoutMs === undefined ? {} : { timeout: opts.connectTimeoutMs };
    this.dispatcher = tls || opts.connectTimeoutMs !== undefined
      ? new Agent({ connect: { rejectUnauthorized: !opts.insecure, ca: opts.ca, cert: opts.cert, key: opts.key, ...(opts.verifyHost === false ? { checkServerIdentity: () => undefined } : {}), ...connectTimeout } })
      : undefined;
  }

  get url(): string { return this.opts.url.replace(/\/+$/, ''); }
  /** The properties sent with every request. */
  get properties(): Record<string, unknown> { return { ...this.opts.properties }; }

  private async post(path: string, body: unknown, accept: string, safe: boolean, waitMs = 0): Promise<{ status: number; text: string }> {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept, ...this.commonHeaders() };
    const attempts = safe ? (this.opts.retries ?? 3) + 1 : 1;
    for (let i = 0; ; i++) {
      this.opts.onRequest?.('POST', path, text);
      try {
        const timeout = (this.opts.timeoutMs ?? 30_000) + waitMs;
        const res = await request(`${this.url}${path}`, { method: 'POST', body: text, headers, headersTimeout: timeout, bodyTimeout: timeout, dispatcher: this.dispatcher });
        const out = await res.body.text();
        if (res.statusCode === 401 || res.statusCode === 403) throw new AuthError(this.refused(res.statusCode));
        if (res.statusCode === 503 && i + 1 < attempts) { await sleep(200 * 2 ** i); continue; }
        return { status: res.statusCode, text: out };
      } catch (e) {
        if (e instanceof AuthError) throw e;
        // a server that took the connection and did not answer in the time given is not asked again:
        // the timeout is the limit (a connection refused or reset is retried)
        if (i + 1 < attempts && !timedOut(e)) { await sleep(200 * 2 ** i); continue; }
        const why = describeNetworkError(this.url, e);
        throw new UnreachableError(why, !neverSent(e, why));
      }
    }
  }

  /**
   * An error answer. One that is no ksqlDB error (no JSON with an error code or message: a web
   * server's page, a proxy's 502) did not come from ksqlDB: that is not reaching it (exit 3), and
   * the page is not shown.
   */
  private parseError(status: number, text: string, path: string): never {
    let body: unknown;
    try { body = JSON.parse(text); } catch { body = undefined; }
    const parsed = KsqlError.safeParse(body);
    if (parsed.success) throw new ServerError(status, parsed.data);
    // an error entity without its @type is still ksqlDB's when its code is one of ksqlDB's five-digit
    // ones; another JSON API's error (a Schema Registry's {"error_code":404,...}) is not
    const b = body as { message?: unknown; error_code?: unknown; '@type'?: unknown } | undefined;
    const code = b?.error_code;
    if (b !== null && typeof b === 'object' && typeof b.message === 'string' && (typeof b['@type'] === 'string' || (typeof code === 'number' && code >= 10000 && code <= 99999))) {
      throw new ServerError(status, b as { message?: string });
    }
    throw new UnreachableError(`${this.url}${path} did not answer as ksqlDB does (HTTP ${status} with ${body === undefined ? (text.trim() === '' ? 'an empty body' : 'a body that is no JSON') : 'JSON that is no ksqlDB error'}): is this a ksqlDB server?`);
  }

  /**
   * POST /ksql: statements that are not queries. Sends the highest commandSequenceNumber seen.
   * `readOnly` (SHOW, DESCRIBE, EXPLAIN, LIST) makes the request safe to retry on connection
   * errors and 503s.
   */
  /** `opts.waitMs`: how much longer than the timeout the server may take to answer (statements that wait, ASSERT). */
  async ksql(sql: string, properties: Record<string, unknown> = {}, opts: { readOnly?: boolean; waitMs?: number } = {}): Promise<Array<Record<string, unknown>>> {
    const body: Record<string, unknown> = { ksql: sql, streamsProperties: { ...this.opts.properties, ...properties } };
    if (this.seq !== undefined) body.commandSequenceNumber = this.seq;
    const r = await this.post('/ksql', body, 'application/vnd.ksql.v1+json', opts.readOnly === true, opts.waitMs);
    if (r.status !== 200) this.parseError(r.status, r.text, '/ksql');
    const entities = answer(KsqlResponse, r, `${this.url}/ksql`, 'a list of ksqlDB entities') as Array<Record<string, unknown>>;
    for (const e of entities) {
      const n = e.commandSequenceNumber;
      if (typeof n === 'number' && (this.seq === undefined || n > this.seq)) this.seq = n;
      // a command the server had not finished when it answered: wait for it on /status
      const status = (e.commandStatus as { status?: string } | undefined)?.status;
      if (status && ['QUEUED', 'PARSING', 'EXECUTING'].includes(status) && typeof e.commandId === 'string') await this.waitForCommand(e.commandId, String(e.statementText ?? ''));
    }
    return entities;
  }

  /** A pull query over /query-stream; safe to retry. */
  async query(sql: string, properties: Record<string, unknown> = {}): Promise<QueryResult> {
    const r = await this.post('/query-stream', { sql, properties }, 'application/vnd.ksqlapi.delimited.v1', true);
    if (r.status !== 200) this.parseError(r.status, r.text, '/query-stream');
    const lines = r.text.split('\n').filter((l) => l.trim());
    const header = answer(QueryStreamHeader, { status: r.status, text: lines[0] ?? '' }, `${this.url}/query-stream`, 'a query header');
    const rows: unknown[][] = [];
    for (const l of lines.slice(1)) {
      const v: unknown = answer(z.unknown(), { status: r.status, text: l }, `${this.url}/query-stream`, 'a row');
      if (Array.isArray(v)) rows.push(v);
      else if (v && typeof v === 'object' && 'error_code' in v) throw new ServerError(r.status, v as unknown as { message: string });
    }
    return { columnNames: header.columnNames, columnTypes: header.columnTypes, rows };
  }

  /** Polls GET /status/<commandId> until the command succeeded or failed (or the timeout passed). */
  async waitForCommand(commandId: string, statementText: string): Promise<void> {
    const deadline = Date.now() + (this.opts.timeoutMs ?? 30_000);
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      this.opts.onRequest?.('GET', `/status/${statusPath(commandId)}`, '');
      const res = await request(`${this.url}/status/${statusPath(commandId)}`, { dispatcher: this.dispatcher, headers: this.commonHeaders() });
      const body = await res.body.json().catch(() => ({})) as { status?: string; message?: string };
      if (body.status === 'SUCCESS') return;
      if (body.status === 'ERROR' || body.status === 'TERMINATED') throw new ServerError(400, { message: body.message ?? `command ${commandId} ended ${body.status}`, statementText });
      if (Date.now() > deadline) throw new ServerError(503, { message: `command ${commandId} did not finish within ${this.opts.timeoutMs ?? 30_000} ms (last status ${body.status ?? 'unknown'})`, statementText });
      await sleep(delay);
    }
  }

  /** What every request carries: the configured headers (`server.headers`), then basic auth. */
  /** A 401 or 403: credentials refused, or asked for where none were given. */
  private refused(status: number): string {
    return this.opts.username === undefined
      ? `${this.url} requires credentials (HTTP ${status}) and none are configured: set server.username and server.password (or an API key and secret)`
      : `${this.url} refused the credentials (HTTP ${status}): check the username and password (or API key and secret)`;
  }

  private commonHeaders(): Record<string, string> {
    const headers: Record<string, string> = { ...this.opts.headers };
    if (this.opts.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
    return headers;
  }

  /** GET /healthcheck, answered within `timeoutMs` (connecting and TLS included): its status and text. */
  private async healthcheck(timeoutMs: number): Promise<{ status: number; text: string }> {
    this.opts.onRequest?.('GET', '/healthcheck', '');
    const res = await request(`${this.url}/healthcheck`, { dispatcher: this.dispatcher, headers: this.commonHeaders(), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /** GET /healthcheck: the server's health; a server still starting, or an answer no ksqlDB gives, is an UnreachableError in one line. */
  async health(): Promise<{ isHealthy: boolean; details: Record<string, { isHealthy: boolean }>; serverState?: string }> {
    let status: number, text: string;
    try {
      ({ status, text } = await this.healthcheck(this.opts.timeoutMs ?? 30_000));
    } catch (e) { throw new UnreachableError(describeNetworkError(this.url, e)); }
    const answer = this.healthAnswer(status, text);
    if (answer.health) return answer.health;
    throw new UnreachableError(answer.notReady !== undefined
      ? `ksqlDB at ${this.url} is not ready (HTTP ${status}: ${answer.notReady})`
      : `${this.url}/healthcheck did not answer as ksqlDB does (HTTP ${status}): is this a ksqlDB server?`);
  }

  /**
   * What a /healthcheck answer says: the server's health, or the message of a server still starting
   * (every request answers an error entity then: 503, "KSQL is not yet ready to serve requests."), or
   * neither (no ksqlDB answered). Credentials refused throw AuthError.
   */
  private healthAnswer(status: number, text: string): { health?: z.infer<typeof HealthCheck>; notReady?: string } {
    if (status === 401 || status === 403) throw new AuthError(this.refused(status));
    let body: unknown;
    try { body = JSON.parse(text); } catch { body = undefined; }
    const health = HealthCheck.safeParse(body);
    if (health.success) return { health: health.data };
    const error = KsqlError.safeParse(body);
    return error.success ? { notReady: briefMessage(error.data.message ?? '') } : {};
  }

  /**
   * One look at GET /healthcheck, for waiting on a server: healthy, or why not (not reachable, still
   * starting, components unhealthy, an answer no ksqlDB gives, as a proxy's page while its backend
   * starts). `lasting`: a TLS failure, which waiting does not mend. Credentials refused throw AuthError.
   */
  async probeHealth(timeoutMs: number): Promise<{ healthy: true } | { healthy: false; reason: string; lasting: boolean }> {
    let status: number, text: string;
    try {
      ({ status, text } = await this.healthcheck(timeoutMs));
    } catch (e) {
      const reason = describeNetworkError(this.url, e);
      return { healthy: false, reason, lasting: reason.startsWith('TLS failure') };
    }
    const { health, notReady } = this.healthAnswer(status, text);
    if (health) {
      if (health.isHealthy && status === 200) return { healthy: true };
      const sick = Object.entries(health.details).filter(([, v]) => !v.isHealthy).map(([k]) => k);
      return { healthy: false, reason: `ksqlDB at ${this.url} is unhealthy${sick.length ? ` (${sick.join(', ')})` : ''}${health.serverState ? `, server state ${health.serverState}` : ''}`, lasting: false };
    }
    if (notReady !== undefined) return { healthy: false, reason: `ksqlDB at ${this.url} is not ready (HTTP ${status}): ${notReady}`, lasting: false };
    return { healthy: false, reason: `${this.url}/healthcheck did not answer as ksqlDB does (HTTP ${status})`, lasting: false };
  }

  /**
   * GET /info; safe to retry (connection errors and 503s, as a server starting up answers).
   * `opts.timeoutMs`: the whole of one try, connecting and TLS included; `opts.attempts`: tries in all.
   */
  async info(opts: { timeoutMs?: number; attempts?: number } = {}) {
    const timeout = opts.timeoutMs ?? this.opts.timeoutMs ?? 30_000;
    const attempts = opts.attempts ?? (this.opts.retries ?? 3) + 1;
    for (let i = 0; ; i++) {
      let status: number, text: string;
      try {
        this.opts.onRequest?.('GET', '/info', '');
        const res = await request(`${this.url}/info`, { headersTimeout: timeout, bodyTimeout: timeout, dispatcher: this.dispatcher, headers: this.commonHeaders(), ...(opts.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(opts.timeoutMs) }) });
        status = res.statusCode; text = await res.body.text();
      } catch (e) {
        if (i + 1 < attempts && !timedOut(e)) { await sleep(200 * 2 ** i); continue; }
        throw new UnreachableError(describeNetworkError(this.url, e));
      }
      if (status === 401 || status === 403) throw new AuthError(this.refused(status));
      if (status === 503 && i + 1 < attempts) { await sleep(200 * 2 ** i); continue; }
      let body: unknown;
      try { body = JSON.parse(text); } catch { body = undefined; }
      const info = ServerInfo.safeParse(body);
      if (status === 200 && info.success) return info.data.KsqlServerInfo;
      const message = (body as { message?: unknown } | undefined)?.message;
      throw new UnreachableError(status === 503
        ? `ksqlDB at ${this.url} is not ready (HTTP 503${typeof message === 'string' ? `: ${message}` : ''})`
        : `${this.url}/info did not answer as ksqlDB does (HTTP ${status}): is this a ksqlDB server?`);
    }
  }

  async close(): Promise<void> { await this.dispatcher?.close(); }
}

/**
 * A 200 answer read as `schema` describes it; one that is no JSON, or not of that shape (a proxy's
 * page, a body cut short, another server), is an UnreachableError saying so in one line (exit 3,
 * as for any URL that answers as no ksqlDB does; the page itself is not shown).
 */
function answer<T>(schema: z.ZodType<T>, r: { status: number; text: string }, where: string, expected: string): T {
  let body: unknown;
  try { body = JSON.parse(r.text); } catch {
    throw new UnreachableError(`${where} answered HTTP ${r.status} with ${r.text.trim() === '' ? 'an empty body' : 'a body that is no JSON'}, not ${expected}: is this a ksqlDB server?`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnreachableError(`${where} answered HTTP ${r.status} with JSON that is not ${expected}${issue ? ` (${issue.path.length ? `at ${issue.path.join('.')}: ` : ''}${issue.message})` : ''}: is this a ksqlDB server?`);
  }
  return parsed.data;
}

/** Whether a failed request never went out: refused, a name that does not resolve, a connect timeout, a TLS failure. */
function neverSent(e: unknown, why: string): boolean {
  const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].includes(code ?? '') || why.startsWith('TLS failure');
}

/** Whether a request failed by running out of time (no answer, or no whole one), not by a refused or broken connection. */
function timedOut(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

function describeNetworkError(url: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err.code ?? err.cause?.code;
  // https:// to a port that answers in plain HTTP (OpenSSL reads an HTTP reply as a bad record)
  if (/wrong version number|packet length too long/i.test(`${err.message} ${err.cause?.message ?? ''}`)) {
    return `TLS failure talking to ${url}: the server does not speak TLS on that port (use http://, or the port it serves HTTPS on)`;
  }
  // a request given up after its time (AbortSignal.timeout), connecting or TLS included
  if (err.name === 'TimeoutError' || err.cause?.name === 'TimeoutError') return `ksqlDB at ${url} did not answer in time`;
  switch (code) {
    case 'ECONNREFUSED': return `cannot reach ksqlDB at ${url}: connection refused (is the server running?)`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `cannot reach ksqlDB at ${url}: the host name does not resolve`;
    case 'UND_ERR_HEADERS_TIMEOUT': case 'UND_ERR_BODY_TIMEOUT': case 'UND_ERR_CONNECT_TIMEOUT': return `ksqlDB at ${url} did not answer in time`;
    // a certificate for another host name: its CA may be trusted already
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `TLS failure talking to ${url}: ${code}: the certificate does not name this host (connect by a name it has, or skip the host name check with server.verifyHost: false)`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'CERT_HAS_EXPIRED':
      return `TLS failure talking to ${url}: ${code} (trust its CA with server.caFile, or skip verification with server.insecure: true)`;
    default: return `cannot reach ksqlDB at ${url}: ${err.message ?? String(e)}`;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A command id (`<type>/<entity>/<action>`) as a /status path: ksqlDB routes on the three segments,
 * so only the entity, which may hold backticks and other characters, is URL-encoded.
 */
export function statusPath(commandId: string): string {
  const first = commandId.indexOf('/'), last = commandId.lastIndexOf('/');
  if (first < 0 || first === last) return encodeURIComponent(commandId);
  return `${encodeURIComponent(commandId.slice(0, first))}/${encodeURIComponent(commandId.slice(first + 1, last))}/${encodeURIComponent(commandId.slice(last + 1))}`;
}

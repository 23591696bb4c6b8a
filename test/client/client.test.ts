import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, KsqlClient, ServerError, UnreachableError } from '../../src/client/client.js';

// A scripted HTTP peer for this module's unit tests; the real server is exercised in test/integration.
let server: http.Server | undefined;
afterEach(async () => { await new Promise((r) => (server ? server.close(r) : r(undefined))); server = undefined; });

async function peer(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<string> {
  server = http.createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => handler(req, b, res)); });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const json = (res: http.ServerResponse, status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
const status = (seq: number, s = 'SUCCESS') => ({ '@type': 'currentStatus', statementText: 'X;', commandId: `stream/\`S${seq}\`/create`, commandStatus: { status: s, message: 'ok', queryId: null }, commandSequenceNumber: seq, warnings: [] });

describe('KsqlClient', () => {
  it('accepts an empty entity array and sends back the highest commandSequenceNumber, 0 included', async () => {
    const seen: unknown[] = [];
    let n = 0;
    const url = await peer((_req, body, res) => {
      seen.push(JSON.parse(body).commandSequenceNumber);
      n++;
      json(res, 200, n === 1 ? [] : n === 2 ? [status(0)] : [status(4), status(2)]);
    });
    const c = new KsqlClient({ url });
    expect(await c.ksql('INSERT INTO s VALUES (1);')).toEqual([]);
    await c.ksql('CREATE STREAM a;');
    await c.ksql('CREATE STREAM b; CREATE STREAM c;');
    await c.ksql('SHOW STREAMS;');
    expect(seen).toEqual([undefined, undefined, 0, 4]);
  });

  it('waits on /status for a command answered QUEUED', async () => {
    let polls = 0;
    const paths = new Set<string>();
    const url = await peer((req, _body, res) => {
      if (req.url!.startsWith('/status/')) { polls++; paths.add(req.url!); json(res, 200, { status: polls < 3 ? 'EXECUTING' : 'SUCCESS', message: 'done', queryId: null }); return; }
      json(res, 200, [status(6, 'QUEUED')]);
    });
    await new KsqlClient({ url }).ksql('CREATE STREAM q;');
    expect(polls).toBe(3);
    // ksqlDB routes /status/:type/:entity/:action: the slashes stay, the entity is encoded
    expect([...paths]).toEqual(['/status/stream/%60S6%60/create']);
  });

  it('raises the statement error with its statement', async () => {
    const url = await peer((_r, _b, res) => json(res, 400, { '@type': 'statement_error', error_code: 40001, message: 'line 1:1: Syntax Error', statementText: 'OOPS;', entities: [] }));
    await expect(new KsqlClient({ url }).ksql('OOPS;')).rejects.toMatchObject({ constructor: ServerError, body: { error_code: 40001, statementText: 'OOPS;' } });
  });

  it('a 200 answer that is no JSON, or not the shape ksqlDB answers in, is one line saying so (a proxy, another server)', async () => {
    const bodies = ['', '<html>Bad gateway</html>', '{"ok":true}', '[{"@type":"currentStatus"}]'];
    let n = 0;
    const url = await peer((_r, _b, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(bodies[n++ % bodies.length]); });
    const c = new KsqlClient({ url, retries: 0 });
    const messages: string[] = [];
    for (let i = 0; i < bodies.length; i++) messages.push(await c.ksql('SHOW STREAMS;').then(() => 'no error', (e: Error) => `${e.constructor.name}: ${e.message}`));
    expect(messages).toEqual([
      `UnreachableError: ${url}/ksql answered HTTP 200 with an empty body, not a list of ksqlDB entities: is this a ksqlDB server?`,
      `UnreachableError: ${url}/ksql answered HTTP 200 with a body that is no JSON, not a list of ksqlDB entities: is this a ksqlDB server?`,
      `UnreachableError: ${url}/ksql answered HTTP 200 with JSON that is not a list of ksqlDB entities (Invalid input: expected array, received object): is this a ksqlDB server?`,
      `UnreachableError: ${url}/ksql answered HTTP 200 with JSON that is not a list of ksqlDB entities (at 0: Invalid input): is this a ksqlDB server?`,
    ]);
    await expect(c.query('SELECT * FROM S;')).rejects.toThrow(`${url}/query-stream answered HTTP 200 with an empty body, not a query header: is this a ksqlDB server?`);
    await expect(c.query('SELECT * FROM S;')).rejects.toThrow(`${url}/query-stream answered HTTP 200 with a body that is no JSON, not a query header: is this a ksqlDB server?`);
  });

  it('an error answer that is no ksqlDB error (a web server\'s page, a proxy\'s 502, another JSON API) is not reaching ksqlDB, and the page is not shown', async () => {
    const answers: [number, string][] = [[404, '<!DOCTYPE HTML><html><body>Not Found</body></html>'], [502, ''], [404, '{"error":"no route"}'], [400, '{"error_code":40001,"message":"bad"}'],
      [404, '{"error_code":404,"message":"HTTP 404 Not Found"}'], [400, '{"@type":"generic_error","error_code":400,"message":"typed"}']];
    let n = 0;
    const url = await peer((_r, _b, res) => { const [st, body] = answers[n++ % answers.length]!; res.writeHead(st); res.end(body); });
    const c = new KsqlClient({ url, retries: 0 });
    const got: string[] = [];
    for (let i = 0; i < answers.length; i++) got.push(await c.ksql('SHOW STREAMS;').then(() => 'no error', (e: Error) => `${e.constructor.name}: ${e.message}`));
    expect(got).toEqual([
      `UnreachableError: ${url}/ksql did not answer as ksqlDB does (HTTP 404 with a body that is no JSON): is this a ksqlDB server?`,
      `UnreachableError: ${url}/ksql did not answer as ksqlDB does (HTTP 502 with an empty body): is this a ksqlDB server?`,
      `UnreachableError: ${url}/ksql did not answer as ksqlDB does (HTTP 404 with JSON that is no ksqlDB error): is this a ksqlDB server?`,
      'ServerError: bad',
      // a Schema Registry's answer to a path it does not have (its URL given for ksqlDB's)
      `UnreachableError: ${url}/ksql did not answer as ksqlDB does (HTTP 404 with JSON that is no ksqlDB error): is this a ksqlDB server?`,
      'ServerError: typed',
    ]);
    await expect(c.query('SELECT * FROM S;')).rejects.toThrow(`${url}/query-stream did not answer as ksqlDB does (HTTP 404 with a body that is no JSON): is this a ksqlDB server?`);
  });

  it('asks a server that took the connection and gave no answer in the time given only once, retries or not; a 401 without credentials says none are configured', async () => {
    let requests = 0;
    const silent = await peer(() => { requests++; });
    await expect(new KsqlClient({ url: silent, timeoutMs: 300, retries: 3 }).info()).rejects.toThrow(/did not answer in time/);
    await expect(new KsqlClient({ url: silent, timeoutMs: 300, retries: 3 }).query('SELECT 1 FROM s;')).rejects.toThrow(/did not answer in time/);
    expect(requests).toBe(2);
    await new Promise((r) => server!.close(r)); server = undefined;
    const locked = await peer((_r, _b, res) => json(res, 401, { '@type': 'generic_error', error_code: 40100, message: 'Unauthorized' }));
    await expect(new KsqlClient({ url: locked }).ksql('SHOW STREAMS;')).rejects.toThrow(`${locked} requires credentials (HTTP 401) and none are configured: set server.username and server.password (or an API key and secret)`);
    await expect(new KsqlClient({ url: locked, username: 'u', password: 'p' }).info()).rejects.toThrow(`${locked} refused the credentials (HTTP 401): check the username and password (or API key and secret)`);
  });

  it('tells 401 apart from an unreachable server, and never hangs', async () => {
    const url = await peer((_r, _b, res) => json(res, 401, { '@type': 'generic_error', error_code: 40100, message: 'Unauthorized' }));
    await expect(new KsqlClient({ url, username: 'u', password: 'p' }).ksql('SHOW STREAMS;')).rejects.toBeInstanceOf(AuthError);
    await expect(new KsqlClient({ url: 'http://127.0.0.1:1', retries: 0 }).query('SELECT 1 FROM s;')).rejects.toThrow(new UnreachableError('cannot reach ksqlDB at http://127.0.0.1:1: connection refused (is the server running?)', false));
    const silent = await peer(() => { /* never answers */ });
    await expect(new KsqlClient({ url: silent, timeoutMs: 200, retries: 0 }).query('SELECT 1 FROM s;')).rejects.toThrow(/did not answer in time/);
    // a request refused at connect never went out; one that timed out after it was sent may have run
    await expect(new KsqlClient({ url: 'http://127.0.0.1:1', retries: 0 }).ksql('DROP STREAM S;')).rejects.toMatchObject({ mayHaveRun: false });
    await expect(new KsqlClient({ url: silent, timeoutMs: 200, retries: 0 }).ksql('DROP STREAM S;')).rejects.toMatchObject({ mayHaveRun: true });
  });

  it('retries a pull query after a 503, but never a /ksql statement', async () => {
    let queries = 0, statements = 0;
    const url = await peer((req, _b, res) => {
      if (req.url === '/query-stream') { queries++; if (queries === 1) { json(res, 503, { error_code: 50302, message: 'initializing' }); return; } res.end('{"queryId":"q","columnNames":["A"],"columnTypes":["INTEGER"]}\n[1]\n'); return; }
      statements++; json(res, 503, { '@type': 'generic_error', error_code: 50302, message: 'initializing' });
    });
    const c = new KsqlClient({ url });
    expect((await c.query('SELECT A FROM s;')).rows).toEqual([[1]]);
    await expect(c.ksql('CREATE STREAM x;')).rejects.toBeInstanceOf(ServerError);
    expect([queries, statements]).toEqual([2, 1]);
  });

  it('sends the configured headers and credentials on every request, GETs included', async () => {
    const seen: string[] = [];
    const url = await peer((req, _b, res) => {
      seen.push(`${req.method} ${req.url!.replace(/\/status\/.*/, '/status')} ${req.headers['x-tenant'] ?? '-'} ${req.headers.authorization ?? '-'}`);
      if (req.url === '/healthcheck') json(res, 200, { isHealthy: true, details: {} });
      else if (req.url === '/info') json(res, 200, { KsqlServerInfo: { version: '8.2.0', kafkaClusterId: 'k', ksqlServiceId: 'default_', serverStatus: 'RUNNING' } });
      else if (req.url!.startsWith('/status/')) json(res, 200, { status: 'SUCCESS', message: 'done', queryId: null });
      else json(res, 200, [status(1, 'QUEUED')]);
    });
    const c = new KsqlClient({ url, headers: { 'x-tenant': 'blue' }, username: 'u', password: 'p' });
    await c.ksql('CREATE STREAM h;');
    await c.health();
    await c.info();
    const auth = `Basic ${Buffer.from('u:p').toString('base64')}`;
    expect(seen).toEqual([`POST /ksql blue ${auth}`, `GET /status blue ${auth}`, `GET /healthcheck blue ${auth}`, `GET /info blue ${auth}`]);
  });
});

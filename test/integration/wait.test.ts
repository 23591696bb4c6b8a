import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { CLI, freePort, startServerProcess } from '../helpers/server.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('wait: until the server is healthy', () => {
  it('waits for a server that starts after it, saying why it waits, then names its version', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [CLI, 'wait', '--server', url, '--timeout', '60s', '--interval', '100ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const waiting = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.includes('\n')) resolve(); }));
    const exited = once(child, 'exit');
    await waiting;
    expect(stderr).toBe(`waiting: cannot reach ksqlDB at ${url}: connection refused (is the server running?)\n`);
    // (on the port the wait asks: the helper that starts servers picks a port of its own)
    const server = spawn(process.execPath, [CLI, 'server', '--port', String(port), '--no-kafka', '--schema-registry-port', '0'], { stdio: 'ignore' });
    try {
      const [code] = await exited;
      expect(code).toBe(0);
      const version = (await (await fetch(`${url}/info`)).json() as { KsqlServerInfo: { version: string } }).KsqlServerInfo.version;
      expect(stdout).toMatch(new RegExp(`^ksqlDB at ${url} is healthy \\(version ${version.replace(/\./g, '\\.')}\\), after \\d+\\.\\d s and \\d+ checks\\n$`));
      // the reason is printed once, not at every check
      expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
      const json = run('wait', '--server', url, '--json');
      expect([json.status, JSON.parse(json.stdout)]).toEqual([0, { healthy: true, url, version, waitedMs: expect.any(Number), attempts: 1 }]);
    } finally { server.kill(); await once(server, 'exit'); }
  });

  it('gives up after --timeout with exit 3 and the last reason; --json gets its document', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = run('wait', '--server', url, '--timeout', '300ms', '--interval', '100ms');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^waiting: cannot reach ksqlDB at ${url}: connection refused \\(is the server running\\?\\)\\nerror: not healthy within 0\\.3 s \\(\\d+ checks\\): cannot reach ksqlDB at ${url}: connection refused \\(is the server running\\?\\)\\n$`));
    const j = run('wait', '--server', url, '--timeout', '200ms', '--interval', '100ms', '--json');
    expect([j.status, j.stderr.split('\n').filter(Boolean).length, JSON.parse(j.stdout)]).toEqual([3, 1, { error: expect.stringMatching(/^not healthy within 0\.2 s/), exitCode: 3, healthy: false, waitedMs: expect.any(Number), attempts: expect.any(Number) }]);
  });

  it('credentials the server refuses end the wait at once (exit 3): /healthcheck asks for none, so /info is asked', async () => {
    const server = await startServerProcess(['--basic-auth', 'ci:s3cret-pass']);
    try {
      const r = run('wait', '--server', server.url, '--username', 'ci', '--password', 'wrong-pass', '--timeout', '20s');
      expect([r.status, r.stdout]).toEqual([3, '']);
      expect(r.stderr.trim()).toBe(`error: ${server.url} refused the credentials (HTTP 401): check the username and password (or API key and secret)`);
      expect(run('wait', '--server', server.url, '--username', 'ci', '--password', 's3cret-pass').status).toBe(0);
    } finally { await server.stop(); }
  });

  it('a server still starting (503, not ready) or unhealthy is waited for, each reason said once', async () => {
    // ksqlDB's answers while it starts, then once its command runner is up: a stand-in for the
    // minutes a container takes (the local server is ready as soon as it listens)
    let asked = 0;
    const starting = createServer((req, res) => {
      if (req.url === '/info') { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ KsqlServerInfo: { version: '0.29.0', kafkaClusterId: 'k', ksqlServiceId: 'default_' } })); return; }
      asked++;
      if (asked <= 2) { res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ '@type': 'generic_error', error_code: 50333, message: 'KSQL is not yet ready to serve requests.' })); return; }
      const healthy = asked > 4;
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ isHealthy: healthy, details: { metastore: { isHealthy: true }, kafka: { isHealthy: healthy }, commandRunner: { isHealthy: true } } }));
    }).listen(0, '127.0.0.1');
    await once(starting, 'listening');
    const url = `http://127.0.0.1:${(starting.address() as AddressInfo).port}`;
    try {
      const child = spawn(process.execPath, [CLI, 'wait', '--server', url, '--interval', '100ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(stderr).toBe(`waiting: ksqlDB at ${url} is not ready (HTTP 503): KSQL is not yet ready to serve requests.\nwaiting: ksqlDB at ${url} is unhealthy (kafka)\n`);
      expect(stdout).toMatch(/is healthy \(version 0\.29\.0\), after \d+\.\d s and 5 checks\n$/);
    } finally { starting.close(); }
  });

  it('Ctrl-C ends it at once with exit 130, and --json still gets its one document', async () => {
    const child = spawn(process.execPath, [CLI, 'wait', '--server', `http://127.0.0.1:${await freePort()}`, '--timeout', '60s', '--json', '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    // (--verbose shows its first check: the signal comes once it is waiting)
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.includes('> GET ')) resolve(); }));
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect([code, JSON.parse(stdout), stderr.endsWith('\nerror: interrupted\n')]).toEqual([130, { error: 'interrupted', exitCode: 130 }, true]);
  });

  it('keeps to --timeout however the server stalls: in the TLS handshake, or in /info once healthy; a TLS failure ends it at once', async () => {
    const timed = (args: string[]) => new Promise<{ ms: number; code: number | null; stdout: string; stderr: string }>((resolve) => {
      const t0 = Date.now();
      const child = spawn(process.execPath, [CLI, 'wait', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      child.on('exit', (code) => resolve({ ms: Date.now() - t0, code, stdout, stderr }));
    });
    // a port that takes the connection and never says a word: the TLS handshake never ends
    const silent = createNetServer(() => undefined).listen(0, '127.0.0.1');
    // a server that is healthy but never answers /info; and one that speaks plain HTTP
    const halfway = createServer((req, res) => { if (req.url === '/healthcheck') res.writeHead(200, { 'content-type': 'application/json' }).end('{"isHealthy":true,"details":{}}'); }).listen(0, '127.0.0.1');
    const plain = createServer((_req, res) => res.end('x')).listen(0, '127.0.0.1');
    await Promise.all([once(silent, 'listening'), once(halfway, 'listening'), once(plain, 'listening')]);
    const port = (s: { address(): unknown }) => (s.address() as AddressInfo).port;
    try {
      const stalled = await timed(['--server', `https://127.0.0.1:${port(silent)}`, '--timeout', '1s']);
      expect([stalled.code, stalled.ms < 5000, stalled.stderr.trim().split('\n').at(-1)]).toEqual([3, true, `error: not healthy within 1 s (1 check): ksqlDB at https://127.0.0.1:${port(silent)} did not answer in time`]);
      const noInfo = await timed(['--server', `http://127.0.0.1:${port(halfway)}`, '--timeout', '1s']);
      expect([noInfo.code, noInfo.ms < 5000, noInfo.stdout]).toEqual([0, true, expect.stringMatching(/is healthy, after 1\.\d s and 1 check\n$/)]);
      const tls = await timed(['--server', `https://127.0.0.1:${port(plain)}`, '--timeout', '30s']);
      expect([tls.code, tls.ms < 5000, tls.stderr.trim()]).toEqual([3, true, `error: TLS failure talking to https://127.0.0.1:${port(plain)}: the server does not speak TLS on that port (use http://, or the port it serves HTTPS on)`]);
    } finally {
      silent.close(); halfway.closeAllConnections(); halfway.close(); plain.close();
    }
  });

  it('refuses flags it cannot use (exit 2), naming the flag', () => {
    expect([run('wait', '--timeout', 'soon').status, run('wait', '--timeout', 'soon').stderr.trim()]).toEqual([2, "error: --timeout: expected a duration like 500ms, 20s or 2m, got 'soon'"]);
    expect(run('wait', '--interval', '10ms').stderr.trim()).toBe("error: --interval: at least 100ms, got '10ms'");
    const embedded = run('wait', '--embedded');
    expect([embedded.status, embedded.stderr.trim()]).toEqual([2, 'error: wait: --embedded starts its own server in this process, so there is nothing to wait for; name the server with --server']);
  });
});

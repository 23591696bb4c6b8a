import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import https from 'node:https';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, freePort, ksql, startServerProcess, type Running } from '../helpers/server.js';
import { status as apiStatus } from '../../src/index.js';

function h2Request(url: string, path: string, body: unknown, opts: http2.SecureClientSessionOptions = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, opts);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
    let status = 0, text = '';
    req.on('response', (h) => { status = Number(h[':status']); });
    req.setEncoding('utf8');
    req.on('data', (d: string) => { text += d; });
    req.on('end', () => { session.close(); resolve({ status, text }); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('protocols: HTTP/2 cleartext and PRINT on one port', () => {
  let server: Running;
  beforeAll(async () => {
    server = await startServerProcess();
    await ksql(server.url, "CREATE STREAM P (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='p_topic', VALUE_FORMAT='JSON', PARTITIONS=1); INSERT INTO P (ID, V, ROWTIME) VALUES ('a', 1, 1000); INSERT INTO P (ID, V, ROWTIME) VALUES ('b', 2, 2000);");
  });
  afterAll(async () => { await server.stop(); });

  it('answers /query-stream over HTTP/2 with prior knowledge, push query with LIMIT', async () => {
    const r = await h2Request(server.url, '/query-stream', { sql: 'SELECT ID, V FROM P EMIT CHANGES LIMIT 2;', properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    expect(r.status).toBe(200);
    const lines = r.text.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ columnNames: ['ID', 'V'], columnTypes: ['STRING', 'INTEGER'] });
    expect(lines.slice(1).map((l) => JSON.parse(l))).toEqual([['a', 1], ['b', 2]]);
  });

  it('serves /ksql over HTTP/2 and HTTP/1.1 alike', async () => {
    const r = await h2Request(server.url, '/ksql', { ksql: 'SHOW STREAMS;' });
    expect(JSON.parse(r.text)[0].streams.map((s: { name: string }) => s.name)).toEqual(['KSQL_PROCESSING_LOG', 'P']);
  });

  it('PRINTs a topic from the beginning with a LIMIT', async () => {
    const r = await fetch(`${server.url}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ksql: 'PRINT p_topic FROM BEGINNING LIMIT 2;' }) });
    expect(await r.text()).toBe('Key format: KAFKA_STRING\nValue format: JSON or KAFKA_STRING\n'
      + 'rowtime: 1970/01/01 00:00:01.000 Z, key: a, value: {"V":1}, partition: 0\n'
      + 'rowtime: 1970/01/01 00:00:02.000 Z, key: b, value: {"V":2}, partition: 0\n');
  });

  it('PRINTs KAFKA numbers as numbers, whatever bytes they hold (-1, a double holding a line feed): one record a line', async () => {
    expect((await ksql(server.url, "CREATE STREAM PK (K INT KEY, V BIGINT) WITH (KAFKA_TOPIC='pk', PARTITIONS=1, FORMAT='KAFKA'); INSERT INTO PK (K, V, ROWTIME) VALUES (-1, 4614613358185178726, 1000); INSERT INTO PK (K, V, ROWTIME) VALUES (5, -1, 2000);")).status).toBe(200);
    const r = await fetch(`${server.url}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ksql: 'PRINT pk FROM BEGINNING LIMIT 2;' }) });
    expect(await r.text()).toBe('Key format: KAFKA_INT\nValue format: KAFKA_BIGINT or KAFKA_DOUBLE\n'
      + 'rowtime: 1970/01/01 00:00:01.000 Z, key: -1, value: 4614613358185178726, partition: 0\n'
      + 'rowtime: 1970/01/01 00:00:02.000 Z, key: 5, value: -1, partition: 0\n');
  });
});

let openssl = true;
try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); } catch { openssl = false; }

describe.skipIf(!openssl)('TLS from cert and key files (needs the openssl command to make a test certificate)', () => {
  let dir: string;
  let server: Running;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ksqlm-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    server = await startServerProcess(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], { tls: true });
  });
  afterAll(async () => { await server?.stop(); await rm(dir, { recursive: true, force: true }); });

  it('serves HTTPS over HTTP/2 (ALPN) with the given certificate', async () => {
    expect(server.url).toMatch(/^https:\/\//);
    const r = await h2Request(server.url, '/ksql', { ksql: 'SHOW STREAMS;' }, { rejectUnauthorized: false });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)[0]['@type']).toBe('streams');
  });

  it('serves the Schema Registry listener over HTTPS with the same certificate', async () => {
    const registry = /Schema Registry listening on (\S+)/.exec(await server.outputMatching(/Schema Registry listening on \S+/))![1]!;
    expect(registry).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`${registry}/subjects`, { ca: readFileSync(join(dir, 'cert.pem')), checkServerIdentity: () => undefined }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; }).on('end', () => resolve(`${res.statusCode} ${text}`));
      }).on('error', reject);
    });
    expect(body).toBe('200 []');
  });

  it('trusts the CA of server.caFile, in the CLI and the programmatic API alike; verifyHost: false lets a certificate that names no such host pass', async () => {
    // the certificate names CN=127.0.0.1 and no subjectAltName: trusted, but it does not name the IP
    const write = (extra: string) => writeFileSync(join(dir, 'ksql-migrate.yaml'), `server:\n  url: ${server.url}\n  caFile: cert.pem\n${extra}`);
    mkdirSync(join(dir, 'migrations'), { recursive: true });
    const status = () => spawnSync(process.execPath, [CLI, 'status', '--json'], { cwd: dir, encoding: 'utf8' });
    write('');
    const strict = status();
    expect([strict.status, strict.stderr]).toEqual([3, expect.stringMatching(/TLS failure talking to https:\/\/127\.0\.0\.1:\d+: ERR_TLS_CERT_ALTNAME_INVALID: the certificate does not name this host \(connect by a name it has, or skip the host name check with server\.verifyHost: false\)/)]);
    await expect(apiStatus({ config: join(dir, 'ksql-migrate.yaml') })).rejects.toThrow(/ERR_TLS_CERT_ALTNAME_INVALID/);
    write('  verifyHost: false\n');
    expect(status().status).toBe(0);
    expect((await apiStatus({ config: join(dir, 'ksql-migrate.yaml') })).metadataExists).toBe(false);
    // without the CA, the certificate is not trusted however the host is checked
    writeFileSync(join(dir, 'ksql-migrate.yaml'), `server:\n  url: ${server.url}\n  verifyHost: false\n`);
    expect(status().status).toBe(3);
  });

  it('a CA, certificate or key file that holds no PEM of its kind, a key that is not the certificate\'s, or one of the two alone is a configuration error (exit 2) naming the key', () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other-key.pem'), '-out', join(dir, 'other-cert.pem'), '-days', '1', '-subj', '/CN=other'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'notes.yaml'), 'a: 1\n');
    mkdirSync(join(dir, 'migrations'), { recursive: true });
    const status = (extra: string) => {
      writeFileSync(join(dir, 'ksql-migrate.yaml'), `server:\n  url: ${server.url}\n  verifyHost: false\n${extra}`);
      const r = spawnSync(process.execPath, [CLI, 'status'], { cwd: dir, encoding: 'utf8' });
      return [r.status, r.stderr.trim()];
    };
    // each names the file and the line of the key, as every other configuration error does
    const yaml = join(dir, 'ksql-migrate.yaml');
    expect(status('  caFile: notes.yaml\n')).toEqual([2, `error: ${yaml}:4: server.caFile: no PEM certificate in ${join(dir, 'notes.yaml')}`]);
    expect(status('  caFile: missing.pem\n')).toEqual([2, `error: ${yaml}:4: server.caFile: cannot read ${join(dir, 'missing.pem')}`]);
    expect(status('  caFile: cert.pem\n  certFile: key.pem\n  keyFile: cert.pem\n')).toEqual([2, `error: ${yaml}:5: server.certFile: no PEM certificate in ${join(dir, 'key.pem')}`]);
    expect(status('  caFile: cert.pem\n  certFile: cert.pem\n  keyFile: other-key.pem\n')).toEqual([2, expect.stringMatching(new RegExp(`^error: ${yaml.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: server\\.keyFile: the key is not server\\.certFile's \\(.*\\)$`))]);
    expect(status('  caFile: cert.pem\n  certFile: cert.pem\n')).toEqual([2, `error: ${yaml}:5: server.certFile: a client certificate needs both server.certFile and server.keyFile (server.keyFile is not set)`]);
    expect(status('  caFile: cert.pem\n  certFile: cert.pem\n  keyFile: key.pem\n')[0]).toBe(0);
  });
});

describe('process lifecycle', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops cleanly with exit code 0 on %s', async (signal) => {
    const server = await startServerProcess();
    expect(await server.stop(signal)).toBe(0);
  });

  it('refuses a port in use with a one-line usage error and exit code 2', async () => {
    const server = await startServerProcess();
    const port = new URL(server.url).port;
    const { spawnSync } = await import('node:child_process');
    const { CLI } = await import('../helpers/server.js');
    // (said before the data dir is made: a mistyped start leaves no directory behind)
    const never = join(tmpdir(), `ksqlm-never-${process.pid}-${port}`);
    const r = spawnSync(process.execPath, [CLI, 'server', '--port', port, '--no-kafka', '--no-schema-registry', '--data-dir', never], { encoding: 'utf8' });
    await server.stop();
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`error: --port: 127.0.0.1:${port} is already in use`);
    expect(existsSync(never)).toBe(false);
  });

  it('a listener that cannot start stops the ones that did: exit 2 at once, the ports and the data dir free again', async () => {
    const taken = await startServerProcess();
    const kafkaTaken = String(new URL(taken.url).port);
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-halfstart-'));
    const [port, srPort] = [String(await freePort()), String(await freePort())];
    try {
      // (the HTTP port of the other server stands for any taken Kafka port)
      const r = spawnSync(process.execPath, [CLI, 'server', '--port', port, '--kafka-port', kafkaTaken, '--schema-registry-port', srPort, '--data-dir', join(dir, 'data')], { encoding: 'utf8', timeout: 20_000 });
      expect([r.status, r.stderr.trim()]).toEqual([2, `error: --kafka-port: 127.0.0.1:${kafkaTaken} is already in use`]);
      // the registry's port and the data dir's lock were given back: the same start now works
      const again = await startServerProcess(['--schema-registry-port', srPort, '--data-dir', join(dir, 'data')]);
      expect(await again.stop()).toBe(0);
    } finally { await taken.stop(); }
  });

  it('start-up problems name their flag, exit 2: TLS files that are no PEM certificate and key, a data dir that is a file, a host that does not resolve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-startup-'));
    writeFileSync(join(dir, 'afile'), 'x');
    const start = (...args: string[]) => { const r = spawnSync(process.execPath, [CLI, 'server', '--port', '0', '--no-kafka', '--no-schema-registry', ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 }); return [r.status, r.stderr.trim()]; };
    expect(start('--tls-cert', 'afile', '--tls-key', 'afile')).toEqual([2, expect.stringMatching(/^error: --tls-cert\/--tls-key: afile and afile must be a PEM certificate and its PEM private key \(/)]);
    expect(start('--data-dir', 'afile')).toEqual([2, 'error: --data-dir: afile: a file stands where a directory is needed (EEXIST)']);
    expect(start('--data-dir', '')).toEqual([2, 'error: --data-dir: expected a directory, got an empty value']);
    // under /proc, where mkdir answers ENOENT though the parent exists (Node's own recursive mkdir retried that for ever)
    expect(start('--data-dir', '/proc/ksqlm-nope/data')).toEqual([2, 'error: --data-dir: /proc/ksqlm-nope: cannot be created there (ENOENT)']);
    expect(start('--host', 'nosuch.invalid')).toEqual([2, expect.stringMatching(/^error: --host: cannot listen on nosuch\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/)]);
    if (openssl) {
      for (const n of ['1', '2']) execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `key${n}.pem`), '-out', join(dir, `cert${n}.pem`), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      expect(start('--tls-cert', 'cert1.pem', '--tls-key', 'key2.pem')).toEqual([2, 'error: --tls-cert/--tls-key: the key in key2.pem is not the key of the certificate in cert1.pem']);
      // a key file that is no key (the certificate itself, junk) is said so too, not in OpenSSL's words alone
      for (const key of ['cert1.pem', 'afile']) expect(start('--tls-cert', 'cert1.pem', '--tls-key', key)).toEqual([2, expect.stringMatching(new RegExp(`^error: --tls-cert/--tls-key: cert1\\.pem and ${key.replace('.', '\\.')} must be a PEM certificate and its PEM private key \\(`))]);
    }
  });
});

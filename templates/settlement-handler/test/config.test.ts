import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { parseConfig, readConfigFromSecretsManager } from '../src/config.js';

const valid = {
  bootstrapServers: 'pkc-1.example:9092', username: 'KEY', password: 'pw-do-not-print',
  schemaRegistryUrl: 'https://psrc-1.example', schemaRegistryUsername: 'SR', schemaRegistryPassword: 'sr-do-not-print',
  outputTopic: 'trade-settlements',
};

describe('the configuration secret', () => {
  it('takes the documented shape, TLS on by default', () => {
    expect(parseConfig(valid)).toEqual({ ...valid, ssl: true });
    for (const bootstrapServers of ['b-1.example:9096, b-2.example:9096', '127.0.0.1:19092', 'kafka_broker:9092', 'pkc-1.example:9092,']) expect(parseConfig({ ...valid, bootstrapServers }).bootstrapServers).toBe(bootstrapServers);
  });

  it.each([
    { name: 'a missing field', raw: { ...valid, bootstrapServers: undefined }, message: 'bootstrapServers:' },
    ...[',', '127.0.0.1', 'http://127.0.0.1:9092', '[::1]:9092', 'pkc-1.example:0', 'pkc-1.example:99999'].map((bootstrapServers) => (
      { name: `bootstrapServers '${bootstrapServers}'`, raw: { ...valid, bootstrapServers }, message: 'bootstrapServers: a comma-separated list of host:port, without a scheme' })),
    { name: 'a password without a user', raw: { ...valid, username: undefined }, message: 'password: username and password go together' },
    { name: 'a bad registry URL', raw: { ...valid, schemaRegistryUrl: 'pw-do-not-print' }, message: 'schemaRegistryUrl:' },
    { name: 'credentials in the registry URL', raw: { ...valid, schemaRegistryUrl: 'https://key:pw-do-not-print@psrc-1.example' }, message: 'schemaRegistryUrl: put the key and secret in schemaRegistryUsername' },
    { name: 'a bad topic', raw: { ...valid, outputTopic: 'a topic' }, message: 'outputTopic: a Kafka topic name' },
    { name: 'an unknown mechanism', raw: { ...valid, saslMechanism: 'gssapi' }, message: 'saslMechanism:' },
  ])('names $name without echoing values', ({ raw, message }) => {
    let error: unknown;
    try { parseConfig(raw); } catch (e) { error = e; }
    expect(String(error)).toContain(message);
    expect(String(error)).not.toContain('do-not-print');
  });

  it('needs the secret\'s name', async () => {
    await expect(readConfigFromSecretsManager('')).rejects.toThrow('SETTLEMENT_CONFIG_SECRET is not set');
  });

  // Powertools keeps one Secrets Manager client per process, made on first use: one local stand-in
  // for GetSecretValue serves every test here, answering with what `answer` holds
  let answer = '', calls = 0;
  const standIn = createServer((_req, res) => {
    calls++;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ Name: 'secret', SecretString: answer, VersionId: `v${calls}` }));
  });
  const saved = { ...process.env };
  beforeAll(async () => {
    standIn.listen(0, '127.0.0.1');
    await once(standIn, 'listening');
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(standIn.address() as { port: number }).port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  });
  afterAll(() => { process.env = saved; standIn.close(); });

  it('reads the secret once per container, and past the cache when asked to (after a failure)', async () => {
    answer = JSON.stringify({ ...valid, username: 'first' });
    calls = 0;
    expect((await readConfigFromSecretsManager('rotating')).username).toBe('first');
    answer = JSON.stringify({ ...valid, username: 'rotated' });
    expect((await readConfigFromSecretsManager('rotating')).username).toBe('first');
    expect(calls).toBe(1);
    expect((await readConfigFromSecretsManager('rotating', true)).username).toBe('rotated');
    expect(calls).toBe(2);
  });

  it('reports a secret that is not JSON without quoting any of it', async () => {
    answer = '{"username":"u","password":Hunter2-do-not-print}';
    let error: unknown;
    try { await readConfigFromSecretsManager('broken-config'); } catch (e) { error = e; }
    expect(String(error)).toContain('the secret broken-config is not valid JSON');
    expect(String(error)).not.toContain('do-not-print');
  });
});

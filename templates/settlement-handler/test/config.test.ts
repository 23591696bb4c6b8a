import { describe, expect, it } from 'vitest';
import { parseConfig, readConfigFromSecretsManager } from '../src/config.js';

const valid = {
  bootstrapServers: 'pkc-1.example:9092', username: 'KEY', password: 'pw-do-not-print',
  schemaRegistryUrl: 'https://psrc-1.example', schemaRegistryUsername: 'SR', schemaRegistryPassword: 'sr-do-not-print',
  outputTopic: 'trade-settlements',
};

describe('the configuration secret', () => {
  it('takes the documented shape, TLS on by default', () => {
    expect(parseConfig(valid)).toEqual({ ...valid, ssl: true });
  });

  it.each([
    { name: 'a missing field', raw: { ...valid, bootstrapServers: undefined }, message: 'bootstrapServers:' },
    { name: 'a password without a user', raw: { ...valid, username: undefined }, message: 'password: username and password go together' },
    { name: 'a bad registry URL', raw: { ...valid, schemaRegistryUrl: 'pw-do-not-print' }, message: 'schemaRegistryUrl:' },
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
});

import { afterEach, describe, expect, it } from 'vitest';
import { connectionFromOptions } from '../../src/cli/kafka-options.js';

describe('Kafka connection flags', () => {
  const saved = process.env.KSQL_MIGRATE_KAFKA_BOOTSTRAP;
  afterEach(() => { if (saved === undefined) delete process.env.KSQL_MIGRATE_KAFKA_BOOTSTRAP; else process.env.KSQL_MIGRATE_KAFKA_BOOTSTRAP = saved; });

  it('takes host:port lists, and refuses a port beyond 65535 or 0 as a usage error naming where the list came from', () => {
    delete process.env.KSQL_MIGRATE_KAFKA_BOOTSTRAP;
    expect(connectionFromOptions({ bootstrapServers: 'a:9092, b:19092' }).bootstrapServers).toBe('a:9092, b:19092');
    expect(() => connectionFromOptions({ bootstrapServers: '127.0.0.1:99999' })).toThrow('--bootstrap-servers: 127.0.0.1:99999 has no port number (1 to 65535)');
    expect(() => connectionFromOptions({ bootstrapServers: 'a:0' })).toThrow('has no port number');
    expect(() => connectionFromOptions({ bootstrapServers: 'nohost' })).toThrow("--bootstrap-servers: expected host:port[,host:port...], got 'nohost'");
    process.env.KSQL_MIGRATE_KAFKA_BOOTSTRAP = 'garbage';
    expect(() => connectionFromOptions({})).toThrow("KSQL_MIGRATE_KAFKA_BOOTSTRAP: expected host:port[,host:port...], got 'garbage'");
  });
});

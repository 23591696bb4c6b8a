import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { registryAt, resubmittable } from '../../src/cli/commands/dry-run.js';

describe('the registry a target names in SHOW PROPERTIES', () => {
  it('is read with the credentials its URL carries, as Basic auth, and shown without them', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => { seen.push(req.headers.authorization); res.writeHead(404).end('{"error_code":40401,"message":"Subject not found."}'); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      const client = registryAt(`http://alice:s3cr%40t@127.0.0.1:${port}`)!;
      expect(client.url).toBe(`http://127.0.0.1:${port}`);
      expect(await client.subjectVersion('x-value')).toBeUndefined();
      expect(seen).toEqual([`Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`]);
      expect(registryAt('not a url')).toBeUndefined();
      // without credentials in its URL: schemaRegistry.username and password, as configured
      const configured = registryAt(`http://127.0.0.1:${port}`, { username: 'bob', password: 'pä:ss' })!;
      expect(await configured.subjectVersion('x-value')).toBeUndefined();
      // ... which the URL's own credentials win over
      expect(await registryAt(`http://alice:s3cr%40t@127.0.0.1:${port}`, { username: 'bob', password: 'x' })!.subjectVersion('x-value')).toBeUndefined();
      expect(seen.slice(1)).toEqual([`Basic ${Buffer.from('bob:pä:ss').toString('base64')}`, `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`]);
    } finally { server.close(); }
  });
});

describe('a stored CREATE ... AS SELECT submitted again in the dry run\'s copy', () => {
  it('leaves out the CLEANUP_POLICY and RETENTION_MS ksqlDB writes into the WITH clause it stores, and nothing else', () => {
    expect(resubmittable("CREATE TABLE AGG WITH (CLEANUP_POLICY='compact', KAFKA_TOPIC='AGG', PARTITIONS=1, REPLICAS=1, RETENTION_MS=-1) AS SELECT\n  S.K K,\n  COUNT(*) RETENTION_MS\nFROM S S\nWHERE S.RETENTION_MS = 1\nGROUP BY S.K\nEMIT CHANGES;"))
      .toBe("CREATE TABLE AGG WITH (KAFKA_TOPIC='AGG', PARTITIONS=1, REPLICAS=1) AS SELECT\n  S.K K,\n  COUNT(*) RETENTION_MS\nFROM S S\nWHERE S.RETENTION_MS = 1\nGROUP BY S.K\nEMIT CHANGES;");
    expect(resubmittable("CREATE STREAM X WITH (KAFKA_TOPIC='a,b', CLEANUP_POLICY='delete', VALUE_FORMAT='JSON') AS SELECT * FROM S S EMIT CHANGES"))
      .toBe("CREATE STREAM X WITH (KAFKA_TOPIC='a,b', VALUE_FORMAT='JSON') AS SELECT * FROM S S EMIT CHANGES;");
    expect(resubmittable("CREATE TABLE `t` WITH (CLEANUP_POLICY='compact,delete') AS SELECT * FROM S S;")).toBe('CREATE TABLE `t` AS SELECT * FROM S S;');
  });
});

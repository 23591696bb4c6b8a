import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { registryAt } from '../../src/cli/commands/dry-run.js';

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
    } finally { server.close(); }
  });
});

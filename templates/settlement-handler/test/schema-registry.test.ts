import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSchemaRegistry } from '../src/schema-registry.js';
import { TRADE_SETTLEMENT_PROTO } from '../src/trade-settlement.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => { server ? server.close(() => done()) : done(); }));

/** A registry on a free port answering every request with `status` and `body`; requests are kept. */
async function registry(status: number, body: unknown) {
  const requests: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: unknown }> = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => { text += c.toString(); });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(text) });
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, requests };
}

describe('httpSchemaRegistry', () => {
  it('registers the Protobuf schema under the subject, with Basic auth, and returns the id', async () => {
    const sr = await registry(200, { id: 5 });
    const id = await httpSchemaRegistry({ url: sr.url, username: 'SRKEY', password: 's3cret' }).registerProtobuf('trade-settlements-value', TRADE_SETTLEMENT_PROTO);
    expect(id).toBe(5);
    expect(sr.requests).toEqual([{
      method: 'POST', url: '/subjects/trade-settlements-value/versions',
      headers: expect.objectContaining({ authorization: `Basic ${Buffer.from('SRKEY:s3cret').toString('base64')}`, 'content-type': 'application/vnd.schemaregistry.v1+json' }),
      body: { schema: TRADE_SETTLEMENT_PROTO, schemaType: 'PROTOBUF' },
    }]);
  });

  it('reports a refusal with the registry\'s message and no credentials', async () => {
    const sr = await registry(409, { error_code: 409, message: 'Schema being registered is incompatible with an earlier schema' });
    const error = await httpSchemaRegistry({ url: sr.url, username: 'SRKEY', password: 's3cret' }).registerProtobuf('t-value', 'x').catch((e: Error) => e);
    expect(String(error)).toBe('Error: Schema Registry refused the schema for t-value (HTTP 409): Schema being registered is incompatible with an earlier schema');
    expect(sr.requests[0]?.headers.authorization).toBeDefined();
  });

  it('where the registry takes no registration (a subject in READONLY mode, a key without write access), looks up the schema registered beforehand', async () => {
    for (const [status, message] of [[422, 'Subject trade-settlements-value is in read-only mode'], [403, 'User is denied operation Write on Subject']] as const) {
      const requests: string[] = [];
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          requests.push(`${req.method} ${req.url}`);
          const lookup = req.url === '/subjects/trade-settlements-value';
          res.writeHead(lookup ? 200 : status, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
            .end(JSON.stringify(lookup ? { subject: 'trade-settlements-value', version: 2, id: 6, schema: TRADE_SETTLEMENT_PROTO } : { error_code: status * 100 + 5, message }));
        });
      });
      await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready));
      const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
      expect(await httpSchemaRegistry({ url }).registerProtobuf('trade-settlements-value', TRADE_SETTLEMENT_PROTO)).toBe(6);
      expect(requests).toEqual(['POST /subjects/trade-settlements-value/versions', 'POST /subjects/trade-settlements-value']);
      await new Promise<void>((done) => server!.close(() => done()));
      server = undefined;
    }
  });

  it('a refusal the lookup cannot make up for (the schema not registered) is the registration\'s', async () => {
    const sr = await registry(403, { error_code: 40301, message: 'User is denied operation Write on Subject' });
    const error = await httpSchemaRegistry({ url: sr.url }).registerProtobuf('t-value', 'x').catch((e: Error) => e);
    expect(String(error)).toBe('Error: Schema Registry refused the schema for t-value (HTTP 403): User is denied operation Write on Subject');
    expect(sr.requests.map((r) => r.url)).toEqual(['/subjects/t-value/versions', '/subjects/t-value']);
  });

  it('a registry it cannot reach is named in the error, without anything its URL could carry', async () => {
    const error = await httpSchemaRegistry({ url: 'http://127.0.0.1:1/sr?token=do-not-print' }).registerProtobuf('t-value', 'x').catch((e: Error) => e);
    expect(String(error)).toMatch(/^Error: Schema Registry at http:\/\/127\.0\.0\.1:1\/sr could not be reached to register t-value: /);
    expect(String(error)).not.toContain('do-not-print');
  });
});

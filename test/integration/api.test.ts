import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, status, validate, startLocalServer, type LocalServer } from '../../src/index.js';

describe('programmatic API: migrate, status, validate', () => {
  let server: LocalServer;
  let dir: string;
  beforeAll(async () => {
    server = await startLocalServer({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'ksqlm-api-'));
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', 'V000001__a.sql'), "CREATE STREAM API_A (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);\n");
    writeFileSync(join(dir, 'migrations', 'V000002__b.sql'), 'CREATE STREAM API_B AS SELECT id, v FROM API_A;\n');
  });
  afterAll(async () => { await server.close(); });

  it('applies, reports and validates without printing or exiting', async () => {
    const events: string[] = [];
    const opts = { server: server.url, migrationsDir: join(dir, 'migrations'), config: join(dir, 'none.yaml') };
    await expect(migrate({ ...opts, defines: { topic: 'api_a' } })).rejects.toThrow('--config');
    const noConfig = { server: server.url, migrationsDir: join(dir, 'migrations') };
    const r = await migrate({ ...noConfig, defines: { topic: 'api_a' }, onEvent: (e) => events.push(e.type) });
    expect(r.outcomes.map((o) => [o.file.version, o.status])).toEqual([[1, 'success'], [2, 'success']]);
    expect(events).toEqual(['plan', 'start', 'done', 'start', 'done']);
    const s = await status(noConfig);
    expect(s).toMatchObject({ current: 2, metadataExists: true, problems: [] });
    expect(await validate(noConfig)).toEqual({ valid: true, problems: [] });
    appendFileSync(join(dir, 'migrations', 'V000001__a.sql'), '-- changed\n');
    expect((await validate(noConfig)).valid).toBe(false);
  });
});

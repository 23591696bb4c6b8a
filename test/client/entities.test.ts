import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommandStatusEntity, QueriesEntity, QueryDescriptionEntity, SourceDescriptionEntity, StreamsListEntity, TablesListEntity, KsqlResponse } from '../../src/client/entities.js';

const DIR = fileURLToPath(new URL('../../../shared/ksqldb/rest-entities/', import.meta.url));
const SCHEMAS = {
  currentStatus: CommandStatusEntity, sourceDescription: SourceDescriptionEntity, streams: StreamsListEntity,
  tables: TablesListEntity, queries: QueriesEntity, queryDescription: QueryDescriptionEntity,
} as const;

const examples = existsSync(DIR)
  ? readdirSync(DIR).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const parsed: unknown = JSON.parse(readFileSync(DIR + f, 'utf8'));
    return (Array.isArray(parsed) ? parsed : [parsed]).map((e: Record<string, unknown>, i) => ({ name: `${f}[${i}]`, entity: e }));
  })
  : [];
const typed = examples.filter((x) => typeof x.entity['@type'] === 'string' && x.entity['@type'] in SCHEMAS);

describe.skipIf(!existsSync(DIR))('client entity schemas against entities serialized by ksqlDB (needs ../shared/ksqldb/rest-entities)', () => {
  it('finds the examples it checks', () => {
    expect(typed.length).toBeGreaterThanOrEqual(8);
  });

  it.each(typed.map((x) => [x.name, x.entity] as const))('parses %s', (_name, entity) => {
    const schema = SCHEMAS[entity['@type'] as keyof typeof SCHEMAS];
    const r = schema.safeParse(entity);
    expect(r.error?.issues ?? []).toEqual([]);
  });

  it('accepts every typed example as part of a /ksql answer', () => {
    expect(KsqlResponse.safeParse(examples.filter((x) => typeof x.entity['@type'] === 'string').map((x) => x.entity)).success).toBe(true);
  });
});

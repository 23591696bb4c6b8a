import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerError, type KsqlClient } from '../../src/client/client.js';
import { MissingMigrationsDir } from '../../src/migrations/files.js';
import { readStatus } from '../../src/migrations/status.js';

// readStatus reads the migrations directory and the history at once; a stand-in client here answers
// the history's pull queries with a refusal at once, before the directory read can finish
const refusing = { query: () => Promise.reject(new ServerError(400, { message: 'refused', error_code: 40001 })) } as unknown as KsqlClient;
const metadata = { stream: 'EVENTS', table: 'VERSIONS', streamTopic: 'events', tableTopic: 'versions', replicas: 1 };

describe('status', () => {
  it('reports a migrations directory that does not exist (exit 2), whatever the history read answered first', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'ksqlm-status-')), 'typo');
    await expect(readStatus(refusing, missing, metadata, 1000)).rejects.toThrow(MissingMigrationsDir);
  });

  it('reports the server\'s refusal when the directory is there', async () => {
    await expect(readStatus(refusing, mkdtempSync(join(tmpdir(), 'ksqlm-status-')), metadata, 1000)).rejects.toThrow('refused');
  });
});

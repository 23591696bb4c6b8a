/**
 * Programmatic API: the same core as the CLI, without printing or exiting.
 *
 *   import { migrate, status, validate } from 'ksql-migrate';
 *   const result = await migrate({ server: 'http://localhost:8088', migrationsDir: 'migrations' });
 */
import { KsqlClient } from './client/client.js';
import { loadConfig, readTlsFiles, type Config, type ConfigFlags } from './config/config.js';
import { migrate as applyMigrations, type MigrateResult, type MigrationEvent } from './migrations/apply.js';
import { readStatus, type StatusReport } from './migrations/status.js';
import { metadataNamesFor, type MetadataNames } from './migrations/history.js';
import type { PlanOptions } from './migrations/planner.js';

export interface ApiOptions extends ConfigFlags {
  /** Values for ${name}, on top of `variables:` in the config. */
  defines?: Record<string, string>;
  /** Called for each event of a run (plan, start, done, failed, warning). */
  onEvent?: (e: ApiEvent) => void;
  /** Checked between migrations: return true to stop after the one in flight. */
  shouldStop?: () => boolean;
}

async function open(opts: ApiOptions): Promise<{ config: Config; client: KsqlClient; metadata: MetadataNames }> {
  const config = loadConfig(opts);
  const client = new KsqlClient({ ...readTlsFiles(config.server, config.settingAt), url: config.server.url, username: config.server.username, password: config.server.password, headers: config.server.headers, timeoutMs: config.server.timeoutMs, insecure: config.server.insecure, verifyHost: config.server.verifyHost, properties: config.properties });
  const m = config.metadata;
  const serviceId = !m.streamTopic || !m.tableTopic ? (await client.info()).ksqlServiceId : '';
  const metadata = metadataNamesFor(m, serviceId);
  return { config, client, metadata };
}

/** Applies pending migrations (lock, history, plan, apply, record). */
export async function migrate(opts: ApiOptions & PlanOptions = {}): Promise<MigrateResult> {
  const { config, client, metadata } = await open(opts);
  try {
    const defines = new Map([...Object.entries(config.variables), ...Object.entries(opts.defines ?? {})]);
    return await applyMigrations(
      { client, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), interrupted: opts.shouldStop ?? (() => false) },
      { dir: config.migrationsDir, metadata, defines, leaseMs: config.lock.leaseSeconds * 1000, waitMs: config.lock.waitSeconds * 1000 },
      // (the CLI's own 'writing' mark, which tells it when Ctrl-C may end a run at once, is not passed on)
      opts, (e) => { if (e.type !== 'writing') opts.onEvent?.(e); });
  } finally { await client.close(); }
}

/** Applied and pending versions, from one pull query. */
export async function status(opts: ApiOptions = {}): Promise<StatusReport> {
  const { config, client, metadata } = await open(opts);
  try { return await readStatus(client, config.migrationsDir, metadata, config.lock.leaseSeconds * 1000); } finally { await client.close(); }
}

/** What `validate` checks; valid when there are no problems. */
export async function validate(opts: ApiOptions = {}): Promise<{ valid: boolean; problems: string[] }> {
  const s = await status(opts);
  return { valid: s.problems.length === 0, problems: s.problems };
}

export { startLocalServer, type LocalServerOptions, type LocalServer } from './engine/rest/server.js';
/** An event of a run, as the API passes them on. */
export type ApiEvent = Exclude<MigrationEvent, { type: 'writing' }>;
export type { MigrateResult, MigrationEvent, StatusReport, PlanOptions };

import { KsqlClient, AuthError, ServerError, UnreachableError } from '../client/client.js';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { CliError, EXIT } from './errors.js';
import type { MetadataNames } from '../migrations/history.js';
import type { MigrationSettings } from '../migrations/apply.js';

export interface GlobalOptions {
  config?: string; server?: string; migrationsDir?: string; username?: string; password?: string;
  define?: string[]; verbose?: boolean; quiet?: boolean; json?: boolean;
}

export function loadConfigOrExit(opts: GlobalOptions): Config {
  try { return loadConfig(opts); } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}

const redact = (text: string) => text.replace(/("?password"?\s*[:=]\s*)"[^"]*"/gi, '$1"***"');

export function makeClient(config: Config, opts: GlobalOptions): KsqlClient {
  return new KsqlClient({
    url: config.server.url, username: config.server.username, password: config.server.password,
    headers: config.server.headers, timeoutMs: config.server.timeoutMs, insecure: config.server.insecure,
    onRequest: opts.verbose ? (m, p, b) => process.stderr.write(`> ${m} ${config.server.url}${p} ${redact(b).slice(0, 2000)}\n`) : undefined,
  });
}

export function parseDefines(config: Config, defines: string[] = []): Map<string, string> {
  const vars = new Map(Object.entries(config.variables));
  for (const d of defines) {
    const i = d.indexOf('=');
    if (i <= 0) throw new CliError(`--define: expected NAME=VALUE, got '${d}'`, EXIT.USAGE);
    vars.set(d.slice(0, i), d.slice(i + 1));
  }
  return vars;
}

/** Metadata names; topics default to `<ksqlServiceId>ksql_<name>` as Confluent's tool names them. */
export async function metadataNames(config: Config, client: KsqlClient): Promise<MetadataNames> {
  const m = config.metadata;
  let serviceId = '';
  if (!m.streamTopic || !m.tableTopic) serviceId = (await client.info()).ksqlServiceId;
  return {
    stream: m.stream, table: m.table, replicas: m.replicas,
    streamTopic: m.streamTopic ?? `${serviceId}ksql_${m.stream}`,
    tableTopic: m.tableTopic ?? `${serviceId}ksql_${m.table}`,
  };
}

export async function settings(config: Config, client: KsqlClient, opts: GlobalOptions): Promise<MigrationSettings> {
  return {
    dir: config.migrationsDir, metadata: await metadataNames(config, client), defines: parseDefines(config, opts.define),
    leaseMs: config.lock.leaseSeconds * 1000, waitMs: config.lock.waitSeconds * 1000,
  };
}

/** Maps client errors to one line and the documented exit code. */
export function asCliError(e: unknown): unknown {
  if (e instanceof UnreachableError || e instanceof AuthError) return new CliError(e.message, EXIT.UNREACHABLE, { cause: e });
  if (e instanceof ServerError) return new CliError(`ksqlDB refused the request: ${e.message.split('\n')[0]}`, EXIT.FAILED, { cause: e });
  return e;
}

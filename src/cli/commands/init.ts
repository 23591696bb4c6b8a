import { existsSync, statSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../config/config.js';
import { CliError, EXIT } from '../errors.js';
import { writeFile } from 'node:fs/promises';
import { makeDirectory } from '../../files/make-dir.js';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

const TEMPLATE = `# ksql-migrate configuration. Precedence: defaults < this file < KSQL_MIGRATE_* environment < flags.
server:
  # ksqlDB's REST endpoint (env KSQL_MIGRATE_SERVER, flag --server)
  url: http://localhost:8088
  # Basic auth or a Confluent Cloud API key and secret; keep secrets in the environment:
  # username: \${env:KSQL_API_KEY}
  # password: \${env:KSQL_API_SECRET}
  # timeoutMs: 30000

migrations:
  # where the V000001__description.sql files live, relative to this file
  dir: migrations

metadata:
  # the history stream and table, compatible with Confluent's ksql-migrations
  stream: MIGRATION_EVENTS
  table: MIGRATION_SCHEMA_VERSIONS
  # topics default to <ksqlServiceId>ksql_<name>, with 1 replica (3 on Confluent Cloud)
  # replicas: 1

lock:
  # a run's lock expires after this long without renewal
  leaseSeconds: 300
  # how long a second run waits for the lock before giving up
  waitSeconds: 120

# the target's Schema Registry, which up --dry-run reads for sources whose columns come from it
# (default: the one the server names in SHOW PROPERTIES; env KSQL_MIGRATE_SCHEMA_REGISTRY_URL)
# schemaRegistry:
#   url: https://psrc-xxxxx.us-east-1.aws.confluent.cloud
#   username: \${env:SR_API_KEY}
#   password: \${env:SR_API_SECRET}

# streamsProperties sent with every statement; earliest lets new queries read existing records
properties:
  ksql.streams.auto.offset.reset: earliest

# values for \${name} in migrations (also --define name=value)
variables: {}
`;

/**
 * The migrations directory an existing configuration names. init needs nothing else from it, so a
 * setting that names an environment variable set only where migrations run (a CI secret) is no
 * reason to refuse, unless the directory itself depends on one.
 */
function configuredMigrationsDir(root: string): string {
  try { return loadConfig({}, process.env, root, { onlyMigrations: true }).migrationsDir; } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}

export async function runInit(dir?: string): Promise<void> {
  const root = resolve(dir ?? '.');
  if (existsSync(root) && !statSync(root).isDirectory()) throw new CliError(`init: ${root} is a file, not a directory`, EXIT.USAGE);
  // KSQL_MIGRATE_CONFIG names the configuration file, as for every other command
  const named = process.env.KSQL_MIGRATE_CONFIG || undefined;
  const cfg = named ? resolve(root, named) : join(root, 'ksql-migrate.yaml');
  // a directory given, and a configuration named elsewhere: which project is meant cannot be told
  const rel = relative(root, cfg);
  if (dir !== undefined && named && (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))) {
    throw new CliError(`init: KSQL_MIGRATE_CONFIG names ${cfg}, outside ${root}: unset it to set up ${root}, or run init without a directory to set up the configuration it names`, EXIT.USAGE);
  }
  const confluent = named ? undefined : join(root, 'ksql-migrations.properties');
  if (named && !existsSync(cfg) && cfg.endsWith('.properties')) throw new CliError(`KSQL_MIGRATE_CONFIG: ${cfg} does not exist; init writes a YAML configuration, so name a .yaml file (or create the .properties file yourself)`, EXIT.USAGE);
  // an existing configuration may put the migrations elsewhere (migrations.dir, ksql.migrations.dir.override)
  let migrations = join(dirname(cfg), 'migrations');
  if (existsSync(cfg) || (confluent !== undefined && existsSync(confluent))) {
    migrations = configuredMigrationsDir(root);
  } else if (process.env.KSQL_MIGRATE_MIGRATIONS_DIR) {
    // the environment names the directory for every command: init makes that one
    migrations = resolve(root, process.env.KSQL_MIGRATE_MIGRATIONS_DIR);
  }
  try { await makeDirectory(migrations); } catch (e) {
    throw new CliError(`init: cannot create ${migrations}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
  }
  if (existsSync(cfg)) {
    process.stdout.write(`${cfg} already exists; left as it is\n`);
  } else if (confluent !== undefined && existsSync(confluent)) {
    // a ksql-migrate.yaml would take precedence over it, and point at other servers and names
    process.stdout.write(`${confluent} configures this project (ksql-migrate reads it when there is no ksql-migrate.yaml); no ksql-migrate.yaml written\n`);
  } else {
    try { await makeDirectory(dirname(cfg)); await writeFile(cfg, TEMPLATE); } catch (e) {
      throw new CliError(`init: cannot write ${cfg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
    }
    process.stdout.write(`created ${cfg}\n`);
  }
  process.stdout.write(`migrations go in ${migrations}; next: ksql-migrate create "first migration"\n`);
}
